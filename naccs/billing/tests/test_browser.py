"""In Chromium: from the 新着情報 item of a 確定 invoice to its detail and the PDF download, read back with pypdf."""

import pytest
from pypdf import PdfReader

from conftest import PASSWORD
from naccs.tests.helpers import log_in

from .conftest import IN_DECEMBER_2026

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True), IN_DECEMBER_2026]


def test_from_the_news_item_to_the_invoice_pdf(page, closed_invoice, user, tmp_path):
    log_in(page, user.username, PASSWORD)
    item = page.locator(".news-item").filter(has_text="前月分の請求額が確定しました。")
    item.get_by_role("link", name="詳細").click()
    page.get_by_role("link", name="関連するページを開く").click()

    page.get_by_role("heading", name="請求書の詳細").wait_for()
    assert page.locator("#invoice-total").inner_text() == "8,250円"
    assert page.locator("#registration-number").inner_text() == "T1234567890123"
    with page.expect_download() as download_info:
        page.get_by_role("link", name="PDFをダウンロード").click()
    download = download_info.value
    assert download.suggested_filename == f"invoice-{closed_invoice.number}.pdf"
    target = tmp_path / download.suggested_filename
    download.save_as(target)
    text = PdfReader(target).pages[0].extract_text()
    assert "通関商事株式会社" in text and "御中" in text and "8,250円" in text

    page.get_by_role("link", name="請求金額の参照に戻る").click()
    assert page.get_by_role("cell", name=closed_invoice.number).is_visible()
