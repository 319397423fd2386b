"""The morning run: every approved 申込 of the day processed exactly once, even when the worker dies mid-run."""

from datetime import datetime, time
from zoneinfo import ZoneInfo

import pytest
from django.core.management import CommandError, call_command
from django_tasks_db.models import DBTaskResult

from naccs.applications import lifecycle
from naccs.applications.models import Application
from naccs.applications.reissue import processing
from naccs.audit.models import AuditEvent
from naccs.center import morning_run, scheduler
from naccs.lib.business_days import next_business_day
from naccs.mailer.delivery import deliver_due
from naccs.mailer.models import OutboundMail
from naccs.pki import pickups
from naccs.portal.models import NewsItem

Status = Application.Status
pytestmark = pytest.mark.django_db


class WorkerKilled(BaseException):
    """Stands for SIGKILL: not an Exception, so nothing in the run may swallow it."""


COMPLETED_NEWS = "デジタル証明書を再発行しました（論理端末："


def kill_after(monkeypatch, lines: int):
    """Make the worker die right after its `lines`-th terminal is committed."""
    done = []
    real = processing.process_line

    def process_then_maybe_die(line_id, **kwargs):
        result = real(line_id, **kwargs)
        done.append(line_id)
        if len(done) == lines:
            raise WorkerKilled
        return result

    monkeypatch.setattr(processing, "process_line", process_then_maybe_die)


@pytest.fixture
def approved(make_application, staff_user):
    def make(**kwargs):
        application = make_application(**kwargs)
        lifecycle.approve(application=application, actor=staff_user)
        return application

    return make


def test_run_processes_each_terminal_and_completes_each_application(approved, fake_pki, run_day, settings):
    settings.SITE_URL = "https://support.example.jp"
    first, second = approved(count=3), approved(count=2, reason="replaced")
    untouched = approved(count=1, day=next_business_day(run_day))
    codes = {line.terminal_id: line.terminal.auth_code2 for line in first.reissue_lines.select_related("terminal")}
    OutboundMail.objects.all().delete()

    terminals = []
    report = morning_run.process_day(day=run_day, progress=terminals.append)

    assert (report.applications, len(terminals), report.completed, report.failed) == (2, 5, 2, [])
    assert fake_pki.crl == 1 and len(fake_pki.pickups) == 5
    assert fake_pki.revoked == []  # a terminal keeps its certificate until the new one is acquired
    for line in first.reissue_lines.select_related("terminal"):
        assert line.processed_at and line.terminal.auth_code2 != codes[line.terminal_id]
    for application in (first, second):
        application.refresh_from_db()
        assert application.status == Status.COMPLETED and application.completed_at
        mail = OutboundMail.objects.get(subject__contains=application.receipt_number)
        # The name the guidance and the 登録完了 page give it.
        assert mail.subject.startswith("【NACCS】デジタル証明書の再発行完了（申込受付番号：")
        assert f"申込受付番号 : {application.receipt_number}" in mail.body
        assert f"申込受付年月日 : {application.submitted_at:%Y}年" in mail.body
        assert f"https://support.example.jp/applications/{application.pk}/" in mail.body
    news = NewsItem.objects.filter(text__startswith=COMPLETED_NEWS, category=NewsItem.Category.CERTIFICATE)
    assert news.count() == 2
    # The completion names the terminals and the 申込受付番号, and leads to the 取得 page (no 「NACCS掲示板」).
    names = sorted(line.terminal.name for line in first.reissue_lines.all())
    notice = news.get(text__contains=first.receipt_number)
    assert "、".join(names) in notice.text and notice.link == "/pki/acquire/"
    mail = OutboundMail.objects.get(subject__contains=first.receipt_number)
    assert all(name in mail.body for name in names) and "NACCS掲示板" not in mail.body
    assert "https://support.example.jp/pki/acquire/" in mail.body
    assert "https://support.example.jp/contract/" in mail.body
    untouched.refresh_from_db()
    assert untouched.status == Status.APPROVED


def test_a_second_run_changes_nothing(approved, fake_pki, run_day):
    approved(count=2)
    morning_run.process_day(day=run_day)
    mails, news = OutboundMail.objects.count(), NewsItem.objects.count()
    report = morning_run.process_day(day=run_day)
    assert report.applications == 0 and len(fake_pki.pickups) == 2
    assert (OutboundMail.objects.count(), NewsItem.objects.count()) == (mails, news)


@pytest.mark.parametrize("lines", [1, 3, 5])
def test_worker_killed_mid_run_then_restarted_processes_everything_once(
    approved, fake_pki, run_day, monkeypatch, lines
):
    applications = [approved(count=2) for _ in range(3)]
    OutboundMail.objects.all().delete()
    with monkeypatch.context() as patch:
        kill_after(patch, lines)
        with pytest.raises(WorkerKilled):
            morning_run.process_day(day=run_day)
    assert len(fake_pki.pickups) == lines
    assert not OutboundMail.objects.exists()

    morning_run.process_day(day=run_day)
    morning_run.process_day(day=run_day)

    assert len(fake_pki.pickups) == len(set(fake_pki.pickups)) == 6
    for application in applications:
        application.refresh_from_db()
        assert application.status == Status.COMPLETED
        assert OutboundMail.objects.filter(subject__contains=application.receipt_number).count() == 1
        assert AuditEvent.objects.filter(action="application.completed", object_id=str(application.pk)).count() == 1
    assert NewsItem.objects.filter(text__startswith=COMPLETED_NEWS).count() == 3


def test_a_line_of_an_application_not_approved_is_never_processed(make_application, fake_pki):
    """Only the center's approval lets the run reissue a terminal (a line of a 受付済 申込 named by id does nothing)."""
    application = make_application(count=1)
    line = application.reissue_lines.select_related("terminal").get()
    code = line.terminal.auth_code2
    assert processing.process_line(line.pk) is False
    line.refresh_from_db(), line.terminal.refresh_from_db()
    assert line.processed_at is None and line.terminal.auth_code2 == code and fake_pki.pickups == []


def test_one_failing_terminal_leaves_its_application_open_and_the_others_done(approved, fake_pki, run_day, monkeypatch):
    good, bad = approved(count=1), approved(count=2)
    bad_terminal = bad.reissue_lines.last().terminal
    fake_open = pickups.open_pickup

    def open_pickup(*, terminal, application=None, actor=None):
        if terminal == bad_terminal:
            raise RuntimeError("CA unreachable")
        fake_open(terminal=terminal, application=application, actor=actor)

    monkeypatch.setattr(pickups, "open_pickup", open_pickup)
    report = morning_run.process_day(day=run_day)
    good.refresh_from_db(), bad.refresh_from_db()
    assert good.status == Status.COMPLETED and bad.status == Status.APPROVED
    assert report.failed == [str(bad.pk)]
    assert AuditEvent.objects.filter(action="morning_run.failed", object_id=str(bad.pk)).exists()
    status = morning_run.run_status(run_day)
    # The dashboard's row for the day: one done, one failed (so none left to do), none in review.
    assert (status["done"], status["todo"], status["failed"], status["pending_review"]) == (1, 0, 1, 0)
    # The failed line rolled back: its code is unchanged and it is retried next time.
    assert not bad.reissue_lines.get(terminal=bad_terminal).processed_at
    monkeypatch.setattr(pickups, "open_pickup", fake_open)
    morning_run.process_day(day=run_day)
    bad.refresh_from_db()
    assert bad.status == Status.COMPLETED


def test_smtp_down_mail_is_kept_and_sent_later_once(approved, fake_pki, run_day, settings, mailoutbox):
    application = approved(count=1)
    OutboundMail.objects.all().delete()
    morning_run.process_day(day=run_day)
    mail = OutboundMail.objects.get()
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT, settings.EMAIL_TIMEOUT = "127.0.0.1", 9, 2  # nothing listens
    assert deliver_due() == 0
    mail.refresh_from_db()
    assert mail.status == OutboundMail.Status.PENDING and mail.attempts == 1 and mail.last_error
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    OutboundMail.objects.update(next_attempt_at=mail.created_at)
    assert deliver_due() == 1 and deliver_due() == 0
    assert len(mailoutbox) == 1 and application.receipt_number in mailoutbox[0].subject


def test_process_reissues_command(approved, fake_pki, run_day, capsys, clock):
    approved(count=2)
    clock.at(f"{run_day}T07:30")
    call_command("process_reissues", "--date", run_day.isoformat())
    out, err = capsys.readouterr()
    assert "申込 1 件, 端末 2 台処理, 完了 1 件, 失敗 0 件" in out and "2/2" in err
    with pytest.raises(CommandError):
        call_command("process_reissues", "--date", "2026/13/01")


def test_the_command_refuses_a_day_that_has_not_come(approved, fake_pki, run_day):
    application = approved(count=2)
    with pytest.raises(CommandError, match=f"{run_day} はまだ来ていません.*--before-the-day"):
        call_command("process_reissues", "--date", run_day.isoformat())
    application.refresh_from_db()
    assert application.status == Status.APPROVED and fake_pki.pickups == []
    assert not AuditEvent.objects.filter(action="morning_run.run_before_its_day").exists()


def test_the_command_runs_a_day_before_it_comes_only_on_purpose_and_on_the_record(approved, fake_pki, run_day, capsys):
    application = approved(count=2)
    call_command("process_reissues", "--date", run_day.isoformat(), "--before-the-day")
    application.refresh_from_db()
    assert application.status == Status.COMPLETED
    event = AuditEvent.objects.get(action="morning_run.run_before_its_day")
    assert event.details["day"] == run_day.isoformat() and "process_reissues" in event.actor_label


@pytest.mark.clock("2027-01-01T09:00")
def test_the_command_says_when_the_day_is_not_a_business_day(capsys):
    call_command("process_reissues", "--date", "2027-01-01")
    out, err = capsys.readouterr()
    assert "2027-01-01 はセンターの営業日ではありません（祝日（元日））" in err
    assert out.startswith("2027-01-01: 申込 0 件")


def test_scheduler_enqueues_each_daily_job_once(run_day, django_capture_on_commit_callbacks):
    tokyo = ZoneInfo("Asia/Tokyo")
    early = datetime.combine(run_day, time(6, 59), tzinfo=tokyo)
    due = datetime.combine(run_day, time(7, 0), tzinfo=tokyo)
    with django_capture_on_commit_callbacks(execute=True):
        assert "morning_run" not in scheduler.tick(early)
        assert {"morning_run", "daily_reminders"} <= set(scheduler.tick(due))
        assert "morning_run" not in scheduler.tick(due)
    runs = DBTaskResult.objects.filter(task_path__endswith="morning_run_task")
    assert runs.count() == 1 and runs.get().args_kwargs["args"] == [run_day.isoformat()]
    assert DBTaskResult.objects.filter(task_path__endswith="daily_reminders_task").count() == 1
    assert DBTaskResult.objects.filter(task_path__endswith="deliver_due_mail").count() == 3


def test_scheduler_skips_the_morning_run_on_a_holiday(django_capture_on_commit_callbacks):
    new_year = datetime(2027, 1, 1, 8, 0, tzinfo=ZoneInfo("Asia/Tokyo"))
    with django_capture_on_commit_callbacks(execute=True):
        assert "morning_run" not in scheduler.tick(new_year)


def test_run_scheduler_command_ticks_once(monkeypatch):
    ticks = []
    monkeypatch.setattr("naccs.center.management.commands.run_scheduler.tick", lambda: ticks.append(1) or [])
    call_command("run_scheduler", "--once")
    assert ticks == [1]


def test_a_bad_run_time_setting_is_refused_at_start():
    import subprocess
    import sys

    result = subprocess.run(
        [sys.executable, "-c", "import django; django.setup()"],
        env={**__import__("os").environ, "DJANGO_SETTINGS_MODULE": "naccs.settings", "MORNING_RUN_TIME": "7時"},
        capture_output=True,
        text=True,
    )
    assert result.returncode != 0 and "MORNING_RUN_TIME must be HH:MM" in result.stderr


def test_an_approval_after_the_run_time_is_carried_out_by_the_next_tick(
    make_application, staff_user, run_day, clock, django_capture_on_commit_callbacks
):
    tokyo = ZoneInfo("Asia/Tokyo")
    application = make_application()

    def tick(hour, minute):
        # Each tick commits and enqueues before the next, as the scheduler's ticks do (the lease starts in the tick's
        # transaction and records its task at the commit).
        with django_capture_on_commit_callbacks(execute=True):
            return scheduler.tick(datetime.combine(run_day, time(hour, minute), tzinfo=tokyo))

    assert "morning_run" in tick(7, 0)
    assert "morning_run" not in tick(9, 0)
    clock.at(f"{run_day}T09:30", tick=False)
    with django_capture_on_commit_callbacks(execute=True):
        lifecycle.approve(application=application, actor=staff_user)
    assert "morning_run" in tick(9, 31)
    assert "morning_run" not in tick(9, 32)
    runs = DBTaskResult.objects.filter(task_path__endswith="morning_run_task")
    assert [run.args_kwargs["args"] for run in runs] == [[run_day.isoformat()]] * 2


def test_an_application_approved_after_its_day_is_carried_out_by_the_next_run(approved, fake_pki, run_day):
    overdue = approved(count=1, day=run_day)
    report = morning_run.process_day(day=next_business_day(run_day))
    overdue.refresh_from_db()
    assert report.completed == 1 and overdue.status == Status.COMPLETED
