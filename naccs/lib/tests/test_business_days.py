from datetime import date, datetime
from zoneinfo import ZoneInfo

import pytest

from naccs.lib.business_days import earliest_desired_date, is_business_day, next_business_day

JST = ZoneInfo("Asia/Tokyo")


@pytest.mark.parametrize(
    "day",
    [
        date(2026, 1, 12),  # 成人の日
        date(2026, 5, 6),  # 振替休日 (憲法記念日 on a Sunday)
        date(2026, 9, 22),  # 国民の休日 between 敬老の日 and 秋分の日
        date(2027, 3, 22),  # 振替休日 (春分の日 on a Sunday)
        date(2027, 11, 23),  # 勤労感謝の日
        date(2028, 2, 11),  # 建国記念の日
        date(2028, 7, 17),  # 海の日
    ],
)
def test_national_holidays_are_not_business_days(day):
    assert not is_business_day(day)


@pytest.mark.parametrize(
    "day", [date(2026, 12, 29), date(2026, 12, 31), date(2027, 1, 1), date(2027, 1, 3), date(2028, 1, 2)]
)
def test_year_end_closure_days_are_not_business_days(day):
    assert not is_business_day(day)


def test_weekends_are_not_business_days():
    assert not is_business_day(date(2026, 11, 28))
    assert not is_business_day(date(2026, 11, 29))


def test_an_ordinary_weekday_is_a_business_day():
    assert is_business_day(date(2026, 11, 25))
    assert is_business_day(date(2027, 1, 4))


def test_closure_days_are_configurable(settings):
    settings.CENTER_CLOSURE_DAYS = ["11-25"]
    assert not is_business_day(date(2026, 11, 25))
    assert is_business_day(date(2026, 12, 28))


def test_next_business_day_skips_the_year_end():
    assert next_business_day(date(2026, 12, 28)) == date(2027, 1, 4)


def test_next_business_day_skips_a_long_weekend():
    assert next_business_day(date(2027, 3, 19)) == date(2027, 3, 23)  # Sat, Sun, 振替休日 Mon 3/22


def test_earliest_date_at_2359_jst_is_the_next_business_day():
    now = datetime(2026, 11, 25, 23, 59, tzinfo=JST)
    assert earliest_desired_date(now) == date(2026, 11, 26)


def test_earliest_date_at_0000_jst_moves_to_the_following_day():
    now = datetime(2026, 11, 26, 0, 0, tzinfo=JST)
    assert earliest_desired_date(now) == date(2026, 11, 27)


def test_earliest_date_uses_tokyo_time_not_utc():
    # 2026-11-26 15:30 UTC is already Friday 11/27 00:30 in Tokyo: the next business day is Monday 11/30.
    now = datetime(2026, 11, 26, 15, 30, tzinfo=ZoneInfo("UTC"))
    assert earliest_desired_date(now) == date(2026, 11, 30)
