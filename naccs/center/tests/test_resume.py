"""A morning run whose worker died is resumed within minutes (issue 13, item 11), and the dashboard shows a run that is
late or stuck. The real worker killed with SIGKILL: test_killed_worker.py."""

from datetime import date, datetime, time, timedelta
from io import StringIO
from zoneinfo import ZoneInfo

import pytest
from django.core.management import call_command
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from naccs.applications.reissue import processing
from naccs.center import long_tasks, morning_run, scheduler
from naccs.center.tasks import morning_run_task
from naccs.jobs import leases
from naccs.jobs.models import ScheduledJob

pytestmark = pytest.mark.django_db
TOKYO = ZoneInfo("Asia/Tokyo")
WEDNESDAY = date(2026, 12, 2)  # a business day


def at(day: date, hour: int, minute: int = 0) -> datetime:
    return datetime.combine(day, time(hour, minute), tzinfo=TOKYO)


@pytest.fixture(autouse=True)
def run_at_seven(settings):
    settings.MORNING_RUN_TIME = "07:00"


@pytest.fixture
def enqueued_run(run_day, django_capture_on_commit_callbacks):
    """The scheduler has enqueued the run of `run_day` at its time; returns the run's job."""
    with django_capture_on_commit_callbacks(execute=True):
        assert "morning_run" in scheduler.tick(at(run_day, 7))
    return ScheduledJob.objects.get(name="morning_run", run_date=run_day)


def taken_by_a_worker_that_dies(day: date) -> datetime:
    """A worker claims the run's task, starts the run and is killed: the task stays RUNNING, the lease unfinished."""
    DBTaskResult.objects.filter(task_path__endswith="morning_run_task").update(status="RUNNING")
    leases.Lease("morning_run", day).__enter__()
    return ScheduledJob.objects.get(name="morning_run", run_date=day).heartbeat_at


def morning_run_tasks():
    return DBTaskResult.objects.filter(task_path__endswith="morning_run_task")


@pytest.fixture
def resume(django_capture_on_commit_callbacks):
    """One scheduler tick's resumption at `now`, its enqueues done as its transaction commits."""

    def tick(now: datetime) -> list:
        with django_capture_on_commit_callbacks(execute=True):
            return scheduler.resume_abandoned_runs(now)

    return tick


def test_a_run_whose_worker_died_is_enqueued_again_within_minutes_once(enqueued_run, run_day, resume):
    last_sign_of_life = taken_by_a_worker_that_dies(run_day)
    # A live run renews its lease far more often than once a minute: a minute's silence is no death.
    assert resume(last_sign_of_life + timedelta(minutes=1)) == []
    # "Picked up again within minutes" (issue 13): by five minutes of silence it is enqueued again…
    resumed_at = last_sign_of_life + timedelta(minutes=5)
    assert resume(resumed_at) == [run_day]
    # … once: the new task waits for a worker, and later ticks do not queue duplicates.
    assert resume(resumed_at + timedelta(minutes=1)) == []
    assert resume(resumed_at + timedelta(hours=1)) == []
    assert morning_run_tasks().count() == 2
    assert morning_run_tasks().filter(status="READY").get().args_kwargs["args"] == [run_day.isoformat()]
    job = ScheduledJob.objects.get(pk=enqueued_run.pk)
    assert job.resumed == 1 and job.started_at is None and job.finished_at is None


def test_the_scheduler_tick_resumes_a_dead_run(enqueued_run, run_day, django_capture_on_commit_callbacks):
    last_sign_of_life = taken_by_a_worker_that_dies(run_day)
    with django_capture_on_commit_callbacks(execute=True):
        assert "morning_run" in scheduler.tick(last_sign_of_life + timedelta(minutes=5))
    resumed = morning_run_tasks().filter(status="READY", args_kwargs__args=[run_day.isoformat()])
    assert resumed.count() == 1


def test_a_queued_run_that_no_worker_took_is_not_enqueued_again(enqueued_run, run_day):
    assert scheduler.resume_abandoned_runs(at(run_day, 9)) == []
    assert morning_run_tasks().count() == 1


def test_a_finished_run_is_never_resumed(make_application, staff_user, run_day, django_capture_on_commit_callbacks):
    from naccs.applications import lifecycle

    lifecycle.approve(application=make_application(count=2), actor=staff_user)
    with django_capture_on_commit_callbacks(execute=True):
        scheduler.tick(at(run_day, 7))
    morning_run_task.call(run_day.isoformat())
    job = ScheduledJob.objects.get(name="morning_run", run_date=run_day)
    assert job.finished_at is not None and job.started_at is not None
    DBTaskResult.objects.update(status="RUNNING")  # as if the worker died after the run, before recording success
    assert scheduler.resume_abandoned_runs(job.heartbeat_at + timedelta(hours=2)) == []


def test_a_working_run_renews_its_lease_after_each_step(make_application, staff_user, run_day, monkeypatch):
    from naccs.applications import lifecycle

    lifecycle.approve(application=make_application(count=3), actor=staff_user)
    ScheduledJob.objects.create(name="morning_run", run_date=run_day)
    monkeypatch.setattr(leases, "HEARTBEAT", timedelta(0))
    seen = []
    real = processing.process_line

    def process_and_look(line_id, **kwargs):
        seen.append(ScheduledJob.objects.get(run_date=run_day).heartbeat_at)
        return real(line_id, **kwargs)

    monkeypatch.setattr(processing, "process_line", process_and_look)
    morning_run_task.call(run_day.isoformat())
    assert len(seen) == 3 and seen == sorted(seen) and len(set(seen)) == 3
    assert ScheduledJob.objects.get(run_date=run_day).heartbeat_at > seen[-1]


def test_only_the_run_that_started_last_marks_the_day_finished(run_day):
    """Two runs of one day overlap (a resumed one and a new one): the earlier one has not seen the 申込 approved
    since, so its end does not mean the day is done."""
    ScheduledJob.objects.create(name="morning_run", run_date=run_day)
    job = ScheduledJob.objects.filter(name="morning_run", run_date=run_day)
    earlier, later = leases.Lease("morning_run", run_day), leases.Lease("morning_run", run_day)
    earlier.__enter__()
    later.__enter__()
    earlier.__exit__(None, None, None)
    assert job.get().finished_at is None
    later.__exit__(None, None, None)
    assert job.get().finished_at is not None


def test_a_run_that_raised_stays_unfinished_and_is_retried(run_day):
    ScheduledJob.objects.create(name="morning_run", run_date=run_day)
    with pytest.raises(RuntimeError), leases.Lease("morning_run", run_day):
        raise RuntimeError("database gone")
    job = ScheduledJob.objects.get(run_date=run_day)
    assert job.finished_at is None
    assert list(leases.abandoned(["morning_run"], job.heartbeat_at + timedelta(minutes=5))) == [job]


# --- the dashboard ----------------------------------------------------------------------------------------------


def health_at(moment: datetime, **job) -> leases.Health:
    if job:
        ScheduledJob.objects.get_or_create(name="morning_run", run_date=WEDNESDAY)
        ScheduledJob.objects.filter(run_date=WEDNESDAY).update(**{"enqueued_at": at(WEDNESDAY, 7), **job})
    [(day, health)] = morning_run.run_health(moment)
    assert day == moment.date()
    return health


def test_health_before_the_run_time_and_a_run_not_started_by_its_time():
    assert health_at(at(WEDNESDAY, 6, 50)).label == "開始前"
    late = health_at(at(WEDNESDAY, 7, 30))
    assert late.label == "遅延" and late.is_problem and "07:00" in late.detail and "run_scheduler" in late.detail


def test_health_of_a_run_enqueued_that_no_worker_started():
    assert health_at(at(WEDNESDAY, 7, 1)).label == "開始前"
    waiting = health_at(at(WEDNESDAY, 7, 30), enqueued_at=at(WEDNESDAY, 7))
    assert waiting.label == "遅延" and "run_worker" in waiting.detail


def test_health_of_a_running_a_stuck_and_a_long_run():
    started = {"started_at": at(WEDNESDAY, 7), "heartbeat_at": at(WEDNESDAY, 7, 10)}
    running = health_at(at(WEDNESDAY, 7, 10) + timedelta(seconds=30), **started)
    assert running.label == "実行中" and not running.is_problem and "07:00に開始" in running.detail
    resumed = health_at(at(WEDNESDAY, 7, 10) + timedelta(seconds=30), resumed=1)
    assert resumed.label == "実行中" and "自動再開1回目" in resumed.detail
    stuck = health_at(at(WEDNESDAY, 7, 20), **started)
    assert stuck.label == "停止" and stuck.is_problem and "07:10以降応答がありません" in stuck.detail
    long = health_at(at(WEDNESDAY, 10, 0), started_at=at(WEDNESDAY, 7), heartbeat_at=at(WEDNESDAY, 9, 59))
    assert long.label == "長時間実行中" and long.is_problem and "180分経過" in long.detail


def test_health_of_a_run_that_keeps_dying_asks_staff_to_run_it_by_hand():
    gave_up = health_at(
        at(WEDNESDAY, 9),
        started_at=at(WEDNESDAY, 7),
        heartbeat_at=at(WEDNESDAY, 8),
        resumed=leases.MAX_RESUMES,
    )
    assert gave_up.label == "停止" and "process_reissues" in gave_up.detail
    assert not leases.abandoned(["morning_run"], at(WEDNESDAY, 9)).exists()
    call_command("process_reissues", "--date", WEDNESDAY.isoformat(), stdout=StringIO(), stderr=StringIO())
    assert ScheduledJob.objects.get(run_date=WEDNESDAY).finished_at is not None


def test_health_of_a_finished_run_and_of_a_holiday():
    done = health_at(at(WEDNESDAY, 8), started_at=at(WEDNESDAY, 7), finished_at=at(WEDNESDAY, 7, 5))
    assert done.label == "完了" and "07:05に終了" in done.detail
    [(_, holiday)] = morning_run.run_health(at(date(2027, 1, 1), 8))
    assert holiday.label == "休業日"


def test_the_dashboard_shows_a_stuck_run_in_japanese(staff_client):
    now = timezone.now()
    yesterday = timezone.localdate(now) - timedelta(days=1)
    ScheduledJob.objects.create(
        name="morning_run",
        run_date=yesterday,
        started_at=now - timedelta(hours=1),
        heartbeat_at=now - timedelta(minutes=30),
    )
    html = staff_client.get("/center/dashboard/").content.decode()
    assert "朝の再発行処理の実行状況" in html
    assert f"{yesterday:%Y/%m/%d}" in html and "停止" in html and "応答がありません" in html


def test_a_run_whose_enqueue_never_happened_after_its_commit_is_enqueued_after_the_lease(run_day, resume):
    """Issue 26 #6: the scheduler dies (or loses the database) between committing the day's job and enqueuing its task:
    the job's lease has started all the same, so the next tick after LEASE enqueues the run."""
    # Outside django_capture_on_commit_callbacks the on-commit enqueue never runs: what the job row holds is what a
    # committed tick leaves when its process dies before the enqueue.
    assert "morning_run" in scheduler.tick(at(run_day, 7))
    job = ScheduledJob.objects.get(name="morning_run", run_date=run_day)
    assert not morning_run_tasks().exists() and job.heartbeat_at is not None

    assert resume(at(run_day, 7) + leases.LEASE - timedelta(seconds=1)) == []
    assert resume(at(run_day, 7) + leases.LEASE + timedelta(minutes=1)) == [run_day]
    assert morning_run_tasks().count() == 1


# --- the other long tasks (issue 26 #5) ---------------------------------------------------------------------------

FIRST = date(2027, 2, 1)  # a Monday: the close of January is due


def test_a_close_not_enqueued_by_its_time_is_shown_late():
    assert long_tasks.long_task_health(at(FIRST, 6, 50)) == []
    shown = {row.title: row for row in long_tasks.long_task_health(at(FIRST, 8))}
    assert shown["月次締め"].health.label == "遅延" and shown["月次締め"].day == FIRST
    assert shown["有効期限通知"].health.label == "遅延"
    assert not any(row.title == "月次締め" for row in long_tasks.long_task_health(at(FIRST + timedelta(days=1), 8)))


def test_a_stuck_close_a_resumed_one_and_a_close_that_keeps_dying_are_shown():
    ScheduledJob.objects.create(
        name="monthly_close", run_date=FIRST, enqueued_at=at(FIRST, 7), started_at=at(FIRST, 7),
        heartbeat_at=at(FIRST, 7, 10),
    )  # fmt: skip
    ScheduledJob.objects.create(
        name="daily_reminders", run_date=FIRST, heartbeat_at=at(FIRST, 7), finished_at=at(FIRST, 7)
    )
    ScheduledJob.objects.filter(name="daily_reminders").update(enqueued_at=at(FIRST, 7))
    [stuck] = long_tasks.long_task_health(at(FIRST, 7, 20))
    assert (stuck.title, stuck.health.label) == (
        "月次締め",
        "停止",
    ) and "07:10以降応答がありません" in stuck.health.detail
    ScheduledJob.objects.filter(name="monthly_close").update(resumed=1, heartbeat_at=at(FIRST, 7, 21))
    [running] = long_tasks.long_task_health(at(FIRST, 7, 22))
    assert running.health.label == "実行中" and "自動再開1回目" in running.health.detail
    ScheduledJob.objects.filter(name="monthly_close").update(finished_at=at(FIRST, 7, 30))
    [done] = long_tasks.long_task_health(at(FIRST, 8))
    assert done.health.label == "完了" and "自動再開1回" in done.health.detail
    ScheduledJob.objects.filter(name="monthly_close").update(finished_at=None, resumed=leases.MAX_RESUMES)
    [gave_up] = long_tasks.long_task_health(at(FIRST, 9))
    assert gave_up.health.label == "停止" and "manage.py close_month --month 2027-01" in gave_up.health.detail


def test_the_dashboard_shows_a_stuck_close(staff_client):
    now = timezone.now()
    ScheduledJob.objects.create(
        name="monthly_close", run_date=timezone.localdate(now), started_at=now - timedelta(hours=1),
        heartbeat_at=now - timedelta(minutes=30),
    )  # fmt: skip
    html = staff_client.get("/center/dashboard/").content.decode()
    assert "月次締め・有効期限通知の実行状況" in html and "月次締め" in html and "応答がありません" in html


def test_the_scheduler_tick_resumes_a_dead_close_and_a_dead_reminder_run(django_capture_on_commit_callbacks):
    for name in ("monthly_close", "daily_reminders"):
        ScheduledJob.objects.create(name=name, run_date=FIRST, started_at=at(FIRST, 7), heartbeat_at=at(FIRST, 7))
    with django_capture_on_commit_callbacks(execute=True):
        enqueued = scheduler.tick(at(FIRST, 7, 5))
    assert {"monthly_close", "daily_reminders"} <= set(enqueued)
    close = DBTaskResult.objects.get(task_path__endswith="monthly_close_task")
    assert close.args_kwargs["kwargs"] == {"month": "2027-01-01", "job_day": "2027-02-01"}
    assert DBTaskResult.objects.get(task_path__endswith="daily_reminders_task").args_kwargs["args"] == ["2027-02-01"]
    resumed = ScheduledJob.objects.filter(run_date=FIRST, name__in=["monthly_close", "daily_reminders"])
    assert set(resumed.values_list("resumed", flat=True)) == {1}
