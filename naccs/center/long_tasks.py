"""The long tasks the scheduler runs under a lease (naccs.jobs.leases): the morning run, the daily reminders and the
monthly close. Each is resumed when its worker dies, and the dashboard shows any of them late, stuck or resumed."""

from dataclasses import dataclass
from datetime import date, datetime, timedelta

from django.utils import timezone

from naccs.billing.months import previous_month
from naccs.billing.tasks import MONTHLY_CLOSE, monthly_close_task
from naccs.jobs import leases
from naccs.jobs.models import ScheduledJob

from . import morning_run
from .reminders import DAILY_REMINDERS
from .tasks import daily_reminders_task, morning_run_task

MORNING = leases.LongTask(
    morning_run.MORNING_RUN,
    morning_run_task,
    enqueue=lambda day: morning_run_task.enqueue(day.isoformat()),
    by_hand=morning_run.by_hand,
)
REMINDERS = leases.LongTask(
    DAILY_REMINDERS,
    daily_reminders_task,
    enqueue=lambda day: daily_reminders_task.enqueue(day.isoformat()),
    # A certificate gets the nearest reminder it has reached: the next day's run sends what this one did not.
    by_hand=lambda day: "翌日の実行で未送信の通知も送られます。run_worker のログで原因を確認してください。",
)
# The job of the 1st closes the month before; its invoices are dated the 1st even when the close is resumed later.
CLOSE = leases.LongTask(
    MONTHLY_CLOSE,
    monthly_close_task,
    enqueue=lambda day: monthly_close_task.enqueue(month=previous_month(day).isoformat(), job_day=day.isoformat()),
    by_hand=lambda day: f"manage.py close_month --month {previous_month(day):%Y-%m} で処理してください。",
)
LONG_TASKS = [MORNING, REMINDERS, CLOSE]


@dataclass(frozen=True)
class Shown:
    """A row of the dashboard's block of long tasks."""

    title: str
    day: date
    health: leases.Health


# The morning run has a block of its own (morning_run.run_health); these are shown only when something is wrong or
# was resumed: (the task, its title, whether it is due on a day).
SHOWN = [
    (REMINDERS, "有効期限通知", lambda day: True),
    (CLOSE, "月次締め", lambda day: day.day == 1),
]


def long_task_health(now: datetime | None = None) -> list[Shown]:
    """Each long task of the last RESUME_DAYS that is late (not started when due), stuck (its lease ran out, not yet
    resumed), running, or was resumed (how many times). One query for all of them: the dashboard shows it on every
    view."""
    now = now or timezone.now()
    local = timezone.localtime(now)
    today = local.date()
    due_at = timezone.make_aware(datetime.combine(today, morning_run.run_time()))
    recent = ScheduledJob.objects.filter(
        name__in=[long_task.name for long_task, _title, _due_on in SHOWN],
        run_date__gte=today - timedelta(days=leases.RESUME_DAYS),
        run_date__lte=today,
    ).order_by("run_date")
    jobs_of = {long_task.name: [] for long_task, _title, _due_on in SHOWN}
    for job in recent:
        jobs_of[job.name].append(job)
    shown = []
    for long_task, title, due_on in SHOWN:
        jobs = jobs_of[long_task.name]
        for job in jobs:
            health = leases.health(job, due_at=job.enqueued_at, now=now, by_hand=long_task.by_hand)
            if health.state != "finished" or job.resumed:
                shown.append(Shown(title, job.run_date, health))
        if due_on(today) and not any(job.run_date == today for job in jobs):
            health = leases.health(None, due_at=due_at, now=now, by_hand=long_task.by_hand)
            if health.is_problem:
                shown.append(Shown(title, today, health))
    return shown
