"""State changes of invoices and billing accounts: 確定, corrections (赤伝 + a new invoice), 口座振替 steps.

Each locks its row, checks the state, writes the audit event and posts/queues its notices in one transaction."""

from django.db import transaction
from django.utils import timezone

from naccs.accounts.models import User
from naccs.audit.services import record
from naccs.lib.formats import billing_month, yen
from naccs.lib.periods import today
from naccs.mailer.services import queue_mail
from naccs.portal.models import NewsItem
from naccs.portal.services import post_news
from naccs.terminals.notices import notice_recipients

from . import notices
from .models import BillingAccount, Invoice, InvoiceLine
from .numbering import next_number
from .tax import invoice_totals


class BillingError(Exception):
    """An action that cannot be done in the current state; the message says why, in Japanese."""


def contacts_of(company) -> list[str]:
    """The mail addresses of the company's active users: who hears of a 確定 invoice."""
    addresses = User.objects.filter(company=company, is_active=True).exclude(email="").values_list("email", flat=True)
    return sorted(set(addresses))


def recompute_totals(invoice: Invoice) -> Invoice:
    """A draft's 小計, 消費税額 and 請求金額 from its lines (tax once per rate: naccs.billing.tax)."""
    totals = invoice_totals(invoice.lines.values_list("amount", "tax_rate"))
    invoice.subtotal, invoice.tax, invoice.total = totals.subtotal, totals.tax, totals.total
    invoice.save(update_fields=["subtotal", "tax", "total"])
    return invoice


def lock(invoice: Invoice) -> Invoice:
    return Invoice.objects.select_for_update().select_related("company").get(pk=invoice.pk)


@transaction.atomic
def confirm(*, invoice: Invoice, staff, now=None) -> Invoice:
    """確定: the company may see the invoice; 新着情報 with a link to it and a mail to each of its contacts.

    A replacement made by a correction is confirmed together with its 赤伝, and the invoice they correct becomes
    訂正済. Confirming twice is harmless. `now` (when it was confirmed) only for the demo data's past months; their
    mails are queued like any other and leave through the outbox to the demo's example.jp addresses."""
    invoice = lock(invoice)
    if invoice.status == Invoice.Status.CONFIRMED:
        return invoice
    if invoice.kind == Invoice.Kind.CREDIT_NOTE:
        raise BillingError(f"赤伝{invoice.number}は訂正後の請求書を確定すると一緒に確定されます。")
    if invoice.status != Invoice.Status.DRAFT:
        raise BillingError(f"請求書{invoice.number}は下書きではないため確定できません。")
    now = now or timezone.now()
    invoice.status, invoice.confirmed_at = Invoice.Status.CONFIRMED, now
    invoice.save(update_fields=["status", "confirmed_at"])
    text = notices.INVOICE_CONFIRMED
    if invoice.corrects_id:
        text = notices.INVOICE_CORRECTED
        Invoice.objects.filter(
            corrects_id=invoice.corrects_id, kind=Invoice.Kind.CREDIT_NOTE, status=Invoice.Status.DRAFT
        ).update(status=Invoice.Status.CONFIRMED, confirmed_at=now)
        original = Invoice.objects.select_for_update().get(pk=invoice.corrects_id)
        original.status = Invoice.Status.CORRECTED
        original.save(update_fields=["status"])
    record(action="billing.confirmed", actor=staff, company=invoice.company, obj=invoice, total=invoice.total)
    post_news(
        company=invoice.company, category=NewsItem.Category.FEES, text=text, link=invoice.get_absolute_url(), now=now
    )
    for address in notice_recipients(invoice.company, contacts_of(invoice.company)):
        queue_mail(
            to=address,
            template="billing/confirmed",
            context={
                "invoice": invoice,
                "company": invoice.company,
                "corrected": bool(invoice.corrects_id),
                "month": billing_month(invoice.month),
                "total": yen(invoice.total),
            },
            company=invoice.company,
        )
    return invoice


@transaction.atomic
def correct(*, invoice: Invoice, staff, reason: str) -> tuple[Invoice, Invoice]:
    """訂正: a 確定 invoice is never edited. Make its 赤伝 (every line negated, the same tax per rate negated) and a
    new draft with the same lines for staff to change; both reach the company when the new one is 確定."""
    invoice = lock(invoice)
    if invoice.kind != Invoice.Kind.INVOICE or invoice.status != Invoice.Status.CONFIRMED:
        raise BillingError(f"請求書{invoice.number}は確定済・未入金の請求書ではないため訂正できません。")
    if invoice.corrections.filter(status=Invoice.Status.DRAFT).exists():
        raise BillingError(f"請求書{invoice.number}の訂正は準備中です（下書きを確定してください）。")
    lines = list(invoice.lines.all())
    day = today()
    made = []
    for kind, sign in ((Invoice.Kind.CREDIT_NOTE, -1), (Invoice.Kind.INVOICE, 1)):
        copy = Invoice.objects.create(
            company=invoice.company, month=invoice.month, kind=kind, corrects=invoice,
            number=next_number(day.year), issued_on=day, due_date=invoice.due_date if sign > 0 else day,
            payment_method=invoice.payment_method, company_name=invoice.company_name,
            postal_code=invoice.postal_code, address=invoice.address,
            subtotal=sign * invoice.subtotal, tax=sign * invoice.tax, total=sign * invoice.total,
        )  # fmt: skip
        InvoiceLine.objects.bulk_create(
            InvoiceLine(
                invoice=copy, position=line.position, item=line.item, quantity=sign * line.quantity,
                unit_price=line.unit_price, amount=sign * line.amount, tax_rate=line.tax_rate,
            )
            for line in lines
        )  # fmt: skip
        made.append(copy)
    credit_note, replacement = made
    record(
        action="billing.corrected", actor=staff, company=invoice.company, obj=invoice, reason=reason,
        credit_note=credit_note.number, replacement=replacement.number,
    )  # fmt: skip
    return credit_note, replacement


def lock_account(company) -> BillingAccount:
    BillingAccount.objects.get_or_create(company=company)
    return BillingAccount.objects.select_for_update().select_related("company").get(company=company)


@transaction.atomic
def send_direct_debit_form(*, company, staff) -> BillingAccount:
    """「申込専用紙を送付」: 未申込 → 申込専用紙送付済 (sent again: still 送付済), and the manual's 新着情報 item."""
    account = lock_account(company)
    if account.direct_debit == BillingAccount.DirectDebit.REGISTERED:
        raise BillingError(f"{company.name}の口座振替は登録済です。")
    account.direct_debit = BillingAccount.DirectDebit.FORM_SENT
    account.save(update_fields=["direct_debit"])
    record(action="billing.direct_debit_form_sent", actor=staff, company=company, obj=account)
    post_news(company=company, category=NewsItem.Category.FEES, text=notices.DIRECT_DEBIT_FORM_SENT)
    return account


@transaction.atomic
def register_direct_debit(*, company, staff) -> BillingAccount:
    """The returned form is registered: 申込専用紙送付済 → 登録済; the next invoices are paid by 口座振替."""
    account = lock_account(company)
    if account.direct_debit != BillingAccount.DirectDebit.FORM_SENT:
        raise BillingError(f"{company.name}には申込専用紙を送付していないため登録できません。")
    account.direct_debit = BillingAccount.DirectDebit.REGISTERED
    account.payment_method = BillingAccount.PaymentMethod.DIRECT_DEBIT
    account.save(update_fields=["direct_debit", "payment_method"])
    record(action="billing.direct_debit_registered", actor=staff, company=company, obj=account)
    return account
