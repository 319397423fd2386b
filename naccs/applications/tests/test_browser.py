import re
from io import StringIO

import pytest
from django.core.management import call_command

from naccs.applications.models import Application
from naccs.lib.business_days import earliest_desired_date
from naccs.tests.helpers import log_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture(autouse=True)
def clock_stands_still(clock):
    """The tests type the earliest 希望日: it must still be the earliest when the form is posted."""
    clock.stand_still()


def test_the_wizard_survives_back_at_every_step_and_a_double_click(page):
    call_command("load_demo_data", stdout=StringIO())
    log_in(page, "demo", "demo-pass-2026")

    page.get_by_role("link", name="デジタル証明書の再発行").click()
    page.get_by_role("heading", name="証明書再発行申込ガイダンス").wait_for()
    page.get_by_role("button", name="申込担当者入力へ進む").click()
    page.get_by_role("heading", name="申込担当者入力").wait_for()
    page.go_back()
    page.get_by_role("button", name="申込担当者入力へ進む").click()

    page.get_by_label("所属部課名").fill("第一通関部 通関課")
    page.get_by_label("電話番号").fill("03-1234-5678")
    page.get_by_role("button", name="論理端末の入力へ進む").click()
    page.get_by_role("heading", name="論理端末入力").wait_for()
    page.go_back()
    page.get_by_role("heading", name="申込担当者入力").wait_for()
    page.get_by_role("button", name="論理端末の入力へ進む").click()

    page.get_by_label("再発行希望日").fill(earliest_desired_date().strftime("%Y%m%d"))
    page.get_by_label("端末の入れ替え").check()
    page.get_by_label("11110Aを選択").check()
    page.get_by_role("button", name="申込内容確認へ進む").click()
    page.get_by_role("heading", name="デジタル証明書再発行申込 確認").wait_for()
    page.go_back()
    page.get_by_role("heading", name="論理端末入力").wait_for()
    assert page.get_by_label("11110Aを選択").is_checked()
    page.get_by_role("button", name="申込内容確認へ進む").click()

    assert "第一通関部　通関課" in page.content() and "0312345678" in page.content()
    page.get_by_role("button", name="申込内容を登録する").dblclick()
    number = page.locator("#receipt-number").inner_text()
    assert re.fullmatch(r"\d{11}", number)

    page.go_back()
    assert page.locator("#receipt-number").inner_text() == number

    page.get_by_role("link", name="申込内容確認", exact=True).click()
    assert page.get_by_role("link", name=number).count() == 1
    assert Application.objects.filter(receipt_number=number).count() == 1
    assert Application.objects.filter(status="submitted", kind="reissue").count() == 2  # with the demo 申込


def test_enter_in_the_filter_filters_and_a_refused_step_focuses_its_errors(page):
    call_command("load_demo_data", stdout=StringIO())
    log_in(page, "demo", "demo-pass-2026")
    page.goto("/applications/reissue/")
    page.get_by_role("button", name="申込担当者入力へ進む").click()
    page.get_by_label("電話番号").fill("03-12")
    page.get_by_role("button", name="論理端末の入力へ進む").click()
    page.get_by_role("heading", name="入力内容に誤りがあります").wait_for()
    assert page.evaluate("document.activeElement.classList.contains('error-summary')")

    page.get_by_label("電話番号").fill("0312345678")
    page.get_by_label("所属部課名").fill("第一通関部")
    page.get_by_role("button", name="論理端末の入力へ進む").click()
    page.get_by_label("論理端末名で絞り込み").fill("11110C")
    page.get_by_label("論理端末名で絞り込み").press("Enter")
    page.wait_for_url(re.compile(r".*q=11110C.*"))
    assert page.get_by_role("heading", name="論理端末入力").is_visible()
    assert page.get_by_label("11110Cを選択").count() == 1 and page.get_by_label("11110Aを選択").count() == 0
    # The radio buttons of 再発行理由 have their labels beside them, in one group.
    group = page.get_by_role("group", name="再発行理由")
    assert group.get_by_label("端末の入れ替え").count() == 1
