"""請求番号: YYYY-NNNNNN, unique and without gaps within a year, also under concurrent closes."""

from django.db import IntegrityError, transaction

from .models import InvoiceNumberCounter


def format_number(year: int, sequence: int) -> str:
    return f"{year}-{sequence:06d}"


def next_number(year: int) -> str:
    """Take the year's next number; call inside the transaction that saves the invoice, so a rollback gives the
    number back (the counter row stays locked until that transaction ends: no gap, no twin)."""
    counter = InvoiceNumberCounter.objects.select_for_update().filter(year=year).first()
    if counter is None:  # the year's first number: two closes may both try to make its row
        try:
            with transaction.atomic():
                InvoiceNumberCounter.objects.create(year=year)
        except IntegrityError:
            pass
        counter = InvoiceNumberCounter.objects.select_for_update().get(year=year)
    counter.last += 1
    counter.save(update_fields=["last"])
    return format_number(year, counter.last)
