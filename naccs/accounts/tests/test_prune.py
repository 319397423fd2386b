"""Issue 13 item 10: what failed logins and 取得 leave behind is deleted by a daily task after its retention."""

from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from axes.models import AccessAttempt, AccessLog
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from naccs.accounts import tasks
from naccs.accounts.models import FailureCount
from naccs.center import scheduler

pytestmark = pytest.mark.django_db


def count_at(start, key):
    return FailureCount.objects.create(scope="acquire.address", key=key, window_start=start, failures=5)


def test_counts_past_their_retention_are_deleted_and_newer_ones_kept(settings):
    now = timezone.now()
    retention = timedelta(days=settings.FAILURE_COUNT_RETENTION_DAYS)
    count_at(now - retention - timedelta(hours=1), "old")
    count_at(now - retention + timedelta(hours=1), "kept")
    assert tasks.prune(now)["failure_counts"] == 1
    assert list(FailureCount.objects.values_list("key", flat=True)) == ["kept"]


def test_axes_attempts_past_their_30_minute_cool_off_are_deleted(settings):
    now = timezone.now()
    for username, age in (("old", 31), ("recent", 29)):
        attempt = AccessAttempt.objects.create(username=username, ip_address="192.0.2.1", failures_since_start=1)
        AccessAttempt.objects.filter(pk=attempt.pk).update(attempt_time=now - timedelta(minutes=age))
    log = AccessLog.objects.create(username="someone", ip_address="192.0.2.1")
    AccessLog.objects.filter(pk=log.pk).update(
        attempt_time=now - timedelta(days=settings.FAILURE_COUNT_RETENTION_DAYS + 1)
    )
    assert tasks.prune(now) == {"failure_counts": 0, "axes_attempts": 1, "axes_logs": 1}
    assert list(AccessAttempt.objects.values_list("username", flat=True)) == ["recent"]


def test_the_scheduler_enqueues_the_pruning_once_a_day(run_day, django_capture_on_commit_callbacks):
    due = datetime.combine(run_day, time(7, 0), tzinfo=ZoneInfo("Asia/Tokyo"))
    with django_capture_on_commit_callbacks(execute=True):
        assert scheduler.PRUNE in scheduler.tick(due)
        assert scheduler.PRUNE not in scheduler.tick(due + timedelta(minutes=1))
    assert DBTaskResult.objects.filter(task_path__endswith="prune_task").count() == 1
