"""Two staff members approving at once, two workers running the same morning run, two schedulers ticking at once,
two reminder runs at once: each change happens once. Each test here goes red when the check its code makes under a
row lock (or in a conditional UPDATE) is removed: both threads read the state before either writes (a barrier)."""

import queue
import threading
from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.db import connection
from django.db.models import QuerySet
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from naccs.applications import lifecycle
from naccs.applications.models import Application, ReissueLine
from naccs.applications.reissue import processing
from naccs.audit.models import AuditEvent
from naccs.center import morning_run, reminders, scheduler
from naccs.center.models import ExpiryReminder
from naccs.jobs import leases
from naccs.jobs.models import ScheduledJob
from naccs.mailer.models import OutboundMail
from naccs.pki.models import CertificatePickup
from naccs.portal.models import NewsItem
from naccs.tests.helpers import at_once, make_terminal

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(connection.vendor != "postgresql", reason="row locks need PostgreSQL"),
]


def in_threads(target, count=2):
    results, errors = at_once(target, count)
    assert not errors, errors
    return results


def meet_after(monkeypatch, owner, name: str, *, count=2):
    """Make `owner.name` wait, once it has read what it returns, until `count` threads have read it too."""
    barrier = threading.Barrier(count, timeout=10)
    real = getattr(owner, name)

    def read_then_meet(*args, **kwargs):
        result = real(*args, **kwargs)
        result = list(result) if isinstance(result, QuerySet) else result
        barrier.wait()
        return result

    monkeypatch.setattr(owner, name, read_then_meet)


def meet_before(monkeypatch, owner, name: str, *, count=2):
    """Make `owner.name` wait until `count` threads are about to call it."""
    barrier = threading.Barrier(count, timeout=10)
    real = getattr(owner, name)

    def meet_then_call(*args, **kwargs):
        barrier.wait()
        return real(*args, **kwargs)

    monkeypatch.setattr(owner, name, meet_then_call)


def test_two_simultaneous_approvals_change_the_application_once(make_application, staff_user):
    application = make_application()
    outcomes = in_threads(lambda: lifecycle.approve(application=application.pk, actor=staff_user))
    assert sorted(outcome.changed for outcome in outcomes) == [False, True]
    assert AuditEvent.objects.filter(action="application.approved").count() == 1
    assert OutboundMail.objects.count() == 1


def test_two_workers_on_the_same_run_process_each_terminal_once(make_application, staff_user, fake_pki, run_day):
    applications = [make_application(count=3) for _ in range(4)]
    for application in applications:
        lifecycle.approve(application=application, actor=staff_user)
    OutboundMail.objects.all().delete()
    in_threads(lambda: morning_run.process_day(day=run_day))
    assert len(fake_pki.pickups) == len(set(fake_pki.pickups)) == 12
    assert set(Application.objects.values_list("status", flat=True)) == {"completed"}
    assert OutboundMail.objects.count() == 4
    assert AuditEvent.objects.filter(action="application.completed").count() == 4


def test_two_applications_naming_one_terminal_processed_at_once_open_one_pickup(make_application, staff_user, company):
    """The terminal's row lock orders the two lines; the second sees the pickup the first opened (pki.pickups)."""
    first, second = make_application(count=1), make_application(count=0)
    terminal = first.reissue_lines.get().terminal
    ReissueLine.objects.create(application=second, terminal=terminal)
    for application in (first, second):
        lifecycle.approve(application=application, actor=staff_user)
    lines = queue.Queue()
    for line in ReissueLine.objects.filter(terminal=terminal):
        lines.put(line.pk)
    barrier = threading.Barrier(2, timeout=10)

    def process_one():
        line_id = lines.get()
        barrier.wait()
        return processing.process_line(line_id)

    assert in_threads(process_one) == [True, True]
    assert CertificatePickup.objects.filter(terminal=terminal).count() == 1


def test_two_schedulers_resuming_a_dead_run_at_once_enqueue_it_once(run_day, monkeypatch):
    tokyo = ZoneInfo("Asia/Tokyo")
    assert "morning_run" in scheduler.tick(datetime.combine(run_day, time(7, 0), tzinfo=tokyo))
    DBTaskResult.objects.filter(task_path__endswith="morning_run_task").update(status="RUNNING")
    leases.Lease("morning_run", run_day).__enter__()  # the worker started the run, then died
    meet_after(monkeypatch, leases, "abandoned")
    silent = timezone.now() + timedelta(minutes=5)
    assert sorted(in_threads(lambda: scheduler.resume_abandoned_runs(silent)), key=len) == [[], [run_day]]
    resumed = DBTaskResult.objects.filter(task_path__endswith="morning_run_task", status="READY")
    assert resumed.count() == 1
    assert ScheduledJob.objects.get(name="morning_run", run_date=run_day).resumed == 1


def test_two_schedulers_seeing_a_late_approval_at_once_enqueue_the_run_once(
    make_application, staff_user, run_day, monkeypatch, clock
):
    tokyo = ZoneInfo("Asia/Tokyo")
    assert "morning_run" in scheduler.tick(datetime.combine(run_day, time(7, 0), tzinfo=tokyo))
    clock.at(f"{run_day}T08:30", tick=False)  # decided after the run was enqueued
    lifecycle.approve(application=make_application(), actor=staff_user)
    meet_before(monkeypatch, scheduler, "due_applications")
    later = datetime.combine(run_day, time(9, 0), tzinfo=tokyo)
    in_threads(lambda: scheduler.tick(later))
    runs = DBTaskResult.objects.filter(task_path__endswith="morning_run_task")
    assert runs.count() == 2  # the one at 07:00 and one for the late approval


def test_two_reminder_runs_at_once_remind_each_certificate_once(user, company, monkeypatch):
    """Both list the same due certificates; the certificates' row locks let the second see the first's reminders."""
    for name in ("R00001", "R00002"):
        make_terminal(company, name, expires_at=timezone.now() + timedelta(days=20))  # inside the 28 days
    meet_before(monkeypatch, reminders, "remind_company")
    assert sorted(in_threads(reminders.send_expiry_reminders)) == [0, 2]
    assert ExpiryReminder.objects.filter(kind=ExpiryReminder.Kind.WINDOW_OPENS).count() == 2
    assert NewsItem.objects.count() == 1
    assert OutboundMail.objects.filter(to=user.email).count() == 1
