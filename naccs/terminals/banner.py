"""The renewal banner of home and 契約内容の確認: while any of the company's terminals is in its renewal window or
its certificate has expired (issue 18: nobody is surprised)."""

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime

from django.db.models import Count, Min, OuterRef, Q, Subquery, Window
from django.utils import timezone

from naccs.accounts.roles import terminals_seen_by

from .models import Certificate, LogicalTerminal
from .renewal import expiring_before_for_window, renewal_window_text

NAMES_SHOWN = 5


@dataclass(frozen=True)
class OpenReissues:
    """What naccs.applications (above this app, which imports nothing of it) tells the banner about reissues."""

    lines_of: Callable  # company → QuerySet of its lines of reissue 申込 registered and not yet ended
    url_of: Callable  # application id → the page of the 申込
    status_label: Callable  # Application.status value → its words


# Registered at start by naccs.applications; empty, the banner knows of no reissue.
OPEN_REISSUES: list[OpenReissues] = []


def register_open_reissues(lookup: OpenReissues) -> None:
    OPEN_REISSUES[:] = [lookup]


@dataclass(frozen=True)
class UnderWay:
    """A reissue 申込 already registered for a terminal the banner names."""

    terminal_name: str
    receipt_number: str
    status: str
    url: str


@dataclass(frozen=True)
class RenewalBanner:
    in_window: int
    expired: int
    first_expiry: datetime | None  # the nearest expiry among those in the window
    names: list[str]  # the first few terminals concerned, nearest expiry first
    renewal_window: str
    expired_without_reissue: int = 0  # expired, and no reissue 申込 under way: the ones to apply for
    under_way: list[UnderWay] = field(default_factory=list)  # among `names`


def renewal_banner_for(company, now: datetime | None = None, *, user=None) -> RenewalBanner | None:
    """What the banner says for `company` (one query: the first few rows carry the totals), or None when no terminal
    needs attention; with `user`, about the terminals they see (an office user: their 事業所's)."""
    now = now or timezone.now()
    lookup = OPEN_REISSUES[0] if OPEN_REISSUES else None
    expired = Q(not_after__lte=now)
    reissue = {}
    if lookup is not None:
        lines = lookup.lines_of(company)
        expired_without_reissue = expired & ~Q(terminal_id__in=lines.values("terminal_id"))
        line = lines.filter(terminal_id=OuterRef("terminal_id")).order_by("pk")
        # The terminal's open reissue, in the same query as the rows.
        reissue = {
            f"reissue_{name}": Subquery(line.values(f"application__{name}")[:1])
            for name in ("id", "receipt_number", "status")
        }
    else:
        expired_without_reissue = expired
    terminals = LogicalTerminal.objects.filter(company=company)
    concerned = Certificate.objects.filter(
        terminal__in=terminals_seen_by(user, terminals) if user is not None else terminals,
        terminal__is_active=True,
        revoked_at__isnull=True,  # a renewed certificate is revoked (superseded): its terminal needs nothing
        not_after__lt=expiring_before_for_window(now),
    )
    rows = list(
        concerned.annotate(
            in_window=Window(Count("pk", filter=Q(not_after__gt=now))),
            expired=Window(Count("pk", filter=expired)),
            expired_without_reissue=Window(Count("pk", filter=expired_without_reissue)),
            first_expiry=Window(Min("not_after", filter=Q(not_after__gt=now))),
            **reissue,
        )
        .order_by("not_after")
        .values("terminal__name", "in_window", "expired", "expired_without_reissue", "first_expiry", *reissue)[
            :NAMES_SHOWN
        ]
    )
    if not rows:
        return None
    first = rows[0]
    under_way = [
        UnderWay(
            terminal_name=row["terminal__name"],
            receipt_number=row["reissue_receipt_number"],
            status=lookup.status_label(row["reissue_status"]),
            url=lookup.url_of(row["reissue_id"]),
        )
        for row in rows
        if row.get("reissue_id")
    ]
    return RenewalBanner(
        in_window=first["in_window"],
        expired=first["expired"],
        first_expiry=first["first_expiry"],
        names=[row["terminal__name"] for row in rows],
        renewal_window=renewal_window_text(),
        expired_without_reissue=first["expired_without_reissue"],
        under_way=under_way,
    )


def renewal_banner(request) -> dict:
    """Jinja2 context processor: `renewal_banner()` computes the banner only on the pages that show it."""
    user = request.user
    company = getattr(user, "company", None)
    return {
        "renewal_banner": (lambda: renewal_banner_for(company, user=user)) if company is not None else (lambda: None)
    }
