"""Pickups (取得待ち): after a reissue, or once a new terminal is added (契約内容の変更), a terminal may acquire its
new (or first) certificate for two months (NACCS stops a certificate that is not acquired within 2か月), then the
pickup is closed with notice: one rule for both."""

from datetime import datetime

from django.db import transaction
from django.utils import timezone

from naccs.accounts.selectors import contact_addresses
from naccs.audit.services import record
from naccs.lib.periods import end_of_day, months_after
from naccs.mailer.services import queue_mail
from naccs.portal.models import NewsItem
from naccs.portal.services import post_news
from naccs.terminals.models import Certificate
from naccs.terminals.notices import notice_recipients

from .models import CertificatePickup
from .revocation import revoke_certificate

PICKUP_MONTHS = 2


def pickup_deadline(opened_at: datetime) -> datetime:
    """When a pickup opened at `opened_at` closes: at the end of the same date two months later, Tokyo time (opened
    on 2027-01-15: open all of 2027-03-15, closed from 2027-03-16)."""
    return end_of_day(months_after(timezone.localdate(opened_at), PICKUP_MONTHS))


@transaction.atomic
def open_pickup(*, terminal, application=None, actor=None) -> CertificatePickup:
    """Let the terminal 取得 a new certificate (the morning run); an already open pickup is reused."""
    now = timezone.now()
    existing = CertificatePickup.objects.open(now).select_for_update().filter(terminal=terminal).first()
    if existing is not None:
        return existing
    pickup = CertificatePickup.objects.create(
        terminal=terminal, application=application, opened_at=now, expires_at=pickup_deadline(now)
    )
    record(
        action="pickup.opened",
        actor=actor,
        company=terminal.company,
        obj=pickup,
        after={"expires_at": pickup.expires_at.isoformat()},
        terminal=terminal.name,
    )
    return pickup


def close_stale_pickups(*, now: datetime | None = None) -> int:
    """Close each pickup not acquired by its deadline, revoking the certificate it was to replace, with a 新着情報
    item and a mail to the company."""
    now = now or timezone.now()
    closed = 0
    for pickup_id in list(CertificatePickup.objects.past_deadline(now).values_list("pk", flat=True)):
        with transaction.atomic():
            # Only the pickup row: 取得 locks the terminal before its pickup, so locking both here could deadlock.
            # Asked again under the lock: a 取得 may have used it meanwhile.
            pickup = (
                CertificatePickup.objects.past_deadline(now)
                .select_for_update(of=("self",))
                .select_related("terminal__company")
                .filter(pk=pickup_id)
                .first()
            )
            if pickup is None:
                continue
            pickup.closed_at = now
            pickup.save(update_fields=["closed_at"])
            # The reissued certificate was never acquired: the one it was to replace ends with it (superseded).
            earlier = Certificate.objects.filter(terminal=pickup.terminal, issued_at__lt=pickup.opened_at)
            for certificate in earlier.filter(revoked_at__isnull=True):
                revoke_certificate(certificate=certificate, reason=Certificate.RevocationReason.SUPERSEDED)
            announce_closing(pickup, first_certificate=not earlier.exists())
            closed += 1
    return closed


def announce_closing(pickup: CertificatePickup, *, first_certificate: bool = False) -> None:
    """A terminal that never had a certificate (added by a 契約内容の変更) is told so in its own words."""
    terminal, company = pickup.terminal, pickup.terminal.company
    record(
        action="pickup.closed",
        company=company,
        obj=pickup,
        before={"closed_at": None},
        after={"closed_at": pickup.closed_at.isoformat()},
        terminal=terminal.name,
    )
    post_news(
        company=company,
        category=NewsItem.Category.CERTIFICATE,
        text=(
            f"論理端末{terminal.name}のデジタル証明書は、利用開始から{PICKUP_MONTHS}か月以内に取得されなかったため"
            "取得を締め切りました。取得するには、再発行の申込を行ってください。"
            if first_certificate
            else f"論理端末{terminal.name}のデジタル証明書は、再発行から{PICKUP_MONTHS}か月以内に取得されなかったため"
            "取得を締め切り、これまでのデジタル証明書を失効しました。再度、再発行の申込を行ってください。"
        ),
    )
    for address in notice_recipients(company, contact_addresses(company)):
        queue_mail(
            to=address,
            template="pickup_closed",
            context={
                "company": company,
                "terminal": terminal,
                "pickup": pickup,
                "months": PICKUP_MONTHS,
                "first_certificate": first_certificate,
            },
            company=company,
        )
