"""How pages, mails and refusals state the renewal window (one sentence, renewal.renewal_window_text)."""

from datetime import datetime
from zoneinfo import ZoneInfo

from naccs.terminals.renewal import renewal_window_text

TOKYO = ZoneInfo("Asia/Tokyo")


def test_the_window_reads_from_28_days_before_expiry_until_expiry():
    assert renewal_window_text() == "有効期限の28日前から有効期限まで"


def test_the_window_of_a_certificate_expiring_on_1_march_2027_opens_on_1_february():
    assert renewal_window_text(datetime(2027, 3, 1, 10, tzinfo=TOKYO)) == "有効期限の28日前（2027/02/01）から"
