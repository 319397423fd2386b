"""Background jobs of the center (django-tasks; run by `manage.py db_worker`, enqueued by the scheduler)."""

from datetime import date

from django_tasks import task

from . import morning_run, reminders


@task()
def morning_run_task(day: str) -> dict:
    report = morning_run.process_day(day=date.fromisoformat(day))
    return {"applications": report.applications, "completed": report.completed, "failed": report.failed}


@task()
def daily_reminders_task() -> dict:
    return reminders.daily_reminders()
