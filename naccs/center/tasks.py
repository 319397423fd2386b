"""Background jobs of the center (django-tasks; run by `manage.py run_worker`, enqueued by the scheduler)."""

from datetime import date

from django_tasks import task

from . import housekeeping, morning_run, reminders
from .leases import Lease


@task()
def morning_run_task(day: str) -> dict:
    """The morning run of `day`, holding the run's lease while it works (renewed after each step)."""
    run_day = date.fromisoformat(day)
    with Lease(morning_run.MORNING_RUN, run_day) as lease:
        report = morning_run.process_day(day=run_day, alive=lease.renew)
    return {"applications": report.applications, "completed": report.completed, "failed": report.failed}


@task()
def daily_reminders_task() -> dict:
    return reminders.daily_reminders()


@task()
def prune_task_results_task() -> dict:
    return housekeeping.prune_task_results()
