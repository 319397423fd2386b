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


def has_ended(month: date, *, today: date) -> bool:
    """A month can be closed (月次締め) once it is over in Tokyo: from the 1st of the next month on."""
    return month_end(month) < today


def not_ended_message(month: date) -> str:
    """「2026年12月分はまだ締められません。…（2027/01/01以降）…」, in the form, the command and the task's error."""
    opens_on = months_after(first_of_month(month), 1)
    return (
        f"{month.year}年{month.month}月分はまだ締められません。"
        f"月次締めは月が終わった後（{opens_on:%Y/%m/%d}以降）に行えます。"
    )
