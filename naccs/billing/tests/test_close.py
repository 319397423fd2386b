"""The monthly close: one draft invoice per company and month from the tariff, terminals, reissues and charges."""

import re
from datetime import date, datetime

import pytest
from django.utils import timezone

from naccs.applications.models import Application, Reissue, ReissueLine
from naccs.billing.close import MonthNotEnded, TariffMissing, close_month
from naccs.billing.models import BillingAccount, Charge, Invoice, TariffItem
from naccs.billing.tasks import monthly_close_task
from naccs.tests.helpers import make_terminal

from .conftest import IN_DECEMBER_2026, NOVEMBER

pytestmark = [pytest.mark.django_db, IN_DECEMBER_2026]


def terminals(company, *names, device="netNACCS", active=True):
    for name in names:
        terminal = make_terminal(company, name)
        terminal.device_type, terminal.is_active = device, active
        terminal.save()


def reissued(company, user, terminal_name, when):
    application = Application.objects.create(
        kind="reissue",
        company=company,
        created_by=user,
        status="completed",
        receipt_number=f"26{terminal_name}",
        desired_date=when,
    )
    Reissue.objects.create(application=application, reason="expired")
    terminal = make_terminal(company, terminal_name)
    ReissueLine.objects.create(application=application, terminal=terminal, processed_at=when)


def test_it_charges_the_basic_fee_per_terminal_by_device_type(tariff, company):
    terminals(company, "11110A", "11110B")
    terminals(company, "11110C", device="webNACCS")
    close_month(month=NOVEMBER)
    invoice = Invoice.objects.get(company=company)
    assert [
        (line.item, line.quantity, line.unit_price, line.amount, line.tax_rate) for line in invoice.lines.all()
    ] == [
        ("基本料金（netNACCS）", 2, 3000, 6000, 10),
        ("基本料金（webNACCS）", 1, 1500, 1500, 10),
    ]
    assert (invoice.subtotal, invoice.tax, invoice.total) == (7500, 750, 8250)
    assert invoice.status == Invoice.Status.DRAFT
    assert invoice.due_date == date(2026, 12, 31)  # 翌月末


def test_a_terminal_no_longer_in_use_is_not_charged(tariff, company):
    terminals(company, "11110A")
    terminals(company, "11110B", active=False)
    close_month(month=NOVEMBER)
    assert Invoice.objects.get(company=company).lines.get().quantity == 1


def test_reissues_of_the_month_and_charges_are_billed(tariff, company, user):
    tokyo = timezone.get_default_timezone()
    reissued(company, user, "11110R", datetime(2026, 11, 30, 23, 30, tzinfo=tokyo))  # 11/30 in Tokyo: November
    reissued(company, user, "11110S", datetime(2026, 12, 1, 0, 0, tzinfo=tokyo))  # December: not in this invoice
    Charge.objects.create(company=company, month=NOVEMBER, description="調整（前月分過請求）", unit_price=-500)
    close_month(month=NOVEMBER)
    lines = Invoice.objects.get(company=company).lines.values_list("item", "quantity", "amount")
    # 11110R and 11110S are both 利用中 at the close: two basic fees.
    assert list(lines) == [
        ("基本料金（netNACCS）", 2, 6000),
        ("デジタル証明書再発行手数料", 1, 1000),
        ("調整（前月分過請求）", 1, -500),
    ]


def test_a_company_with_nothing_to_bill_gets_no_invoice(tariff, company, other_company):
    terminals(company, "11110A")
    report = close_month(month=NOVEMBER)
    assert (report.made, report.nothing_to_bill) == (1, 1)
    assert not Invoice.objects.filter(company=other_company).exists()


def test_closing_again_makes_no_second_invoice(tariff, company):
    terminals(company, "11110A")
    first = close_month(month=NOVEMBER)
    again = monthly_close_task.call(month="2026-11-15")
    assert (first.made, again["made"], again["already_closed"]) == (1, 0, 1)
    assert Invoice.objects.filter(company=company, month=NOVEMBER).count() == 1


def test_numbers_run_without_gaps_in_a_year(tariff, company, other_company):
    terminals(company, "11110A")
    terminals(other_company, "22220A")
    close_month(month=NOVEMBER)
    year = timezone.localdate().year
    assert sorted(Invoice.objects.values_list("number", flat=True)) == [f"{year}-000001", f"{year}-000002"]


def test_the_invoice_names_the_billing_account(tariff, company):
    BillingAccount.objects.create(
        company=company, postal_code="105-0001", address="東京都港区虎ノ門1-1", payment_method="direct_debit"
    )
    terminals(company, "11110A")
    close_month(month=NOVEMBER)
    invoice = Invoice.objects.get(company=company)
    assert (invoice.company_name, invoice.address, invoice.payment_method) == (
        "通関商事株式会社", "東京都港区虎ノ門1-1", "direct_debit",
    )  # fmt: skip


def test_the_price_in_force_on_the_first_of_the_month_applies(tariff, company):
    TariffItem.objects.create(item="basic", device_type="netNACCS", unit_price=3300, valid_from=date(2026, 11, 1))
    TariffItem.objects.create(item="basic", device_type="netNACCS", unit_price=3600, valid_from=date(2026, 11, 2))
    terminals(company, "11110A")
    close_month(month=NOVEMBER)
    assert Invoice.objects.get(company=company).lines.get().unit_price == 3300


def test_a_device_type_without_a_price_stops_the_close_with_a_message(company):
    terminals(company, "11110A")
    with pytest.raises(TariffMissing, match="料金表に基本料金（netNACCS）がありません。"):
        close_month(month=NOVEMBER)
    assert not Invoice.objects.exists()


def test_the_close_goes_through_every_chunk_of_ids(tariff, company, other_company):
    """Chunks of one company each still give every company its invoice (the keyset iteration moves on)."""
    terminals(company, "11110A")
    terminals(other_company, "22220A")
    report = close_month(month=NOVEMBER, chunk_size=1)
    assert report.made == 2


def test_the_command_closes_a_month_and_explains_a_bad_one(tariff, company):
    from io import StringIO

    from django.core.management import CommandError, call_command

    terminals(company, "11110A")
    out = StringIO()
    call_command("close_month", "--month", "2026-11", stdout=out)
    assert out.getvalue().strip() == "2026/11: 作成 1件、作成済 0件、請求なし 0件"
    with pytest.raises(CommandError, match="請求月はYYYY-MMの形式で入力してください"):
        call_command("close_month", "--month", "11/2026")


@pytest.mark.parametrize(
    ("month", "message"),
    [
        (date(2026, 12, 1), "2026年12月分はまだ締められません。月次締めは月が終わった後（2027/01/01以降）に行えます。"),
        (date(2027, 1, 1), "2027年1月分はまだ締められません。月次締めは月が終わった後（2027/02/01以降）に行えます。"),
    ],
)
def test_a_month_that_has_not_ended_is_not_closed(tariff, company, month, message):
    terminals(company, "11110A")
    with pytest.raises(MonthNotEnded, match=re.escape(message)):
        close_month(month=month)
    assert not Invoice.objects.exists()


def test_the_task_refuses_a_month_that_has_not_ended(tariff, company):
    terminals(company, "11110A")
    with pytest.raises(MonthNotEnded):
        monthly_close_task.call(month="2026-12-01")
    assert not Invoice.objects.exists()


def test_the_command_refuses_a_month_that_has_not_ended(tariff, company):
    from django.core.management import CommandError, call_command

    with pytest.raises(CommandError, match="2026年12月分はまだ締められません"):
        call_command("close_month", "--month", "2026-12")


@pytest.mark.parametrize(
    ("moment", "closes"),
    [("2026-12-31T23:59", False), ("2027-01-01T00:00", True), ("2027-01-01T08:59", True)],
)
def test_a_month_ends_at_midnight_in_tokyo(tariff, company, clock, moment, closes):
    """At 00:00 to 08:59 on the 1st in Tokyo it is still the last day of the month in UTC."""
    terminals(company, "11110A")
    clock.at(moment)
    if closes:
        assert close_month(month=date(2026, 12, 1)).made == 1
    else:
        with pytest.raises(MonthNotEnded):
            close_month(month=date(2026, 12, 1))
