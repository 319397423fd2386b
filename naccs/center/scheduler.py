"""Which periodic jobs are due (run_scheduler calls `tick` once a minute); each is enqueued once when due.

The morning run is enqueued at MORNING_RUN_TIME on each business day, and again on any later tick of that day when a
申込 due by then was approved after the last enqueue: so an approval after the run time is carried out within a
minute, without the approval knowing about the run. A morning run whose lease ran out before it finished (its worker
was killed) is enqueued again by the next tick (center.leases), and finishes what the dead one left. On the 1st of each
month, the monthly close of the month before.
"""

from datetime import datetime

from django.db import IntegrityError, transaction
from django.utils import timezone

from naccs.accounts.tasks import prune_task
from naccs.billing.months import previous_month
from naccs.billing.tasks import monthly_close_task
from naccs.lib.business_days import is_business_day
from naccs.mailer.tasks import deliver_due_mail
from naccs.pki.tasks import refresh_revocation_data_task

from . import leases
from .models import ScheduledJob
from .morning_run import MORNING_RUN, due_applications, run_time
from .tasks import daily_reminders_task, morning_run_task, prune_task_results_task

DAILY_REMINDERS = "daily_reminders"
PRUNE = "prune_failures"
PRUNE_TASK_RESULTS = "prune_task_results"
MONTHLY_CLOSE = "monthly_close"


def enqueue_morning_run(day, now) -> None:
    """Start the lease of the run of `day` in the caller's transaction, and enqueue the run after it commits."""
    leases.begins(MORNING_RUN, day, now)

    def enqueue():
        result = morning_run_task.enqueue(day.isoformat())
        leases.enqueued(MORNING_RUN, day, now, result.id)

    transaction.on_commit(enqueue)


def _once(name: str, day, enqueue) -> bool:
    try:
        with transaction.atomic():
            ScheduledJob.objects.create(name=name, run_date=day)
            enqueue()
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
            enqueue_morning_run(day, now)
    return bool(taken)


def resume_abandoned_runs(now) -> list:
    """Enqueue again each morning run whose worker died (its lease ran out unfinished); the days resumed."""
    resumed = []
    for job in leases.abandoned([MORNING_RUN], now):
        if leases.is_waiting_for_a_worker(morning_run_task, job):
            continue  # still queued: no worker has taken it yet (the dashboard shows it late)
        with transaction.atomic():
            if leases.take_over(job, now):
                enqueue_morning_run(job.run_date, now)
                resumed.append(job.run_date)
    return resumed


def tick(now: datetime | None = None) -> list[str]:
    """Enqueue what is due at `now`; returns the names enqueued. Safe to call any number of times."""
    now = now or timezone.now()
    local = timezone.localtime(now)
    day = local.date()
    enqueued = []
    due = local.time() >= run_time()
    if resume_abandoned_runs(now):
        enqueued.append(MORNING_RUN)
    if due and is_business_day(day):
        first = _once(MORNING_RUN, day, lambda: enqueue_morning_run(day, now))
        if (first or _again_for_late_approvals(day, now)) and MORNING_RUN not in enqueued:
            enqueued.append(MORNING_RUN)
    if due and _once(DAILY_REMINDERS, day, lambda: transaction.on_commit(daily_reminders_task.enqueue)):
        enqueued.append(DAILY_REMINDERS)
    if due and _once(PRUNE, day, lambda: prune_task.enqueue()):
        enqueued.append(PRUNE)
    if due and _once(PRUNE_TASK_RESULTS, day, lambda: prune_task_results_task.enqueue()):
        enqueued.append(PRUNE_TASK_RESULTS)
    # The previous month's draft invoices on the 1st, for staff to review and 確定 (naccs.billing.close).
    month = previous_month(day).isoformat()
    if due and day.day == 1 and _once(MONTHLY_CLOSE, day, lambda: monthly_close_task.enqueue(month=month)):
        enqueued.append(MONTHLY_CLOSE)
    deliver_due_mail.enqueue()
    enqueued.append("deliver_due_mail")
    refresh_revocation_data_task.enqueue()  # pre-produced OCSP responses and the CRL (issue 17)
    enqueued.append("refresh_revocation_data")
    return enqueued
