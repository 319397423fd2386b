"""契約内容の変更 and システム設定の申込 in Chromium, as a user and the center would walk them: from login, through the
wizard (Back and a double click harmless) and the back office's decision, to the decision's 新着情報 item."""

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


@pytest.fixture
def demo(page):
    call_command("load_demo_data", stdout=StringIO())
    log_in(page, "demo", "demo-pass-2026")
    return page


@pytest.fixture
def center_page(browser, live_server, demo):
    """The demo's center staff, in a browser of their own."""
    context = browser.new_context(base_url=live_server.url, locale="ja-JP", timezone_id="Asia/Tokyo")
    context.set_default_timeout(10_000)
    staff = context.new_page()
    log_in(staff, "center", "center-pass-2026")
    yield staff
    context.close()


def decide(staff, number, button, message=""):
    staff.goto("/center/applications/application/")
    staff.locator("#searchbar").fill(number)
    staff.locator("#changelist-search").get_by_role("button").click()
    staff.get_by_role("link", name=number).click()
    if message:
        staff.get_by_label("確認事項・却下理由").fill(message)
    staff.get_by_role("button", name=button).click()
    staff.get_by_text("しました。").first.wait_for()


def news_link(page, text, number):
    """The 詳細 link of the 新着情報 item whose text is the manual's, for the 申込 `number`."""
    return page.get_by_role("link", name=re.compile(f"詳細.*{re.escape(text)}.*{number}"))


def register(page) -> str:
    page.get_by_role("button", name="申込内容を登録する").dblclick()
    number = page.locator("#receipt-number").inner_text()
    assert re.fullmatch(r"\d{11}", number)
    return number


def test_a_contract_change_from_login_to_its_approval_news(demo, center_page):
    page = demo
    page.get_by_role("link", name="契約内容の変更").first.click()
    page.get_by_role("heading", name="契約内容変更申込ガイダンス").wait_for()
    page.get_by_role("button", name="申込担当者入力へ進む").click()
    page.get_by_role("heading", name="申込担当者入力").wait_for()
    assert page.get_by_label("氏名（姓）").input_value() == "通関"  # prefilled
    page.get_by_role("button", name="契約者情報の入力へ進む").click()

    page.get_by_label("変更希望日").fill(earliest_desired_date().strftime("%Y%m%d"))
    page.get_by_label("代表者").fill("代表取締役　港一郎")
    page.get_by_role("button", name="事業所・論理端末の入力へ進む").click()
    page.get_by_role("heading", name="事業所・論理端末入力").wait_for()
    page.go_back()
    page.get_by_role("heading", name="契約者情報入力").wait_for()
    page.get_by_role("button", name="事業所・論理端末の入力へ進む").click()

    page.get_by_label("航空").check()
    page.get_by_label("webNACCS").check()
    page.get_by_label("設置する事業所").select_option(label="東京事業所")
    page.get_by_role("button", name="論理端末を追加する").click()
    page.get_by_label("削除する論理端末名").fill("11110e")
    page.get_by_role("button", name="論理端末を削除する").click()
    page.get_by_role("button", name="申込内容確認へ進む").click()
    page.get_by_role("heading", name="契約内容変更申込 確認").wait_for()
    page.get_by_role("link", name="契約者情報の入力に戻る").click()
    page.get_by_role("heading", name="契約者情報入力").wait_for()
    assert page.get_by_label("代表者").input_value() == "代表取締役　港一郎"
    page.go_back()
    number = register(page)
    page.go_back()
    assert page.locator("#receipt-number").inner_text() == number
    assert Application.objects.filter(receipt_number=number, kind="contract_change").count() == 1

    decide(center_page, number, "承認")

    page.goto("/")
    news_link(page, "利用申込の審査を終了しました。通知内容をご確認してください。", number).click()
    page.get_by_role("link", name="関連するページを開く").click()
    page.get_by_role("heading", name="申込内容の詳細").wait_for()
    assert "審査終了" in page.content()
    page.goto("/contract/")
    page.get_by_role("heading", name=re.compile("変更予定の契約内容")).first.wait_for()
    assert "代表取締役　港一郎" in page.content()


def test_system_settings_with_a_question_fixed_and_resent_then_approved(demo, center_page):
    page = demo
    page.get_by_role("link", name="システム設定の申込").first.click()
    page.get_by_role("heading", name="システム設定申込ガイダンス").wait_for()
    page.get_by_role("button", name="申込担当者入力へ進む").click()
    page.get_by_role("button", name="設定内容の入力へ進む").click()
    page.get_by_label("設定希望日").fill(earliest_desired_date().strftime("%Y%m%d"))
    page.get_by_label("通知先E-mailアドレス1").fill("notice-new@example.jp")
    page.get_by_role("button", name="論理端末の設定の入力へ進む").click()

    page.get_by_label("論理端末名").fill("11110A")
    page.get_by_label("輸入申告関連業務（海上）").check()
    page.get_by_label("照会業務").check()
    page.get_by_label("許可・承認通知情報の電子メールによる配信先").fill("permit@example.jp")
    page.get_by_role("button", name="この論理端末の設定を追加する").click()
    page.get_by_role("cell", name="11110A", exact=True).wait_for()
    page.get_by_role("button", name="申込内容確認へ進む").click()
    page.get_by_role("heading", name="システム設定申込 確認").wait_for()
    assert "許可・承認通知情報：permit@example.jp" in page.content()
    number = register(page)

    decide(center_page, number, "確認事項を送る", "配信先のアドレスをご確認ください。")
    page.goto("/")
    news_link(page, "システム設定申込内容に確認事項があります。", number).wait_for()

    page.goto("/applications/")
    page.get_by_role("link", name=number).click()
    page.get_by_role("link", name="申込内容を修正する").click()
    page.get_by_role("button", name="設定内容の入力へ進む").click()
    page.get_by_role("button", name="論理端末の設定の入力へ進む").click()
    page.get_by_role("button", name="申込内容確認へ進む").click()
    page.get_by_role("button", name="申込内容を登録する").click()
    page.locator("#receipt-number").wait_for()

    decide(center_page, number, "承認")
    page.goto("/")
    news_link(page, "システム設定申込の審査を終了しました。通知内容をご確認してください。", number).click()
    page.get_by_role("link", name="関連するページを開く").click()
    page.get_by_role("heading", name="申込内容の詳細").wait_for()
    assert Application.objects.get(receipt_number=number).status == "approved"
