"""請求金額の参照: the list, the detail as a 適格請求書, the PDF read back with pypdf and the CSV with csv."""

import csv
import io
from datetime import date

import pytest
from pypdf import PdfReader

from naccs.billing import services
from naccs.billing.close import close_month
from naccs.billing.models import Invoice, InvoiceLine
from naccs.tests.helpers import make_terminal

from .conftest import IN_DECEMBER_2026

pytestmark = [pytest.mark.django_db, IN_DECEMBER_2026]


def pdf_text(response) -> str:
    assert response["Content-Type"] == "application/pdf"
    return "".join(page.extract_text() for page in PdfReader(io.BytesIO(response.content)).pages)


def test_the_menu_and_the_nav_link_to_the_invoices(user_client):
    html = user_client.get("/").content.decode()
    assert 'href="/billing/"' in html
    assert "請求金額の参照" in html and "請求内容参照" in html


def test_the_list_shows_each_month_with_its_number_amount_due_date_method_and_status(closed_invoice, user_client):
    html = user_client.get("/billing/").content.decode()
    for text in (
        "2026年11月分",
        closed_invoice.number,
        "8,250円",
        "2026/12/31",
        "振込",
        "確定",
        '口座振替: <span id="direct-debit">未申込',
    ):
        assert text in html


def test_the_list_does_not_show_drafts(tariff, company, user_client):
    make_terminal(company, "11110A")
    close_month(month=date(2026, 11, 1))
    assert Invoice.objects.get().number not in user_client.get("/billing/").content.decode()
    assert user_client.get(f"/billing/{Invoice.objects.get().pk}/").status_code == 404


def test_an_unpaid_invoice_past_its_due_date_reads_unpaid(overdue_invoice, user_client):
    html = user_client.get("/billing/").content.decode()
    assert '<span class="status">未入金</span>' in html


def test_an_unpaid_invoice_past_its_due_date_reads_unpaid_on_its_page(overdue_invoice, user_client):
    html = user_client.get(f"/billing/{overdue_invoice.pk}/").content.decode()
    assert "未入金" in html


def test_a_paid_invoice_past_its_due_date_does_not_read_unpaid(overdue_invoice, user_client):
    Invoice.objects.filter(pk=overdue_invoice.pk).update(status=Invoice.Status.PAID)
    assert "未入金" not in user_client.get(f"/billing/{overdue_invoice.pk}/").content.decode()
    assert "未入金" not in user_client.get("/billing/").content.decode()


def test_the_list_goes_back_two_years_newest_first(company, user_client):
    """30 months of invoices, 2024/06 to 2026/11: the first page holds the 24 newest, 2026/11 back to 2024/12."""
    months = [date(2024 + (5 + n) // 12, (5 + n) % 12 + 1, 1) for n in range(30)]
    assert (months[0], months[-1]) == (date(2024, 6, 1), date(2026, 11, 1))
    for n, month in enumerate(months):
        Invoice.objects.create(
            company=company, month=month, number=f"2026-{n + 1:06d}", status="confirmed", issued_on=date(2026, 12, 1),
            due_date=date(2030, 1, 31), payment_method="transfer", company_name="通関商事株式会社",
        )  # fmt: skip
    first = user_client.get("/billing/").content.decode()
    assert first.index("2026年11月分") < first.index("2025年11月分") < first.index("2024年12月分")
    assert first.count('<td class="number">') == 24
    assert "2024年11月分" not in first
    second = user_client.get("/billing/?page=2").content.decode()
    assert "2024年11月分" in second and "2024年6月分" in second and "2024年12月分" not in second


def test_the_detail_has_the_qualified_invoice_items(closed_invoice, user_client, settings):
    html = user_client.get(f"/billing/{closed_invoice.pk}/").content.decode()
    assert "T1234567890123" in html  # the center's 登録番号 (settings.INVOICE_REGISTRATION_NUMBER)
    for text in (
        "基本料金（netNACCS）",
        "3,000円",
        "6,000円",
        "10%",
        "10%対象",
        "7,500円",
        "750円",
        "8,250円",
        "通関商事株式会社 御中",
    ):
        assert text in html


def test_the_pdf_reads_back_as_a_japanese_invoice(closed_invoice, user_client):
    text = pdf_text(user_client.get(f"/billing/{closed_invoice.pk}/pdf/"))
    for expected in (
        "請求書", "通関商事株式会社", "御中", "登録番号", "T1234567890123", closed_invoice.number,
        "2026年11月分", "基本料金（netNACCS）", "6,000円", "1,500円", "10%対象", "7,500円", "750円", "8,250円",
        "2026/12/31", "輸出入・港湾関連情報処理センター株式会社",
    ):  # fmt: skip
        assert expected in text, expected


def test_the_pdf_without_a_japanese_font_file_still_renders(closed_invoice, user_client, settings, monkeypatch):
    """A fresh machine without fonts-ipafont-gothic: the built-in CID font, a valid PDF that names it."""
    monkeypatch.setattr("naccs.billing.pdf.FONT_CANDIDATES", ("/nonexistent/font.ttf",))
    response = user_client.get(f"/billing/{closed_invoice.pk}/pdf/")
    reader = PdfReader(io.BytesIO(response.content))
    fonts = {font["/BaseFont"] for font in reader.pages[0]["/Resources"]["/Font"].values()}
    assert any("HeiseiKakuGo-W5" in name for name in fonts)


def test_the_csv_opens_with_the_csv_module(closed_invoice, user_client):
    response = user_client.get(f"/billing/{closed_invoice.pk}/csv/")
    assert response.content.startswith(b"\xef\xbb\xbf")  # UTF-8 BOM, for Excel
    assert f'filename="invoice-{closed_invoice.number}.csv"' in response["Content-Disposition"]
    rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"), newline="")))
    assert rows == [
        ["請求番号", "請求月", "品目", "数量", "単価", "金額", "税率"],
        [closed_invoice.number, "2026/11", "基本料金（netNACCS）", "2", "3000", "6000", "10%"],
        [closed_invoice.number, "2026/11", "基本料金（webNACCS）", "1", "1500", "1500", "10%"],
    ]


def test_a_credit_note_and_the_new_invoice_are_both_shown(closed_invoice, staff_user, user_client):
    credit_note, replacement = services.correct(invoice=closed_invoice, staff=staff_user, reason="誤り")
    services.confirm(invoice=replacement, staff=staff_user)
    html = user_client.get("/billing/").content.decode()
    assert credit_note.number in html and replacement.number in html and "赤伝" in html and "訂正済" in html
    text = pdf_text(user_client.get(f"/billing/{credit_note.pk}/pdf/"))
    assert "請求書（赤伝）" in text and "-8,250円" in text and closed_invoice.number in text


def test_the_detail_shows_tax_once_per_rate_where_per_line_rounding_differs(company, user_client):
    invoice = Invoice.objects.create(
        company=company, month=date(2026, 11, 1), number="2026-900001", issued_on=date(2026, 12, 1),
        due_date=date(2026, 12, 31), payment_method="transfer", company_name="通関商事株式会社",
    )  # fmt: skip
    for n in range(3):
        InvoiceLine.objects.create(
            invoice=invoice, position=n, item=f"手数料{n}", quantity=1, unit_price=105, tax_rate=10
        )
    services.recompute_totals(invoice)
    Invoice.objects.filter(pk=invoice.pk).update(status="confirmed")
    html = user_client.get(f"/billing/{invoice.pk}/").content.decode()
    assert "315円" in html and "31円" in html and "346円" in html  # per line: 10 + 10 + 10 = 30円, 345円
    assert "345円" not in html


def test_another_companys_invoice_is_404(closed_invoice, other_client):
    for suffix in ("", "pdf/", "csv/"):
        assert other_client.get(f"/billing/{closed_invoice.pk}/{suffix}").status_code == 404


def test_a_line_that_looks_like_a_formula_stays_text_in_the_csv(company, user_client):
    invoice = Invoice.objects.create(
        company=company, month=date(2026, 11, 1), number="2026-900002", issued_on=date(2026, 12, 1),
        due_date=date(2026, 12, 31), payment_method="transfer", company_name="通関商事株式会社",
    )  # fmt: skip
    InvoiceLine.objects.create(invoice=invoice, item='=HYPERLINK("http://x")', quantity=1, unit_price=-5, tax_rate=10)
    Invoice.objects.filter(pk=invoice.pk).update(status="confirmed")
    content = user_client.get(f"/billing/{invoice.pk}/csv/").content.decode("utf-8-sig")
    (_, row) = list(csv.reader(io.StringIO(content, newline="")))
    assert row[2] == '\'=HYPERLINK("http://x")' and row[5] == "-5"
