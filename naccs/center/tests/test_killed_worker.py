"""A real task worker (`manage.py db_worker`, a process of its own) killed with SIGKILL in the middle of a morning run;
the scheduler resumes the run and, together with a second run of the same day on a second worker at the same time,
every terminal, mail and 新着情報 item of the day happens exactly once (issue 13, item 11)."""

import os
import signal
import subprocess
import sys
import time
from datetime import datetime, timedelta
from datetime import time as clock
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from django.db import connection
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from naccs.applications import lifecycle
from naccs.applications.models import Application, ReissueLine
from naccs.audit.models import AuditEvent
from naccs.center import scheduler
from naccs.center.tasks import morning_run_task
from naccs.jobs.models import ScheduledJob
from naccs.mailer.models import OutboundMail
from naccs.pki.models import CertificatePickup
from naccs.portal.models import NewsItem
from naccs.terminals.models import ReplacedAuthCode
from naccs.tests.helpers import database_url

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(connection.vendor != "postgresql", reason="two workers at once need PostgreSQL's row locks"),
]
ROOT = Path(__file__).resolve().parents[3]
APPLICATIONS, TERMINALS_EACH = 20, 6  # 120 terminals: a run of a few seconds
KILL_AFTER = 20  # terminals done when the worker is killed
COMPLETED_NEWS = "デジタル証明書を再発行しました（論理端末："


@pytest.fixture
def worker_env(tmp_path, test_ca):
    return {
        **os.environ,
        "DATABASE_URL": database_url(),
        "CA_DIR": str(test_ca),
        "VAR_DIR": str(tmp_path),
        "PYTHONPATH": str(ROOT),
        "LOG_LEVEL": "WARNING",
    }


def start_worker(env, log: Path, *options) -> subprocess.Popen:
    return subprocess.Popen(
        [sys.executable, "manage.py", "db_worker", "--no-reload", "--no-startup-delay", "--interval", "0.1", *options],
        cwd=ROOT,
        env=env,
        stdout=log.open("ab"),
        stderr=subprocess.STDOUT,
    )


def wait_until(condition, *, seconds: float, what: str) -> None:
    deadline = time.monotonic() + seconds
    while not condition():
        if time.monotonic() > deadline:
            pytest.fail(f"timed out waiting for {what}")
        time.sleep(0.01)


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
    first = start_worker(worker_env, log)
    try:
        wait_until(lambda: processed() >= KILL_AFTER, seconds=60, what="the worker to process some terminals")
        first.send_signal(signal.SIGKILL)
        first.wait(10)
    finally:
        first.kill()
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
    workers = [start_worker(worker_env, log, "--batch") for _ in range(2)]
    try:
        for worker in workers:
            assert worker.wait(120) == 0, log.read_text()
    finally:
        for worker in workers:
            worker.kill()

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
