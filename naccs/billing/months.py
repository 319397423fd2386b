"""The billing calendar: which month a close bills, and when its invoice is due."""

from datetime import date, timedelta

from naccs.lib.periods import months_after


def first_of_month(day: date) -> date:
    return day.replace(day=1)


def previous_month(day: date) -> date:
    """The month a close on `day` bills (前月分): 2026-12-01 → 2026-11-01."""
    return months_after(first_of_month(day), -1)


def month_end(month: date) -> date:
    return months_after(first_of_month(month), 1) - timedelta(days=1)


def due_date(month: date) -> date:
    """支払期日: the last day of the month after the month billed (2026-11 → 2026/12/31, 2027-01 → 2027/02/28)."""
    return month_end(months_after(first_of_month(month), 1))
