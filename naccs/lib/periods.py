"""The manual's periods as calendar periods in Tokyo: 「1年間」 and 「2か月」 end on the same date one year or two
months later (2027-03-01 + 1年間 = 2028-03-01), not after 365 or 61 days; a month end is kept (01-31 + 1か月 = 02-28).
"""

from datetime import date, datetime, time, timedelta

from dateutil.relativedelta import relativedelta
from django.utils import timezone


def today(now: datetime | None = None) -> date:
    """Today in Asia/Tokyo, whatever the server's clock zone (the calendar day of `now` when given)."""
    return timezone.localtime(now).date() if now else timezone.localdate()


def years_after(moment: datetime, years: int) -> datetime:
    """The same time of day on the same date `years` later, in Tokyo (2028-02-29 → 2029-02-28)."""
    return timezone.localtime(moment) + relativedelta(years=years)


def months_after(day: date, months: int) -> date:
    """The same date `months` later (2027-01-15 → 2027-03-15 for two months)."""
    return day + relativedelta(months=months)


def end_of_day(day: date) -> datetime:
    """Midnight in Tokyo after `day`: the first moment of the next day, when a period that ends on `day` is over."""
    return datetime.combine(day + timedelta(days=1), time.min, tzinfo=timezone.get_default_timezone())
