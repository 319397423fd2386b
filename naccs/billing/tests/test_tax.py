"""Consumption tax once per rate per invoice, 1円未満切り捨て, against hand-computed cases."""

from naccs.billing.tax import invoice_totals, tax_on, totals_by_rate


def test_tax_is_truncated_below_one_yen():
    assert tax_on(1999, 10) == 199  # 199.9 → 199
    assert tax_on(1250, 8) == 100
    assert tax_on(1251, 8) == 100  # 100.08 → 100


def test_tax_is_rounded_once_per_rate_not_per_line():
    # Three lines of 105円 at 10%: per line 10.5 → 10 each, 30円 in all; on the rate's total 315円 → 31.5 → 31円.
    lines = [(105, 10), (105, 10), (105, 10)]
    (ten,) = totals_by_rate(lines)
    assert (ten.taxable, ten.tax, ten.total) == (315, 31, 346)
    assert sum(tax_on(amount, rate) for amount, rate in lines) == 30  # what per-line rounding would charge


def test_each_rate_has_its_own_total_and_tax_highest_rate_first():
    # 10%: 3,000 + 1,505 = 4,505 → 450.5 → 450円. 8%: 1,234 + 99 = 1,333 → 106.64 → 106円.
    totals = invoice_totals([(3000, 10), (1234, 8), (1505, 10), (99, 8)])
    assert [(r.rate, r.taxable, r.tax) for r in totals.by_rate] == [(10, 4505, 450), (8, 1333, 106)]
    assert (totals.subtotal, totals.tax, totals.total) == (5838, 556, 6394)


def test_a_discount_reduces_the_rates_total_before_the_tax():
    # 3,000 − 555 = 2,445 → 244.5 → 244円 (per line: 300 − 55 = 245).
    (ten,) = totals_by_rate([(3000, 10), (-555, 10)])
    assert ten.tax == 244


def test_a_credit_notes_tax_mirrors_the_invoices():
    invoice = invoice_totals([(105, 10), (105, 10), (105, 10)])
    credit = invoice_totals([(-105, 10), (-105, 10), (-105, 10)])
    assert credit.tax == -invoice.tax == -31
    assert credit.total == -invoice.total == -346
