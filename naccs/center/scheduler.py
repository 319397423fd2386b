"""Which periodic jobs are due; each daily job is enqueued once per day (ScheduledJob is the key)."""

from datetime import datetime

from django.db import IntegrityError, transaction
from django.utils import timezone

from naccs.lib.business_days import is_business_day

from .models import ScheduledJob
from .services import run_time


def _once(name: str, day, enqueue) -> bool:
    try:
        with transaction.atomic():
            ScheduledJob.objects.create(name=name, run_date=day)
            transaction.on_commit(enqueue)
    except IntegrityError:
        return False
    return True


def tick(now: datetime | None = None) -> list[str]:
    """Enqueue what is due at `now`; returns the names enqueued. Safe to call any number of times."""
    from .tasks import daily_reminders_task, process_reissues_task

    local = timezone.localtime(now or timezone.now())
    day = local.date()
    enqueued = []
    due = local.time() >= run_time()
    run_day = day.isoformat()
    if due and is_business_day(day) and _once("morning_run", day, lambda: process_reissues_task.enqueue(run_day)):
        enqueued.append("morning_run")
    if due and _once("daily_reminders", day, lambda: daily_reminders_task.enqueue()):
        enqueued.append("daily_reminders")
    try:
        from naccs.mailer.tasks import deliver_due_mail
    except ImportError:
        deliver_due_mail = None
    if deliver_due_mail is not None:
        deliver_due_mail.enqueue()
        enqueued.append("deliver_due_mail")
    return enqueued
