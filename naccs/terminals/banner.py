"""The renewal banner of home and 契約内容の確認: while any of the company's terminals is in its renewal window or
its certificate has expired (issue 18: nobody is surprised)."""

from dataclasses import dataclass
from datetime import datetime

from django.db.models import Count, Min, Q, Window
from django.utils import timezone

from .models import Certificate
from .renewal import expiring_before_for_window, renewal_window_text

NAMES_SHOWN = 5


@dataclass(frozen=True)
class RenewalBanner:
    in_window: int
    expired: int
    first_expiry: datetime | None  # the nearest expiry among those in the window
    names: list[str]  # the first few terminals concerned, nearest expiry first
    renewal_window: str


def renewal_banner_for(company, now: datetime | None = None) -> RenewalBanner | None:
    """What the banner says for `company` (one query: the first few rows carry the totals), or None when no terminal
    needs attention."""
    now = now or timezone.now()
    concerned = Certificate.objects.filter(
        terminal__company=company,
        terminal__is_active=True,
        revoked_at__isnull=True,  # a renewed certificate is revoked (superseded): its terminal needs nothing
        not_after__lt=expiring_before_for_window(now),
    )
    rows = list(
        concerned.annotate(
            in_window=Window(Count("pk", filter=Q(not_after__gt=now))),
            expired=Window(Count("pk", filter=Q(not_after__lte=now))),
            first_expiry=Window(Min("not_after", filter=Q(not_after__gt=now))),
        )
        .order_by("not_after")
        .values_list("terminal__name", "in_window", "expired", "first_expiry")[:NAMES_SHOWN]
    )
    if not rows:
        return None
    _, in_window, expired, first_expiry = rows[0]
    return RenewalBanner(
        in_window=in_window,
        expired=expired,
        first_expiry=first_expiry,
        names=[row[0] for row in rows],
        renewal_window=renewal_window_text(),
    )


def renewal_banner(request) -> dict:
    """Jinja2 context processor: `renewal_banner()` computes the banner only on the pages that show it."""
    company = getattr(request.user, "company", None)
    return {"renewal_banner": (lambda: renewal_banner_for(company)) if company is not None else (lambda: None)}
