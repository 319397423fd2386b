"""The scheduler enqueues the monthly close of the month before on the 1st, once."""

from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
from django_tasks_db.models import DBTaskResult

from naccs.center import scheduler

from .conftest import IN_DECEMBER_2026

pytestmark = [pytest.mark.django_db, IN_DECEMBER_2026]
TOKYO = ZoneInfo("Asia/Tokyo")


def closes():
    return DBTaskResult.objects.filter(task_path__endswith="monthly_close_task")


def test_the_close_of_december_is_enqueued_once_on_the_first_of_january(django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        assert "monthly_close" not in scheduler.tick(datetime(2027, 1, 1, 6, 59, tzinfo=TOKYO))
        assert "monthly_close" in scheduler.tick(datetime(2027, 1, 1, 7, 0, tzinfo=TOKYO))
        assert "monthly_close" not in scheduler.tick(datetime(2027, 1, 1, 7, 1, tzinfo=TOKYO))
    assert closes().get().args_kwargs["kwargs"] == {"month": "2026-12-01", "job_day": "2027-01-01"}


def test_no_close_is_enqueued_on_another_day(django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        assert "monthly_close" not in scheduler.tick(datetime(2027, 1, 2, 9, 0, tzinfo=TOKYO))
    assert not closes().exists()
