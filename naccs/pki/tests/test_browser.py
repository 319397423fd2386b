from io import StringIO

import pytest
from cryptography.hazmat.primitives.serialization import pkcs12
from django.core.management import call_command

from naccs.tests.helpers import log_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_a_user_acquires_a_certificate_from_the_contract_page(page, tmp_path):
    call_command("load_demo_data", stdout=StringIO())
    log_in(page, "demo", "demo-pass-2026")

    page.get_by_role("link", name="契約内容確認").click()
    row = page.locator("tr", has_text="11110D")
    assert "更新期間中" in row.inner_text()
    row.get_by_role("link", name="取得する").click()

    # Signed in, the company's own terminal needs no 認証コード (issue 13, item 2).
    assert "11110D" in page.locator("dl.summary").inner_text()
    assert page.get_by_label("認証コード1").count() == 0
    page.locator("#id_password").fill("p12-pass-2026")
    page.locator("#id_password_confirm").fill("p12-pass-2026")
    with page.expect_download() as download_info:
        page.get_by_role("button", name="証明書を取得する").click()
    download = download_info.value
    assert download.suggested_filename == "11110D.p12"
    target = tmp_path / "11110D.p12"
    download.save_as(target)
    bundle = pkcs12.load_pkcs12(target.read_bytes(), b"p12-pass-2026")
    assert bundle.cert.friendly_name == b"11110D"

    page.goto("/contract/")
    assert "有効" in page.locator("tr", has_text="11110D").inner_text()


def test_anyone_with_the_codes_acquires_from_the_acquire_page(page, tmp_path):
    call_command("load_demo_data", stdout=StringIO())
    page.goto("/pki/acquire/?terminal=11110D")
    assert page.get_by_label("論理端末名").input_value() == "11110D"
    page.get_by_label("認証コード1").fill("NAC11110D")
    page.get_by_label("認証コード2").fill("ABCDE11110")
    page.get_by_label("認証コード3").fill("NACCS")
    page.locator("#id_password").fill("p12-pass-2026")
    page.locator("#id_password_confirm").fill("p12-pass-2026")
    with page.expect_download() as download_info:
        page.get_by_role("button", name="証明書を取得する").click()
    target = tmp_path / "11110D.p12"
    download_info.value.save_as(target)
    assert pkcs12.load_pkcs12(target.read_bytes(), b"p12-pass-2026").cert.friendly_name == b"11110D"
