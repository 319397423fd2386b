"""The billing block of the center's dashboard: invoices past their 支払期日 and not paid (未入金)."""

from django.db.models import Count, Sum

from naccs.lib.formats import billing_month, yen
from naccs.lib.periods import today

from .models import Invoice

SHOWN = 20


def overdue_block() -> dict:
    """The context of templates/billing/_dashboard_overdue.html: the oldest overdue invoices, their count and sum."""
    overdue = Invoice.objects.overdue(today())
    summary = overdue.aggregate(total=Sum("total"), count=Count("pk"))  # one query for both
    invoices = list(overdue.order_by("due_date", "number")[:SHOWN])
    return {
        "overdue_invoices": [
            {"invoice": invoice, "month": billing_month(invoice.month), "total": yen(invoice.total)}
            for invoice in invoices
        ],
        "overdue_count": summary["count"],
        "overdue_total": yen(summary["total"] or 0),
    }
