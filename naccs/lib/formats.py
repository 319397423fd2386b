"""How amounts and months read to people, wherever they are shown (pages, back office, mails, PDF)."""

from datetime import date


def yen(amount: int) -> str:
    """17578 → 「17,578円」 (a 赤伝's negative amounts keep their sign: 「-8,250円」)."""
    return f"{amount:,}円"


def billing_month(month: date) -> str:
    """The month an invoice bills: 2026-11-01 → 「2026年11月分」."""
    return f"{month.year}年{month.month}月分"
