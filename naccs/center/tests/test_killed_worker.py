"""A real task worker (`manage.py db_worker`, a process of its own) killed with SIGKILL in the middle of a morning run;
the scheduler resumes the run and, together with a second run of the same day on a second worker at the same time,
every terminal, mail and 新着情報 item of the day happens exactly once (issue 13, item 11). The daily reminders, killed
and resumed the same way, remind each certificate once (issue 26 #5; the monthly close: billing's test_killed_close)."""

from datetime import datetime, timedelta
from datetime import time as clock
from zoneinfo import ZoneInfo

import pytest
from django.db import connection
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from naccs.accounts.models import Company
from naccs.applications import lifecycle
from naccs.applications.models import Application, ReissueLine
from naccs.audit.models import AuditEvent
from naccs.center import scheduler
from naccs.center.long_tasks import LONG_TASKS, REMINDERS
from naccs.center.models import ExpiryReminder
from naccs.center.reminders import DAILY_REMINDERS
from naccs.center.tasks import morning_run_task
from naccs.jobs import leases
from naccs.jobs.models import ScheduledJob
from naccs.mailer.models import OutboundMail
from naccs.pki.models import CertificatePickup
from naccs.portal.models import NewsItem
from naccs.terminals.models import ReplacedAuthCode
from naccs.tests import outage
from naccs.tests.helpers import database_url, expiring_in

pytestmark = [
    pytest.mark.layout,
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(connection.vendor != "postgresql", reason="two workers at once need PostgreSQL's row locks"),
]
APPLICATIONS, TERMINALS_EACH = 20, 6  # 120 terminals: a run of a few seconds
KILL_AFTER = 20  # terminals done when the worker is killed
COMPLETED_NEWS = "デジタル証明書を再発行しました（論理端末："


@pytest.fixture
def worker_env(tmp_path, test_ca):
    return outage.environment(database_url(), test_ca, tmp_path, LOG_LEVEL="WARNING")


def processed() -> int:
    return ReissueLine.objects.filter(processed_at__isnull=False).count()


def test_a_worker_killed_mid_run_is_resumed_and_every_terminal_mail_and_news_item_happens_once(
    make_application, staff_user, run_day, worker_env, tmp_path, django_capture_on_commit_callbacks
):
    applications = [make_application(count=TERMINALS_EACH) for _ in range(APPLICATIONS)]
    for application in applications:
        lifecycle.approve(application=application, actor=staff_user)
    OutboundMail.objects.all().delete()  # the approval mails; what follows counts the completion mails
    terminals = APPLICATIONS * TERMINALS_EACH
    log = tmp_path / "workers.log"

    with django_capture_on_commit_callbacks(execute=True):
        scheduler.tick(datetime.combine(run_day, clock(7, 0), tzinfo=ZoneInfo("Asia/Tokyo")))
    outage.worker_killed_when(worker_env, log, lambda: processed() >= KILL_AFTER)
    done_when_killed = processed()
    assert done_when_killed < terminals, "the run ended before the kill: nothing was tested"
    killed_task = DBTaskResult.objects.get(task_path__endswith="morning_run_task")
    assert killed_task.status == "RUNNING"  # what django-tasks shows of a dead worker, forever
    job = ScheduledJob.objects.get(name="morning_run", run_date=run_day)
    assert job.started_at is not None and job.finished_at is None

    # The next scheduler tick after the lease ran out enqueues the run again; at the same moment another run of the
    # same day is enqueued (an approval came late): two workers take one each.
    with django_capture_on_commit_callbacks(execute=True):
        assert scheduler.resume_abandoned_runs(timezone.now() + timedelta(minutes=5)) == [run_day]
    morning_run_task.enqueue(run_day.isoformat())
    outage.batch_workers(worker_env, log, 2)

    assert processed() == terminals
    assert CertificatePickup.objects.count() == CertificatePickup.objects.values("terminal").distinct().count()
    assert CertificatePickup.objects.count() == terminals
    assert ReplacedAuthCode.objects.count() == terminals  # each terminal's 認証コード2 replaced once
    assert AuditEvent.objects.filter(action="reissue.terminal_processed").count() == terminals
    for application in Application.objects.filter(pk__in=[a.pk for a in applications]):
        assert application.status == Application.Status.COMPLETED
        assert OutboundMail.objects.filter(subject__contains=application.receipt_number).count() == 1
        completion = NewsItem.objects.filter(text__startswith=COMPLETED_NEWS, text__contains=application.receipt_number)
        assert completion.count() == 1
    assert AuditEvent.objects.filter(action="application.completed").count() == APPLICATIONS
    assert OutboundMail.objects.count() == APPLICATIONS
    job.refresh_from_db()
    assert job.finished_at is not None and job.resumed == 1
    runs = DBTaskResult.objects.filter(task_path__endswith="morning_run_task").exclude(pk=killed_task.pk)
    assert set(runs.values_list("status", flat=True)) == {"SUCCESSFUL"}


REMINDED_COMPANIES = 300
REMIND_KILL_AFTER = 40


def test_a_reminder_run_whose_worker_is_killed_is_resumed_and_reminds_each_certificate_once(
    worker_env, tmp_path, django_capture_on_commit_callbacks
):
    """Issue 26 #5: the daily reminders hold the same lease as the morning run."""
    for n in range(REMINDED_COMPANIES):
        company = Company.objects.create(code=f"{30000000 + n}", name=f"通知商事{n}")
        expiring_in(company, f"{n:05d}A", 5)  # the 7-day reminder is due
    log = tmp_path / "workers.log"
    today = timezone.localdate()
    with django_capture_on_commit_callbacks(execute=True):
        # What the scheduler's tick does for the day's reminders (the test's day may not be at the run time yet).
        ScheduledJob.objects.create(name=DAILY_REMINDERS, run_date=today)
        REMINDERS.start(today, timezone.now())

    outage.worker_killed_when(worker_env, log, lambda: ExpiryReminder.objects.count() >= REMIND_KILL_AFTER)
    assert ExpiryReminder.objects.count() < REMINDED_COMPANIES, "the run ended before the kill: nothing was tested"
    job = ScheduledJob.objects.get(name=DAILY_REMINDERS, run_date=today)
    assert job.started_at is not None and job.finished_at is None

    with django_capture_on_commit_callbacks(execute=True):
        later = timezone.now() + leases.LEASE + timedelta(minutes=1)
        assert leases.resume_abandoned(LONG_TASKS, later) == [(DAILY_REMINDERS, today)]
    outage.batch_workers(worker_env, log)

    assert ExpiryReminder.objects.count() == REMINDED_COMPANIES
    assert ExpiryReminder.objects.values("certificate").distinct().count() == REMINDED_COMPANIES
    notices = NewsItem.objects.filter(text__contains="7日以内に迫っています")
    assert notices.count() == REMINDED_COMPANIES == notices.values("company").distinct().count()
    job.refresh_from_db()
    assert job.finished_at is not None and job.resumed == 1
