"""The renewal window (manual ②): a certificate may be acquired again without an application from RENEWAL_WINDOW_DAYS
(28) days before its expiry date until it expires. Counted in calendar days in Tokyo."""

from datetime import date, datetime, timedelta

from django.conf import settings
from django.utils import timezone

from naccs.lib.periods import end_of_day


def renewal_window_opens_on(not_after: datetime) -> date:
    """The first day on which a certificate that expires at `not_after` may be renewed."""
    return timezone.localtime(not_after).date() - timedelta(days=settings.RENEWAL_WINDOW_DAYS)


def expiring_before_for_window(now: datetime) -> datetime:
    """Certificates expiring before this moment have their renewal window open at `now` (those not yet expired)."""
    return end_of_day(timezone.localtime(now).date() + timedelta(days=settings.RENEWAL_WINDOW_DAYS))


def in_renewal_window(not_after: datetime, now: datetime) -> bool:
    """Open from the window's first day until the certificate expires: after expiry a reissue is needed (manual ②)."""
    return now < not_after < expiring_before_for_window(now)


def days_until_expiry(not_after: datetime, now: datetime) -> int:
    """残り日数: calendar days in Tokyo from today to the expiry date, as the manual counts 「28日前」 (expiring today:
    0, tomorrow: 1; negative once the expiry date has passed)."""
    return (timezone.localtime(not_after).date() - timezone.localtime(now).date()).days


def renewal_window_text(not_after: datetime | None = None) -> str:
    """The window as the pages and mails state it: 「有効期限の28日前から有効期限まで」; for one certificate that
    expires at `not_after`, when its window opens: 「有効期限の28日前（2027/02/01）から」."""
    opens = f"有効期限の{settings.RENEWAL_WINDOW_DAYS}日前"
    if not_after is None:
        return f"{opens}から有効期限まで"
    return f"{opens}（{renewal_window_opens_on(not_after):%Y/%m/%d}）から"
