"""契約内容の確認: each terminal of a company with its current certificate and what the company can do about it."""

from dataclasses import dataclass
from datetime import datetime, timedelta

from django.conf import settings
from django.db.models import Prefetch, QuerySet, prefetch_related_objects
from django.utils import timezone

from naccs.applications.models import ReissueApplication, ReissueApplicationTerminal
from naccs.pki.models import CertificatePickup

from .models import Certificate, LogicalTerminal

VALID = "有効"
RENEWABLE = "更新期間中"
EXPIRED = "期限切れ"
IN_PROGRESS = "再発行手続中"
AWAITING_PICKUP = "取得待ち"


@dataclass(frozen=True)
class TerminalStatus:
    terminal: LogicalTerminal
    certificate: Certificate | None
    status: str
    days_left: int | None

    @property
    def can_acquire(self) -> bool:
        return self.status in (RENEWABLE, AWAITING_PICKUP)


def open_pickup_terminal_ids(terminal_ids, now: datetime) -> set[int]:
    return set(
        CertificatePickup.objects.open(now).filter(terminal__in=terminal_ids).values_list("terminal_id", flat=True)
    )


def busy_terminal_ids(terminal_ids) -> set[int]:
    """Those of the terminals named in an open 申込 (受付済, 確認事項あり, 審査終了)."""
    lines = ReissueApplicationTerminal.objects.filter(
        terminal__in=terminal_ids, application__status__in=ReissueApplication.OPEN_STATUSES
    )
    return set(lines.values_list("terminal_id", flat=True))


def status_of(certificate, *, now, in_application: bool, awaiting_pickup: bool) -> str:
    if awaiting_pickup:
        return AWAITING_PICKUP
    if in_application:
        return IN_PROGRESS
    if certificate is None or certificate.not_after <= now:
        return EXPIRED
    if certificate.not_after - timedelta(days=settings.RENEWAL_WINDOW_DAYS) <= now:
        return RENEWABLE
    return VALID


def contract_terminals(company, *, name_filter: str = "") -> QuerySet[LogicalTerminal]:
    terminals = LogicalTerminal.objects.filter(company=company, is_active=True).order_by("name")
    if name_filter:
        terminals = terminals.filter(name__icontains=name_filter)
    return terminals


def statuses_of(terminals: list[LogicalTerminal], now: datetime | None = None) -> list[TerminalStatus]:
    """Each terminal (one page of them) with its current certificate and status: four queries for any number."""
    now = now or timezone.now()
    current = Prefetch(
        "certificates",
        queryset=Certificate.objects.filter(revoked_at__isnull=True).order_by("-not_after"),
        to_attr="unrevoked",
    )
    prefetch_related_objects(terminals, current)
    ids = [terminal.pk for terminal in terminals]
    busy = busy_terminal_ids(ids)
    pickups = open_pickup_terminal_ids(ids, now)
    rows = []
    for terminal in terminals:
        certificate = terminal.unrevoked[0] if terminal.unrevoked else None
        days_left = (certificate.not_after - now).days if certificate and certificate.not_after > now else None
        status = status_of(
            certificate, now=now, in_application=terminal.pk in busy, awaiting_pickup=terminal.pk in pickups
        )
        rows.append(TerminalStatus(terminal, certificate, status, days_left))
    return rows
