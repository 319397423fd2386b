"""The dashboard's fleet block: how many terminals' certificates expire soon, were renewed this month, expired
without renewal, and a 12-month expiry forecast drawn as an SVG bar chart on the server."""

from dataclasses import dataclass
from datetime import datetime, timedelta

from django.db.models import Count, Exists, OuterRef, Q
from django.db.models.functions import TruncMonth
from django.utils import timezone

from naccs.lib.periods import months_after
from naccs.terminals.models import Certificate

HORIZONS_DAYS = (7, 30, 60, 90)
FORECAST_MONTHS = 12
CHART = {"width": 640, "height": 220, "bar_width": 36, "step": 52, "left": 12, "top": 24, "plot_height": 150}


@dataclass(frozen=True)
class Bar:
    label: str  # 「2027/03」
    count: int
    x: int
    y: int
    height: int
    label_y: int


def month_start(moment: datetime) -> datetime:
    local = timezone.localtime(moment)
    return local.replace(day=1, hour=0, minute=0, second=0, microsecond=0)


def live_certificates():
    """The certificates terminals hold: not revoked (a renewed one is superseded), of terminals in use."""
    return Certificate.objects.filter(revoked_at__isnull=True, terminal__is_active=True)


def forecast_bars(counts_by_month: dict, first_month: datetime) -> list[Bar]:
    peak = max(counts_by_month.values(), default=0) or 1
    bars = []
    for index in range(FORECAST_MONTHS):
        month = months_after(first_month.date(), index)
        count = counts_by_month.get((month.year, month.month), 0)
        height = round(count / peak * CHART["plot_height"])
        bottom = CHART["top"] + CHART["plot_height"]
        bars.append(
            Bar(
                label=f"{month:%Y/%m}",
                count=count,
                x=CHART["left"] + index * CHART["step"],
                y=bottom - height,
                height=height,
                label_y=bottom + 16,
            )
        )
    return bars


def fleet_context(now: datetime | None = None) -> dict:
    """The block's figures in four queries, whatever the size of the fleet."""
    now = now or timezone.now()
    live = live_certificates()
    expiring = live.aggregate(
        **{
            f"within_{days}": Count("pk", filter=Q(not_after__gt=now, not_after__lte=now + timedelta(days=days)))
            for days in HORIZONS_DAYS
        },
        expired=Count("pk", filter=Q(not_after__lte=now)),
    )
    this_month = month_start(now)
    earlier = Certificate.objects.filter(terminal=OuterRef("terminal"), issued_at__lt=OuterRef("issued_at"))
    renewed = Certificate.objects.filter(issued_at__gte=this_month, issued_at__lte=now).filter(Exists(earlier)).count()
    end = datetime.combine(
        months_after(this_month.date(), FORECAST_MONTHS), datetime.min.time(), tzinfo=this_month.tzinfo
    )
    per_month = (
        live.filter(not_after__gte=this_month, not_after__lt=end)
        .annotate(month=TruncMonth("not_after", tzinfo=timezone.get_default_timezone()))
        .values("month")
        .annotate(n=Count("pk"))
        .order_by()
    )
    counts = {}
    for row in per_month:
        month = timezone.localtime(row["month"]) if timezone.is_aware(row["month"]) else row["month"]
        counts[(month.year, month.month)] = counts.get((month.year, month.month), 0) + row["n"]
    return {
        "fleet": {
            "expiring": [(days, expiring[f"within_{days}"]) for days in HORIZONS_DAYS],
            "expired_unrenewed": expiring["expired"],
            "renewed_this_month": renewed,
            "month": this_month,
            "bars": forecast_bars(counts, this_month),
            "chart": CHART,
        }
    }
