"""Which periodic jobs are due (run_scheduler calls `tick` once a minute); each is enqueued once when due.

The morning run is enqueued at MORNING_RUN_TIME on each business day, and again on any later tick of that day when a
申込 due by then was approved after the last enqueue: so an approval after the run time is carried out within a
minute, without the approval knowing about the run. On the 1st of each month, the monthly close of the month before.

The morning run, the daily reminders and the monthly close are long tasks (LONG_TASKS): each holds a lease
(naccs.jobs.leases), and one whose lease ran out before it finished (its worker was killed) is enqueued again by the
next tick, and finishes what the dead one left.
"""

from datetime import datetime

from django.db import IntegrityError, transaction
from django.utils import timezone

from naccs.accounts.tasks import prune_task
from naccs.billing.tasks import MONTHLY_CLOSE
from naccs.jobs import leases
from naccs.jobs.models import ScheduledJob
from naccs.lib.business_days import is_business_day
from naccs.mailer.tasks import deliver_due_mail
from naccs.pki.tasks import refresh_revocation_data_task

from .long_tasks import CLOSE, LONG_TASKS, MORNING, REMINDERS
from .morning_run import MORNING_RUN, due_applications, run_time
from .reminders import DAILY_REMINDERS
from .tasks import prune_task_results_task

PRUNE = "prune_failures"
PRUNE_TASK_RESULTS = "prune_task_results"


def enqueue_morning_run(day, now) -> None:
    """Start the lease of the run of `day` in the caller's transaction, and enqueue the run after it commits."""
    MORNING.start(day, now)


def _once(name: str, day, enqueue) -> bool:
    try:
        with transaction.atomic():
            ScheduledJob.objects.create(name=name, run_date=day)
            enqueue()
    except IntegrityError:
        return False
    return True


def _again(day, now) -> bool:
    """Enqueue the day's run once more when a 申込 due today was approved after the run was last enqueued."""
    job = ScheduledJob.objects.filter(name=MORNING_RUN, run_date=day).first()
    if job is None or not due_applications(day).filter(decided_at__gte=job.enqueued_at).exists():
        return False
    # Conditional on the time read: of two schedulers ticking at once, one enqueues.
    with transaction.atomic():
        taken = ScheduledJob.objects.filter(pk=job.pk, enqueued_at=job.enqueued_at).update(enqueued_at=now)
        if taken:
            enqueue_morning_run(day, now)
    return bool(taken)


def resume_abandoned_runs(now) -> list:
    """Enqueue again each morning run whose worker died (its lease ran out unfinished); the days resumed."""
    return [day for _, day in leases.resume_abandoned([MORNING], now)]


def tick(now: datetime | None = None) -> list[str]:
    """Enqueue what is due at `now`; returns the names enqueued. Safe to call any number of times."""
    now = now or timezone.now()
    local = timezone.localtime(now)
    day = local.date()
    enqueued = []
    due = local.time() >= run_time()
    enqueued.extend(name for name, _ in leases.resume_abandoned(LONG_TASKS, now))
    business_day = due and is_business_day(day)
    if business_day and (_once(MORNING_RUN, day, lambda: enqueue_morning_run(day, now)) or _again(day, now)):
        enqueued.append(MORNING_RUN)
    if due and _once(DAILY_REMINDERS, day, lambda: REMINDERS.start(day, now)):
        enqueued.append(DAILY_REMINDERS)
    if due and _once(PRUNE, day, lambda: prune_task.enqueue()):
        enqueued.append(PRUNE)
    if due and _once(PRUNE_TASK_RESULTS, day, lambda: prune_task_results_task.enqueue()):
        enqueued.append(PRUNE_TASK_RESULTS)
    # The previous month's draft invoices on the 1st, for staff to review and 確定 (naccs.billing.close).
    if due and day.day == 1 and _once(MONTHLY_CLOSE, day, lambda: CLOSE.start(day, now)):
        enqueued.append(MONTHLY_CLOSE)
    deliver_due_mail.enqueue()
    enqueued.append("deliver_due_mail")
    refresh_revocation_data_task.enqueue()  # pre-produced OCSP responses and the CRL (issue 17)
    enqueued.append("refresh_revocation_data")
    return list(dict.fromkeys(enqueued))  # a job resumed and due at once is named once
