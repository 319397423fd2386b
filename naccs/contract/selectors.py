"""Each terminal of a company with its current certificate and its status (契約内容の確認)."""

from dataclasses import dataclass
from datetime import datetime

from django.db.models import Exists, OuterRef, Prefetch, QuerySet, prefetch_related_objects

from naccs.applications.models import ReissueLine
from naccs.pki.models import CertificatePickup
from naccs.terminals.models import Certificate, LogicalTerminal
from naccs.terminals.renewal import in_renewal_window

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


def contract_terminals(company, *, now: datetime, name_filter: str = "") -> QuerySet[LogicalTerminal]:
    """The company's terminals in name order, each marked when an open 申込 names it or a pickup waits for it."""
    terminals = (
        LogicalTerminal.objects.filter(company=company, is_active=True)
        .order_by("name")
        .only("name", "category", "device_type")
        .annotate(
            in_application=Exists(ReissueLine.objects.busy().filter(terminal=OuterRef("pk"))),
            awaiting_pickup=Exists(CertificatePickup.objects.open(now).filter(terminal=OuterRef("pk"))),
        )
    )
    if name_filter:
        terminals = terminals.filter(name__icontains=name_filter)
    return terminals


def status_of(terminal, certificate, *, now: datetime) -> str:
    if terminal.awaiting_pickup:
        return AWAITING_PICKUP
    if terminal.in_application:
        return IN_PROGRESS
    if certificate is None or certificate.not_after <= now:
        return EXPIRED
    if in_renewal_window(certificate.not_after, now):
        return RENEWABLE
    return VALID


def statuses_of(terminals: list[LogicalTerminal], *, now: datetime) -> list[TerminalStatus]:
    """One page of contract_terminals with each terminal's current certificate: one more query for any number."""
    # Without the PEM: a page shows 50 certificates' dates, not their 1 KB of text each.
    unrevoked = (
        Certificate.objects.filter(revoked_at__isnull=True)
        .only("terminal_id", "serial", "issued_at", "not_after")
        .order_by("-not_after")
    )
    prefetch_related_objects(terminals, Prefetch("certificates", queryset=unrevoked, to_attr="unrevoked"))
    rows = []
    for terminal in terminals:
        certificate = terminal.unrevoked[0] if terminal.unrevoked else None
        days_left = (certificate.not_after - now).days if certificate and certificate.not_after > now else None
        rows.append(TerminalStatus(terminal, certificate, status_of(terminal, certificate, now=now), days_left))
    return rows
