"""The daily housekeeping of what failed logins and 取得 leave behind (enqueued by naccs.center.scheduler)."""

import datetime

from axes.handlers.proxy import AxesProxyHandler
from axes.models import AccessAttempt
from django.conf import settings
from django.utils import timezone
from django_tasks import task

from . import limits


def prune(now: datetime.datetime | None = None) -> dict:
    """Delete the failure counts past FAILURE_COUNT_RETENTION_DAYS, django-axes' attempts whose cool-off is over
    (they lock nothing any more; axes deletes them too, but only when someone logs in) and its log of logins past the
    same retention; returns how many of each."""
    now = now or timezone.now()
    cool_off = datetime.timedelta(hours=settings.AXES_COOLOFF_TIME)
    attempts, _ = AccessAttempt.objects.filter(attempt_time__lt=now - cool_off).delete()
    return {
        "failure_counts": limits.prune(now=now),
        "axes_attempts": attempts,
        "axes_logs": AxesProxyHandler.reset_logs(age_days=settings.FAILURE_COUNT_RETENTION_DAYS),
    }


@task()
def prune_task() -> dict:
    return prune()
