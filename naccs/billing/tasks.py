"""Background jobs of billing (django-tasks; run by `manage.py run_worker`)."""

from datetime import date

from django_tasks import task

from . import close


@task()
def monthly_close_task(month: str) -> dict:
    """The monthly close of `month` (YYYY-MM-DD, any day of it): safe to enqueue again."""
    report = close.close_month(month=date.fromisoformat(month))
    return {"month": report.month.isoformat(), "made": report.made, "already_closed": report.already_closed}
