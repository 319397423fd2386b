"""Business days of the NACCS center: not Sat/Sun, not a national holiday (incl. 振替休日), not a closure day."""

from datetime import date, datetime, timedelta

import jpholiday
from django.conf import settings

from .periods import today


def is_closure_day(day: date) -> bool:
    return day.strftime("%m-%d") in settings.CENTER_CLOSURE_DAYS


def why_closed(day: date) -> str | None:
    """What keeps the center closed on `day`, or None on a business day: 「土曜日・日曜日」, 「祝日（元日）」 or
    「センター休業日（年末年始）」. The one definition of a business day, whose words the date fields' messages use."""
    if day.weekday() >= 5:
        return "土曜日・日曜日"
    if holiday := jpholiday.is_holiday_name(day):
        return f"祝日（{holiday}）"
    if is_closure_day(day):
        return "センター休業日（年末年始）"
    return None


def is_business_day(day: date) -> bool:
    return why_closed(day) is None


def next_business_day(after: date) -> date:
    """The first business day strictly after `after`."""
    day = after + timedelta(days=1)
    while not is_business_day(day):
        day += timedelta(days=1)
    return day


def earliest_desired_date(now: datetime | None = None) -> date:
    """A 希望日 can be asked for from the next business day on (manual ④: 翌営業日以降)."""
    return next_business_day(today(now))


def latest_desired_date(now: datetime | None = None) -> date:
    return today(now) + timedelta(days=settings.DESIRED_DATE_MAX_DAYS_AHEAD)


def run_time_words() -> str:
    """When on its 希望日 the morning run (MORNING_RUN_TIME, Tokyo) carries a 申込 out, as pages and mails say it:
    「午前中」, or 「午後」 for a run set after noon."""
    hour = int(settings.MORNING_RUN_TIME.partition(":")[0])
    return "午前中" if hour < 12 else "午後"
