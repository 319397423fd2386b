from datetime import date, datetime
from zoneinfo import ZoneInfo

from naccs.lib.periods import end_of_day, months_after, years_after

TOKYO = ZoneInfo("Asia/Tokyo")


def test_a_year_after_is_the_same_date_and_time_a_year_later_in_tokyo():
    assert years_after(datetime(2027, 3, 1, 10, 0, tzinfo=TOKYO), 1) == datetime(2028, 3, 1, 10, 0, tzinfo=TOKYO)
    # 2027-03-01 00:30 in Tokyo is still 2027-02-28 in UTC: the date counted is Tokyo's.
    utc = datetime(2027, 2, 28, 15, 30, tzinfo=ZoneInfo("UTC"))
    assert years_after(utc, 1) == datetime(2028, 3, 1, 0, 30, tzinfo=TOKYO)


def test_a_year_after_the_29th_of_february_is_the_28th():
    assert years_after(datetime(2028, 2, 29, 9, 0, tzinfo=TOKYO), 1) == datetime(2029, 2, 28, 9, 0, tzinfo=TOKYO)


def test_months_after_keep_the_date_or_the_end_of_a_shorter_month():
    assert months_after(date(2027, 1, 15), 2) == date(2027, 3, 15)
    assert months_after(date(2027, 12, 31), 2) == date(2028, 2, 29)


def test_the_end_of_a_day_is_the_next_midnight_in_tokyo():
    assert end_of_day(date(2027, 3, 15)) == datetime(2027, 3, 16, 0, 0, tzinfo=TOKYO)
