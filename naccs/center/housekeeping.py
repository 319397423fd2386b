"""The daily pruning of finished task results past their retention (enqueued by naccs.center.scheduler).

The scheduler enqueues two tasks a minute and each mail, morning run, reminder and close is one more: without pruning
the table django-tasks-db keeps grows by about 10,000 rows a day, and every worker's poll reads its index."""

import datetime

from django.conf import settings
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

BATCH = 5_000  # rows per DELETE: a short transaction each, never a lock on a day's worth of rows


def prune_task_results(now: datetime.datetime | None = None) -> dict:
    """Delete successful task results finished more than TASK_RESULT_RETENTION_DAYS ago and failed ones more than
    TASK_FAILURE_RETENTION_DAYS ago; a task that is waiting or running is never touched. Returns how many of each."""
    now = now or timezone.now()
    successful_before = now - datetime.timedelta(days=settings.TASK_RESULT_RETENTION_DAYS)
    failed_before = now - datetime.timedelta(days=settings.TASK_FAILURE_RETENTION_DAYS)
    return {
        "successful": delete_in_batches(DBTaskResult.objects.successful().filter(finished_at__lt=successful_before)),
        "failed": delete_in_batches(DBTaskResult.objects.failed().filter(finished_at__lt=failed_before)),
    }


def delete_in_batches(results) -> int:
    deleted = 0
    while batch := list(results.values_list("pk", flat=True)[:BATCH]):
        count, _ = DBTaskResult.objects.filter(pk__in=batch).delete()
        deleted += count
    return deleted
