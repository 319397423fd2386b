"""Reads of billing for company staff, scoped by the company from their first argument."""

from dataclasses import dataclass

from django.conf import settings
from django.db.models import QuerySet

from .models import BillingAccount, Invoice, InvoiceLine
from .tax import InvoiceTotals, invoice_totals

OVERDUE = "未入金"


def invoices_for(company) -> QuerySet:
    """The company's issued invoices and 赤伝, newest month first (a credit note before the new invoice)."""
    return Invoice.objects.shown_to_companies().filter(company=company).order_by("-month", "-number")


def status_label(invoice: Invoice) -> str:
    """What the company reads as the state: 確定, 入金済, 訂正済, or 未入金 once the 支払期日 has passed unpaid (an
    invoice read through Invoice.objects.with_overdue, the one rule of 未入金)."""
    return OVERDUE if invoice.is_overdue else invoice.get_status_display()


def account_of(company) -> BillingAccount:
    """The company's 請求先 (unsaved defaults — 振込, 口座振替 未申込 — until the center keeps one)."""
    return BillingAccount.objects.filter(company=company).first() or BillingAccount(company=company)


@dataclass(frozen=True)
class Issuer:
    """The 適格請求書発行事業者: the center, from the settings."""

    name: str
    address: str
    registration_number: str


def issuer() -> Issuer:
    return Issuer(settings.INVOICE_ISSUER_NAME, settings.INVOICE_ISSUER_ADDRESS, settings.INVOICE_REGISTRATION_NUMBER)


@dataclass(frozen=True)
class InvoiceDocument:
    """Everything a 請求書 shows: the invoice, its lines and its totals per tax rate."""

    invoice: Invoice
    lines: list[InvoiceLine]
    totals: InvoiceTotals
    issuer: Issuer


def document_of(invoice: Invoice) -> InvoiceDocument:
    lines = list(invoice.lines.all())
    return InvoiceDocument(invoice, lines, invoice_totals((line.amount, line.tax_rate) for line in lines), issuer())
