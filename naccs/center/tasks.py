"""Background jobs of the center (django-tasks; run by `manage.py db_worker`, enqueued by `run_scheduler`)."""

from datetime import date

from django_tasks import task

from . import services


@task()
def process_reissues_task(day: str) -> dict:
    report = services.process_reissues(day=date.fromisoformat(day))
    return {"applications": report.applications, "completed": report.completed, "failed": report.failed}


@task()
def daily_reminders_task() -> dict:
    return services.daily_reminders()
