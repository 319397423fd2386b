"""Consumption tax of a 適格請求書: rounded once per tax rate per invoice, never per line (インボイス制度).

The rounding is 切り捨て (1円未満切り捨て) of the tax on each rate's total, toward zero, so that a credit note's tax is
exactly the negative of the invoice's it cancels."""

from collections.abc import Iterable
from dataclasses import dataclass


@dataclass(frozen=True)
class RateTotal:
    """税率ごとの合計: the lines of one tax rate, their total (税抜) and the consumption tax on it."""

    rate: int  # percent
    taxable: int
    tax: int

    @property
    def total(self) -> int:
        return self.taxable + self.tax


def tax_on(taxable: int, rate: int) -> int:
    """The consumption tax on `taxable` yen at `rate` percent, integer yen, truncated toward zero."""
    tax = abs(taxable) * rate // 100
    return tax if taxable >= 0 else -tax


def totals_by_rate(lines: Iterable[tuple[int, int]]) -> list[RateTotal]:
    """(amount, rate) of each line → one RateTotal per rate, highest rate first (as 請求書 list 10% before 8%)."""
    taxable: dict[int, int] = {}
    for amount, rate in lines:
        taxable[rate] = taxable.get(rate, 0) + amount
    return [RateTotal(rate, taxable[rate], tax_on(taxable[rate], rate)) for rate in sorted(taxable, reverse=True)]


@dataclass(frozen=True)
class InvoiceTotals:
    by_rate: list[RateTotal]

    @property
    def subtotal(self) -> int:
        return sum(rate.taxable for rate in self.by_rate)

    @property
    def tax(self) -> int:
        return sum(rate.tax for rate in self.by_rate)

    @property
    def total(self) -> int:
        return self.subtotal + self.tax


def invoice_totals(lines: Iterable[tuple[int, int]]) -> InvoiceTotals:
    return InvoiceTotals(totals_by_rate(lines))
