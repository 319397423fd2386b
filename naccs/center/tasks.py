"""Background jobs of the center (django-tasks; run by `manage.py run_worker`, enqueued by the scheduler)."""

from datetime import date

from django_tasks import task

from naccs.jobs.leases import Lease

from . import housekeeping, morning_run, reminders
from .reminders import DAILY_REMINDERS


@task()
def morning_run_task(day: str) -> dict:
    """The morning run of `day`, holding the run's lease while it works (renewed after each step)."""
    run_day = date.fromisoformat(day)
    with Lease(morning_run.MORNING_RUN, run_day) as lease:
        report = morning_run.process_day(day=run_day, alive=lease.renew)
    return {"applications": report.applications, "completed": report.completed, "failed": report.failed}


@task()
def daily_reminders_task(day: str | None = None) -> dict:
    """The reminders of `day`, holding its job's lease when the scheduler enqueued it (renewed after each notice)."""
    with Lease(DAILY_REMINDERS, date.fromisoformat(day) if day else None) as lease:
        return reminders.daily_reminders(alive=lease.renew)


@task()
def prune_task_results_task() -> dict:
    return housekeeping.prune_task_results()
