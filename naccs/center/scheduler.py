"""Which periodic jobs are due (run_scheduler calls `tick` once a minute); each is enqueued once when due.

The morning run is enqueued at MORNING_RUN_TIME on each business day, and again on any later tick of that day when a
申込 due by then was approved after the last enqueue: so an approval after the run time is carried out within a
minute, without the approval knowing about the run. On the 1st of each month, the monthly close of the month before.
"""

from datetime import datetime

from django.db import IntegrityError, transaction
from django.utils import timezone

from naccs.billing.months import previous_month
from naccs.billing.tasks import monthly_close_task
from naccs.lib.business_days import is_business_day
from naccs.mailer.tasks import deliver_due_mail

from .models import ScheduledJob
from .morning_run import due_applications, run_time
from .tasks import daily_reminders_task, morning_run_task

MORNING_RUN = "morning_run"
DAILY_REMINDERS = "daily_reminders"
MONTHLY_CLOSE = "monthly_close"


def _once(name: str, day, enqueue) -> bool:
    try:
        with transaction.atomic():
            ScheduledJob.objects.create(name=name, run_date=day)
            transaction.on_commit(enqueue)
    except IntegrityError:
        return False
    return True


def _again_for_late_approvals(day, now) -> bool:
    """Enqueue the day's run once more when a 申込 due today was approved after the run was last enqueued."""
    job = ScheduledJob.objects.filter(name=MORNING_RUN, run_date=day).first()
    if job is None or not due_applications(day).filter(decided_at__gte=job.enqueued_at).exists():
        return False
    # Conditional on the time read: of two schedulers ticking at once, one enqueues.
    with transaction.atomic():
        taken = ScheduledJob.objects.filter(pk=job.pk, enqueued_at=job.enqueued_at).update(enqueued_at=now)
        if taken:
            transaction.on_commit(lambda: morning_run_task.enqueue(day.isoformat()))
    return bool(taken)


def tick(now: datetime | None = None) -> list[str]:
    """Enqueue what is due at `now`; returns the names enqueued. Safe to call any number of times."""
    now = now or timezone.now()
    local = timezone.localtime(now)
    day = local.date()
    enqueued = []
    due = local.time() >= run_time()
    if due and is_business_day(day):
        first = _once(MORNING_RUN, day, lambda: morning_run_task.enqueue(day.isoformat()))
        if first or _again_for_late_approvals(day, now):
            enqueued.append(MORNING_RUN)
    if due and _once(DAILY_REMINDERS, day, lambda: daily_reminders_task.enqueue()):
        enqueued.append(DAILY_REMINDERS)
    # The previous month's draft invoices on the 1st, for staff to review and 確定 (naccs.billing.close).
    month = previous_month(day).isoformat()
    if due and day.day == 1 and _once(MONTHLY_CLOSE, day, lambda: monthly_close_task.enqueue(month=month)):
        enqueued.append(MONTHLY_CLOSE)
    deliver_due_mail.enqueue()
    enqueued.append("deliver_due_mail")
    return enqueued
