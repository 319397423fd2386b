"""確定, corrections, payments and 口座振替: each state change with its notices."""

from datetime import date
from email.header import decode_header, make_header
from io import StringIO

import pytest
from django.core.management import call_command

from naccs.audit.models import AuditEvent
from naccs.billing import payments, services
from naccs.billing.models import BillingAccount, ConfirmedInvoiceError, Invoice, InvoiceLine
from naccs.lib.permanent import PermanentRecordError
from naccs.mailer.models import OutboundMail
from naccs.portal.models import NewsItem

from .conftest import IN_DECEMBER_2026

pytestmark = [pytest.mark.django_db, IN_DECEMBER_2026]


def test_the_notices_are_the_manuals_words():
    from naccs.billing import notices

    assert notices.INVOICE_CONFIRMED == "前月分の請求額が確定しました。請求情報の詳細画面から内容を確認してください。"
    assert notices.DIRECT_DEBIT_FORM_SENT == (
        "口座振替申込専用紙を送付しました。受領しましたら、必要事項を記入しNACCSセンターに郵送してください。"
    )


def test_confirming_posts_news_with_a_link_and_mails_each_contact(closed_invoice, company, make_user):
    news = NewsItem.objects.get(company=company, category="fees")
    assert news.text == "前月分の請求額が確定しました。請求情報の詳細画面から内容を確認してください。"
    assert news.link == f"/billing/{closed_invoice.pk}/"
    (mail,) = OutboundMail.objects.all()
    assert mail.to == "hanako@example.jp"
    assert "2026年11月分の請求額が確定しました" in mail.body
    assert f"/billing/{closed_invoice.pk}/" in mail.body
    assert "請求金額（税込） : 8,250円" in mail.body and "2026年11月分の請求額が確定しました。" in mail.body
    assert AuditEvent.objects.filter(action="billing.confirmed").count() == 1


def test_the_confirmed_mail_arrives_over_smtp_in_japanese(closed_invoice, smtp_server):
    from naccs.mailer.delivery import deliver_due

    deliver_due()
    (message,) = smtp_server.messages
    assert message["To"] == "hanako@example.jp"
    subject = str(make_header(decode_header(message["Subject"])))
    assert subject == f"【NACCS】2026年11月分の請求額確定（請求番号 {closed_invoice.number}）"
    body = message.get_payload(decode=True).decode(message.get_content_charset())
    assert "通関商事株式会社 御中" in body


def test_confirming_twice_is_harmless(closed_invoice, staff_user):
    services.confirm(invoice=closed_invoice, staff=staff_user)
    assert NewsItem.objects.filter(category="fees").count() == 1
    assert OutboundMail.objects.count() == 1


def test_a_confirmed_invoice_is_never_edited(closed_invoice):
    closed_invoice.total = 1
    with pytest.raises(ConfirmedInvoiceError):
        closed_invoice.save()
    line = closed_invoice.lines.first()
    line.unit_price = 1
    with pytest.raises(ConfirmedInvoiceError):
        line.save()
    with pytest.raises(ConfirmedInvoiceError):
        line.delete()
    with pytest.raises(ConfirmedInvoiceError):
        InvoiceLine(invoice=closed_invoice, item="追加", quantity=1, unit_price=1, tax_rate=10).save()
    closed_invoice.refresh_from_db()
    assert closed_invoice.total == 8250


def test_no_invoice_is_ever_deleted(closed_invoice):
    with pytest.raises(ConfirmedInvoiceError):
        closed_invoice.delete()


def test_a_confirmed_invoice_is_not_changed_or_deleted_in_bulk_either(closed_invoice):
    with pytest.raises(PermanentRecordError):
        Invoice.objects.filter(pk=closed_invoice.pk).delete()
    with pytest.raises(ConfirmedInvoiceError):
        Invoice.objects.filter(pk=closed_invoice.pk).update(total=1)
    with pytest.raises(ConfirmedInvoiceError):
        Invoice.objects.update(due_date=date(2020, 1, 31))
    with pytest.raises(ConfirmedInvoiceError):
        closed_invoice.lines.update(unit_price=1)
    with pytest.raises(ConfirmedInvoiceError):
        InvoiceLine.objects.filter(invoice=closed_invoice).delete()
    closed_invoice.refresh_from_db()
    assert (closed_invoice.total, closed_invoice.lines.count()) == (8250, 2)


def test_a_confirmed_invoice_never_becomes_a_draft_again(closed_invoice):
    with pytest.raises(ConfirmedInvoiceError):
        Invoice.objects.filter(pk=closed_invoice.pk).update(status=Invoice.Status.DRAFT)
    closed_invoice.status = Invoice.Status.DRAFT
    with pytest.raises(ConfirmedInvoiceError):
        closed_invoice.save(update_fields=["status"])
    assert Invoice.objects.get(pk=closed_invoice.pk).status == Invoice.Status.CONFIRMED


def test_a_draft_may_still_change_in_bulk(draft_invoice):
    Invoice.objects.filter(pk=draft_invoice.pk).update(due_date=date(2027, 1, 29))
    draft_invoice.lines.update(unit_price=2000)
    assert Invoice.objects.get(pk=draft_invoice.pk).due_date == date(2027, 1, 29)


def test_a_correction_is_a_credit_note_and_a_new_invoice(closed_invoice, staff_user, company):
    credit_note, replacement = services.correct(invoice=closed_invoice, staff=staff_user, reason="端末数の誤り")
    assert credit_note.kind == "credit_note" and credit_note.total == -8250 and credit_note.tax == -750
    assert [line.amount for line in credit_note.lines.all()] == [-6000, -1500]
    assert replacement.status == "draft" and replacement.total == 8250
    # Staff change the draft's lines, then 確定: both reach the company, the original is 訂正済.
    line = replacement.lines.first()
    line.quantity = 1
    line.save()
    services.recompute_totals(replacement)
    services.confirm(invoice=replacement, staff=staff_user)
    credit_note.refresh_from_db()
    closed_invoice.refresh_from_db()
    replacement.refresh_from_db()
    assert (credit_note.status, closed_invoice.status, replacement.status) == ("confirmed", "corrected", "confirmed")
    assert replacement.total == 4950  # 4,500 + 450
    assert NewsItem.objects.filter(company=company, text__startswith="請求書を訂正しました").exists()
    numbers = sorted([closed_invoice.number, credit_note.number, replacement.number])
    assert [int(number[-6:]) for number in numbers] == [1, 2, 3]


def test_a_draft_cannot_be_corrected(tariff, company, staff_user):
    from naccs.billing.close import close_month
    from naccs.tests.helpers import make_terminal

    from .conftest import NOVEMBER

    make_terminal(company, "11110A")
    close_month(month=NOVEMBER)
    with pytest.raises(services.BillingError, match="訂正できません"):
        services.correct(invoice=Invoice.objects.get(), staff=staff_user, reason="")


def test_a_payment_of_the_whole_amount_marks_it_paid(closed_invoice, staff_user):
    payments.record_payment(invoice=closed_invoice, amount=8250, paid_on=date(2026, 12, 25), staff=staff_user)
    closed_invoice.refresh_from_db()
    assert (closed_invoice.status, closed_invoice.paid_on) == ("paid", date(2026, 12, 25))


def test_a_payment_of_another_amount_is_refused(closed_invoice, staff_user):
    with pytest.raises(services.BillingError, match="請求金額は8,250円です（入金額8,000円）"):
        payments.record_payment(invoice=closed_invoice, amount=8000, paid_on=date(2026, 12, 25), staff=staff_user)


@pytest.mark.parametrize(
    ("paid_on", "why"),
    [
        (date(2026, 12, 26), "未来の日付です（本日は2026/12/25）"),
        (date(2026, 12, 24), "の請求日（2026/12/25）より前です"),
    ],
)
def test_a_payment_must_be_dated_between_the_invoice_and_today(closed_invoice, staff_user, paid_on, why):
    with pytest.raises(services.BillingError, match=why):
        payments.record_payment(invoice=closed_invoice, amount=8250, paid_on=paid_on, staff=staff_user)
    closed_invoice.refresh_from_db()
    assert closed_invoice.status == "confirmed"


def test_overdue_is_a_confirmed_invoice_past_its_due_date(closed_invoice, staff_user, clock):
    assert not Invoice.objects.overdue(date(2026, 12, 31)).exists()
    assert Invoice.objects.overdue(date(2027, 1, 1)).get() == closed_invoice
    clock.at("2027-01-05T10:00")
    payments.record_payment(invoice=closed_invoice, amount=8250, paid_on=date(2027, 1, 5), staff=staff_user)
    assert not Invoice.objects.overdue(date(2027, 1, 6)).exists()


def test_sending_the_direct_debit_form_posts_the_manuals_news(company, staff_user):
    services.send_direct_debit_form(company=company, staff=staff_user)
    account = BillingAccount.objects.get(company=company)
    assert account.get_direct_debit_display() == "申込専用紙送付済"
    assert NewsItem.objects.get(company=company).text == (
        "口座振替申込専用紙を送付しました。受領しましたら、必要事項を記入しNACCSセンターに郵送してください。"
    )
    services.register_direct_debit(company=company, staff=staff_user)
    account.refresh_from_db()
    assert (account.get_direct_debit_display(), account.get_payment_method_display()) == ("登録済", "口座振替")
    with pytest.raises(services.BillingError, match="登録済"):
        services.send_direct_debit_form(company=company, staff=staff_user)


def test_registering_needs_the_form_sent_first(company, staff_user):
    with pytest.raises(services.BillingError, match="申込専用紙を送付していない"):
        services.register_direct_debit(company=company, staff=staff_user)


def test_the_demo_data_is_loaded_twice_without_harm(db):
    call_command("load_demo_data", stdout=StringIO())
    count = Invoice.objects.count()
    call_command("load_demo_data", stdout=StringIO())
    assert count > 0 and Invoice.objects.count() == count


def test_the_demo_data_announces_its_invoices_in_the_news(db):
    call_command("load_demo_data", stdout=StringIO())
    confirmed = Invoice.objects.exclude(status="draft")
    assert confirmed.exists()
    links = set(NewsItem.objects.filter(category="fees").exclude(link="").values_list("link", flat=True))
    assert {invoice.get_absolute_url() for invoice in confirmed} <= links


def test_the_demo_data_queues_its_invoice_mails_in_the_outbox_to_example_addresses_only(db):
    """The demo confirms as staff do: each confirmed invoice's mail is queued, and leaves (if ever) to the reserved
    example.jp domain of the demo's users, never to a real mailbox."""
    call_command("load_demo_data", stdout=StringIO())
    mails = OutboundMail.objects.filter(subject__contains="請求番号")
    for invoice in Invoice.objects.filter(kind="invoice").exclude(status="draft"):
        assert mails.filter(subject__contains=invoice.number).exists()
    assert all(address.endswith("@example.jp") for address in mails.values_list("to", flat=True))
