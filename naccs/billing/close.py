"""The monthly close (月次締め): every company's invoice for a month, safe to repeat.

基本料金 is a monthly fee: a terminal that is 利用中 when the month is closed is charged for the whole month (not
pro-rated by day; the terminals keep no start or end date, and NACCS's 基本料金 is a 月額). Then one fee per terminal
reissued in the month (デジタル証明書再発行手数料, when the tariff has one) and the month's 個別請求・調整.

Only ids are held across chunks: each chunk of companies is read in a handful of grouped queries, then each company
is closed in its own transaction under its company row's lock, so a killed run is simply run again: the scheduler's
close holds a lease (naccs.jobs.leases) and is resumed when its worker dies, each invoice made once."""

from collections import defaultdict
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from django.db import transaction
from django.db.models import Count
from django.utils import timezone

from naccs.accounts.models import Company
from naccs.applications.models import ReissueLine
from naccs.audit.services import record
from naccs.lib.periods import today
from naccs.terminals.models import LogicalTerminal

from .models import BillingAccount, Charge, Invoice, InvoiceLine, TariffItem
from .months import due_date, first_of_month, has_ended, month_end, not_ended_message
from .numbering import next_number
from .tax import invoice_totals

CHUNK_SIZE = 500


class TariffMissing(Exception):
    """The tariff has no price for something the close must charge; the message names it."""


class MonthNotEnded(Exception):
    """The month asked for is not over yet in Tokyo; the message says from when it can be closed."""


@dataclass(frozen=True)
class Line:
    item: str
    quantity: int
    unit_price: int
    tax_rate: int

    @property
    def amount(self) -> int:
        return self.quantity * self.unit_price


@dataclass
class CloseReport:
    month: date
    made: int = 0
    already_closed: int = 0
    nothing_to_bill: int = 0


def tariff_for(month: date) -> dict[tuple[str, str], TariffItem]:
    """Each price in force on the first day of `month`: (item, device type) → the newest row not after it."""
    prices = {}
    for row in TariffItem.objects.filter(valid_from__lte=month).order_by("valid_from"):
        prices[(row.item, row.device_type)] = row
    return prices


def check_tariff(prices: dict) -> None:
    in_use = LogicalTerminal.objects.filter(is_active=True).values_list("device_type", flat=True).distinct()
    missing = [device for device in in_use if (TariffItem.Item.BASIC, device) not in prices]
    if missing:
        labels = "、".join(sorted(LogicalTerminal.DeviceType(device).label for device in missing))
        raise TariffMissing(f"料金表に基本料金（{labels}）がありません。")


def company_id_chunks(chunk_size: int):
    last = 0
    while True:
        ids = list(Company.objects.filter(pk__gt=last).order_by("pk").values_list("pk", flat=True)[:chunk_size])
        if not ids:
            return
        yield ids
        last = ids[-1]


def moment(day: date) -> datetime:
    return datetime.combine(day, time.min, tzinfo=timezone.get_default_timezone())


def lines_of_chunk(ids: list[int], month: date, prices: dict) -> dict[int, list[Line]]:
    """Each company's lines for `month`, in a few grouped queries for the whole chunk."""
    lines = defaultdict(list)
    device_order = {device: n for n, device in enumerate(LogicalTerminal.DeviceType.values)}
    terminals = (
        LogicalTerminal.objects.filter(company_id__in=ids, is_active=True)
        .values_list("company_id", "device_type")
        .annotate(n=Count("pk"))
        .order_by()
    )
    for company_id, device, count in sorted(terminals, key=lambda row: (row[0], device_order[row[1]])):
        price = prices[(TariffItem.Item.BASIC, device)]
        lines[company_id].append(Line(price.label, count, price.unit_price, price.tax_rate))
    reissue_fee = prices.get((TariffItem.Item.REISSUE, ""))
    if reissue_fee:
        reissued = (
            ReissueLine.objects.filter(
                application__company_id__in=ids,
                processed_at__gte=moment(month),
                processed_at__lt=moment(month_end(month) + timedelta(days=1)),
            )
            .values_list("application__company_id")
            .annotate(n=Count("pk"))
            .order_by()
        )
        for company_id, count in reissued:
            lines[company_id].append(Line(reissue_fee.label, count, reissue_fee.unit_price, reissue_fee.tax_rate))
    charges = Charge.objects.filter(company_id__in=ids, month=month).order_by("company_id", "pk")
    for charge in charges.values_list("company_id", "description", "quantity", "unit_price", "tax_rate"):
        lines[charge[0]].append(Line(*charge[1:]))
    return lines


def close_month(
    *, month: date, chunk_size: int = CHUNK_SIZE, staff=None, progress=None, day: date | None = None, alive=None
) -> CloseReport:
    """Make every company's invoice (a draft, for staff to review and 確定) for `month`; repeat at will.

    `progress`, when given, is called with the report after each chunk (the benchmark times the chunks); `alive()`
    after each company (the task renews its lease there). `day`: the day of the close, its invoices' 請求日 (today by
    default; the demo data closes its past months on their day)."""
    month = first_of_month(month)
    issued_on = day or today()
    if not has_ended(month, today=min(issued_on, today())):
        raise MonthNotEnded(not_ended_message(month))
    prices = tariff_for(month)
    check_tariff(prices)
    report = CloseReport(month)
    for ids in company_id_chunks(chunk_size):
        closed = set(
            Invoice.objects.filter(
                company_id__in=ids, month=month, kind=Invoice.Kind.INVOICE, corrects__isnull=True
            ).values_list("company_id", flat=True)
        )
        report.already_closed += len(closed)
        lines = lines_of_chunk([pk for pk in ids if pk not in closed], month, prices)
        addressees = {
            pk: (name, "", "", BillingAccount.PaymentMethod.TRANSFER)
            for pk, name in Company.objects.filter(pk__in=lines).values_list("pk", "name")
        }
        for account in BillingAccount.objects.filter(company_id__in=lines).values_list(
            "company_id", "postal_code", "address", "payment_method"
        ):
            addressees[account[0]] = (addressees[account[0]][0], *account[1:])
        report.nothing_to_bill += len(ids) - len(closed) - len(lines)
        for company_id, company_lines in lines.items():
            if close_company(company_id, month, company_lines, addressees[company_id], issued_on):
                report.made += 1
            else:
                report.already_closed += 1
            if alive:
                alive()
        if progress:
            progress(report)
    record(action="billing.month_closed", actor=staff, month=month.isoformat(), made=report.made)
    return report


@transaction.atomic
def close_company(company_id: int, month: date, lines: list[Line], addressee: tuple, issued_on: date) -> str | None:
    """One company's invoice for `month`, unless another close made it meanwhile (checked under the company's row
    lock; the unique constraint is the backstop). Returns its 請求番号, or None when it already existed."""
    list(Company.objects.select_for_update().filter(pk=company_id).values_list("pk"))
    if Invoice.objects.filter(
        company_id=company_id, month=month, kind=Invoice.Kind.INVOICE, corrects__isnull=True
    ).exists():
        return None
    name, postal_code, address, payment_method = addressee
    totals = invoice_totals((line.amount, line.tax_rate) for line in lines)
    invoice = Invoice.objects.create(
        company_id=company_id, month=month, number=next_number(issued_on.year), issued_on=issued_on,
        due_date=due_date(month), payment_method=payment_method, company_name=name, postal_code=postal_code,
        address=address, subtotal=totals.subtotal, tax=totals.tax, total=totals.total,
    )  # fmt: skip
    InvoiceLine.objects.bulk_create(
        InvoiceLine(
            invoice=invoice, position=n, item=line.item, quantity=line.quantity, unit_price=line.unit_price,
            amount=line.amount, tax_rate=line.tax_rate,
        )
        for n, line in enumerate(lines, start=1)
    )  # fmt: skip
    return invoice.number
