"""The daily notices: certificates entering their renewal window and about to expire, and pickups closing."""

from datetime import datetime, timedelta

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from naccs.accounts.selectors import contact_addresses
from naccs.audit.services import record
from naccs.lib.periods import end_of_day
from naccs.mailer.services import queue_mail
from naccs.pki.pickups import close_stale_pickups
from naccs.portal.models import NewsItem
from naccs.portal.services import post_news
from naccs.terminals.models import Certificate
from naccs.terminals.renewal import expiring_before_for_window, renewal_window_text

from .models import ExpiryReminder

LAST_REMINDER_DAYS = 7  # a second notice a week before expiry


def reminder_deadlines(now: datetime) -> list[tuple[str, datetime, int]]:
    """Each reminder: its kind, the moment before which a certificate's expiry makes it due, and the days it names."""
    week = end_of_day(timezone.localtime(now).date() + timedelta(days=LAST_REMINDER_DAYS))
    return [
        (ExpiryReminder.Kind.WINDOW_OPENS, expiring_before_for_window(now), settings.RENEWAL_WINDOW_DAYS),
        (ExpiryReminder.Kind.WEEK_BEFORE, week, LAST_REMINDER_DAYS),
    ]


def send_expiry_reminders(*, now: datetime | None = None) -> int:
    """Tell each company once when a certificate enters its renewal window, and again a week before it expires."""
    now = now or timezone.now()
    sent = 0
    for kind, expiring_before, days in reminder_deadlines(now):
        due = (
            Certificate.objects.filter(revoked_at__isnull=True, not_after__gt=now, not_after__lt=expiring_before)
            .exclude(pk__in=ExpiryReminder.objects.filter(kind=kind).values("certificate_id"))
            .select_related("terminal__company")
            .order_by("terminal__company_id", "not_after")
        )
        by_company: dict = {}
        for certificate in due:
            by_company.setdefault(certificate.terminal.company, []).append(certificate)
        for company, certificates in by_company.items():
            sent += remind_company(company, certificates, kind=kind, days=days)
    return sent


@transaction.atomic
def remind_company(company, certificates: list[Certificate], *, kind: str, days: int) -> int:
    """One notice for the company's certificates due a reminder of `kind`; each certificate is reminded once."""
    locked = list(Certificate.objects.select_for_update().filter(pk__in=[c.pk for c in certificates]).order_by("pk"))
    done = set(
        ExpiryReminder.objects.filter(kind=kind, certificate__in=locked).values_list("certificate_id", flat=True)
    )
    certificates = [certificate for certificate in certificates if certificate.pk not in done]
    if not certificates:
        return 0
    ExpiryReminder.objects.bulk_create(ExpiryReminder(certificate=c, kind=kind) for c in certificates)
    names = "、".join(certificate.terminal.name for certificate in certificates)
    post_news(
        company=company,
        category=NewsItem.Category.CERTIFICATE,
        text=f"デジタル証明書の有効期限が{days}日以内に迫っています（論理端末：{names}）。"[:200],
        body="有効期限までにデジタル証明書を取得してください。",
    )
    context = {"company": company, "certificates": certificates, "days": days, "renewal_window": renewal_window_text()}
    for address in contact_addresses(company):
        queue_mail(to=address, template="expiry_reminder", context=context, company=company)
    record(
        action="certificate.expiry_reminded",
        company=company,
        kind=kind,
        certificates=[certificate.serial for certificate in certificates],
    )
    return len(certificates)


def daily_reminders(*, now: datetime | None = None) -> dict:
    return {"reminded": send_expiry_reminders(now=now), "closed": close_stale_pickups(now=now)}
