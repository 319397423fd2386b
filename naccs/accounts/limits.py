"""Rate limits: failed attempts counted per key in fixed windows, in rows of FailureCount updated under their lock.

An attempt is counted as failed *before* it is checked, and given back when it succeeds: so the check that the limit
is not yet reached and the count that the next attempt sees happen under one row lock, and of any number of
simultaneous attempts at most `limit` are checked in a window (a count taken before a failure is written could be
raced). Windows are fixed (15 minutes from the hour, say), so retrying while refused never extends a block.
"""

import datetime
from dataclasses import dataclass

from django.conf import settings
from django.db import transaction
from django.db.models import F
from django.utils import timezone

from .models import FailureCount

KEY_LENGTH = FailureCount._meta.get_field("key").max_length
EPOCH = datetime.datetime(2000, 1, 1, tzinfo=datetime.UTC)


@dataclass(frozen=True)
class Limit:
    """At most `limit` failures per key in each window; both read from the named settings when used."""

    scope: str
    limit_setting: str
    window_setting: str  # minutes

    @property
    def limit(self) -> int:
        return getattr(settings, self.limit_setting)

    @property
    def window(self) -> datetime.timedelta:
        return datetime.timedelta(minutes=getattr(settings, self.window_setting))

    def window_start(self, now: datetime.datetime) -> datetime.datetime:
        return now - (now - EPOCH) % self.window


class LimitReached(Exception):
    def __init__(self, limit: Limit):
        super().__init__(limit.scope)
        self.limit = limit


@dataclass(frozen=True)
class Attempt:
    """An attempt that passed its limits and is counted as failed until `succeeded` gives it back."""

    row_ids: tuple[int, ...]

    def succeeded(self) -> None:
        FailureCount.objects.filter(pk__in=self.row_ids, failures__gt=0).update(failures=F("failures") - 1)


def take_attempt(checks: list[tuple[Limit, str]], *, now: datetime.datetime | None = None) -> Attempt:
    """Count one attempt against each (limit, key) in turn, or raise LimitReached at the first limit reached.

    A refused attempt is counted as refused on the row that refused it and nowhere else, so that a flood which is
    refused by its address adds no rows for the names it tries. Callers give their checks in one fixed order: the
    rows are locked in that order, so two attempts never wait for each other crosswise.
    """
    now = now or timezone.now()
    row_ids = []
    reached = None
    with transaction.atomic():
        for limit, key in checks:
            row, _ = FailureCount.objects.select_for_update().get_or_create(
                scope=limit.scope, key=key[:KEY_LENGTH], window_start=limit.window_start(now)
            )
            if row.failures >= limit.limit:
                FailureCount.objects.filter(pk=row.pk).update(refused=F("refused") + 1)
                reached = limit
                break
            row_ids.append(row.pk)
        else:
            FailureCount.objects.filter(pk__in=row_ids).update(failures=F("failures") + 1)
    if reached is not None:
        raise LimitReached(reached)
    return Attempt(row_ids=tuple(row_ids))


def failures(limit: Limit, key: str, *, now: datetime.datetime | None = None) -> int:
    """The failures counted against `key` in the current window of `limit`."""
    now = now or timezone.now()
    row = FailureCount.objects.filter(
        scope=limit.scope, key=key[:KEY_LENGTH], window_start=limit.window_start(now)
    ).first()
    return row.failures if row else 0


def prune(*, now: datetime.datetime | None = None) -> int:
    """Delete the counts older than FAILURE_COUNT_RETENTION_DAYS (the daily housekeeping task); returns how many."""
    now = now or timezone.now()
    cutoff = now - datetime.timedelta(days=settings.FAILURE_COUNT_RETENTION_DAYS)
    deleted, _ = FailureCount.objects.filter(window_start__lt=cutoff).delete()
    return deleted
