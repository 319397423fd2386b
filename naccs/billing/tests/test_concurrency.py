"""Two closes of the same month at once: one invoice per company, numbers unique and without gaps (PostgreSQL)."""

import time
from datetime import date

import pytest
from django.db import connection, transaction

from naccs.billing import close, numbering
from naccs.billing.models import Invoice, InvoiceNumberCounter
from naccs.tests.helpers import at_once, make_terminal

from .conftest import IN_DECEMBER_2026, NOVEMBER

pytestmark = [
    pytest.mark.django_db(transaction=True),
    IN_DECEMBER_2026,
    pytest.mark.skipif(connection.vendor != "postgresql", reason="row locks need PostgreSQL"),
]
COMPANIES = 6


def slowly(function, seconds=0.05):
    """The same function, a little later: both threads pass their checks before either writes."""

    def slow(*args, **kwargs):
        time.sleep(seconds)
        return function(*args, **kwargs)

    return slow


def test_two_closes_at_once_make_one_invoice_per_company_with_gapless_numbers(tariff, monkeypatch):
    from naccs.accounts.models import Company

    for n in range(COMPANIES):
        make_terminal(Company.objects.create(code=f"3000000{n}", name=f"会社{n}"), f"3000{n:02d}")
    monkeypatch.setattr(close, "next_number", slowly(numbering.next_number))

    reports, errors = at_once(lambda: close.close_month(month=NOVEMBER), count=2)

    assert errors == []
    assert sum(report.made for report in reports) == COMPANIES
    assert Invoice.objects.count() == COMPANIES
    year = Invoice.objects.first().issued_on.year
    assert sorted(Invoice.objects.values_list("number", flat=True)) == [
        f"{year}-{n:06d}" for n in range(1, COMPANIES + 1)
    ]


def test_numbers_taken_at_once_are_unique_and_without_gaps(db, monkeypatch):
    monkeypatch.setattr(InvoiceNumberCounter, "save", slowly(InvoiceNumberCounter.save))

    def take_two():
        taken = []
        for _ in range(2):
            with transaction.atomic():
                taken.append(numbering.next_number(2027))
        return taken

    results, errors = at_once(take_two, count=4)

    assert errors == []
    numbers = sorted(number for taken in results for number in taken)
    assert numbers == [f"2027-{n:06d}" for n in range(1, 9)]
    assert InvoiceNumberCounter.objects.get(year=2027).last == 8


def test_a_rolled_back_invoice_gives_its_number_back(db):
    with pytest.raises(RuntimeError), transaction.atomic():
        numbering.next_number(2028)
        raise RuntimeError("the invoice could not be saved")
    with transaction.atomic():
        assert numbering.next_number(2028) == "2028-000001"


def test_tax_and_totals_are_integers_in_the_database(tariff, company):
    make_terminal(company, "11110A")
    close.close_month(month=date(2026, 11, 1))
    with connection.cursor() as cursor:
        cursor.execute("SELECT data_type FROM information_schema.columns WHERE table_name = 'billing_invoice' "
                       "AND column_name IN ('subtotal', 'tax', 'total')")  # fmt: skip
        assert {row[0] for row in cursor.fetchall()} == {"integer"}
