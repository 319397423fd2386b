"""Background jobs of billing (django-tasks; run by `manage.py run_worker`)."""

from datetime import date

from django_tasks import task

from naccs.jobs.leases import Lease

from . import close

MONTHLY_CLOSE = "monthly_close"  # its ScheduledJob's name


@task()
def monthly_close_task(month: str, job_day: str | None = None) -> dict:
    """The monthly close of `month` (YYYY-MM-DD, any day of it): safe to enqueue again. Enqueued by the scheduler with
    `job_day`, the day of its job: it holds that job's lease, and its invoices are dated that day even when the close
    is resumed on a later one."""
    day = date.fromisoformat(job_day) if job_day else None
    with Lease(MONTHLY_CLOSE, day) as lease:
        report = close.close_month(month=date.fromisoformat(month), day=day, alive=lease.renew)
    return {"month": report.month.isoformat(), "made": report.made, "already_closed": report.already_closed}
