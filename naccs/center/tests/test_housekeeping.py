"""Issue 26 #8: finished task results are deleted by a daily task after their documented retention."""

from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.utils import timezone
from django_tasks import TaskResultStatus
from django_tasks_db.models import DBTaskResult

from naccs.center import housekeeping, scheduler
from naccs.mailer.tasks import deliver_due_mail

pytestmark = pytest.mark.django_db


def result(status: str, finished_days_ago: float | None) -> str:
    """A task result as a worker leaves it: `status`, finished that many days ago (None: not finished)."""
    task_id = deliver_due_mail.enqueue().id
    finished_at = None if finished_days_ago is None else timezone.now() - timedelta(days=finished_days_ago)
    DBTaskResult.objects.filter(pk=task_id).update(status=status, finished_at=finished_at)
    return task_id


def test_finished_results_past_their_retention_are_deleted_and_the_rest_kept(settings):
    settings.TASK_RESULT_RETENTION_DAYS, settings.TASK_FAILURE_RETENTION_DAYS = 7, 30
    old_success = result(TaskResultStatus.SUCCESSFUL, 7.1)
    recent_success = result(TaskResultStatus.SUCCESSFUL, 6.9)
    failure_kept_longer = result(TaskResultStatus.FAILED, 7.1)
    old_failure = result(TaskResultStatus.FAILED, 30.1)
    waiting = result(TaskResultStatus.READY, None)
    running = result(TaskResultStatus.RUNNING, None)

    assert housekeeping.prune_task_results() == {"successful": 1, "failed": 1}

    kept = {str(pk) for pk in DBTaskResult.objects.values_list("pk", flat=True)}
    assert kept == {str(recent_success), str(failure_kept_longer), str(waiting), str(running)}
    assert str(old_success) not in kept and str(old_failure) not in kept


def test_more_results_than_one_batch_are_all_deleted(settings, monkeypatch):
    monkeypatch.setattr(housekeeping, "BATCH", 2)
    for _ in range(5):
        result(TaskResultStatus.SUCCESSFUL, settings.TASK_RESULT_RETENTION_DAYS + 1)
    assert housekeeping.prune_task_results()["successful"] == 5
    assert not DBTaskResult.objects.exists()


def test_the_scheduler_enqueues_the_pruning_of_task_results_once_a_day(run_day, django_capture_on_commit_callbacks):
    due = datetime.combine(run_day, time(7, 0), tzinfo=ZoneInfo("Asia/Tokyo"))
    with django_capture_on_commit_callbacks(execute=True):
        assert scheduler.PRUNE_TASK_RESULTS in scheduler.tick(due)
        assert scheduler.PRUNE_TASK_RESULTS not in scheduler.tick(due + timedelta(minutes=1))
    assert DBTaskResult.objects.filter(task_path__endswith="prune_task_results_task").count() == 1
