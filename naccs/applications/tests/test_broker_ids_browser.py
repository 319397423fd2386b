"""通関士IDの追加 in Chromium, as the people do it: the company applies, the center approves, the 新着情報 says so,
the morning run of the 利用開始希望日 opens the login, and the new 通関士 sets a password and logs in."""

import re
from io import StringIO

import pytest
from django.core.management import call_command

from naccs.accounts.models import User
from naccs.applications.models import Application
from naccs.center.morning_run import process_day
from naccs.lib.business_days import earliest_desired_date
from naccs.mailer.models import OutboundMail
from naccs.tests.helpers import log_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture(autouse=True)
def clock_stands_still(clock):
    """The tests type the earliest 希望日: it must still be the earliest when the form is posted."""
    clock.stand_still()


NEW_PASSWORD = "minato-no-tsukan-2027"


def fill_broker(page, last, first, last_kana, first_kana, number, email):
    page.get_by_label("氏名（姓）").fill(last)
    page.get_by_label("氏名（名）").fill(first)
    page.get_by_label("フリガナ（姓）").fill(last_kana)
    page.get_by_label("フリガナ（名）").fill(first_kana)
    page.get_by_label("通関士登録番号").fill(number)
    page.get_by_label("所属事業所").select_option(label="東京事業所")
    page.get_by_label("E-mailアドレス（登録用）").fill(email)
    page.get_by_label("E-mailアドレス（確認用）").fill(email)


def add_broker(page, *broker):
    fill_broker(page, *broker)
    page.get_by_role("button", name="この通関士を追加する").last.click()
    page.get_by_text("通関士を追加しました。").wait_for()


def test_a_broker_is_added_approved_and_logs_in(page):
    call_command("load_demo_data", stdout=StringIO())
    start = earliest_desired_date()
    log_in(page, "demo", "demo-pass-2026")

    page.get_by_role("link", name="通関士IDの追加", exact=True).click()
    page.get_by_role("heading", name="通関士ID追加申込ガイダンス").wait_for()
    page.get_by_role("button", name="申込担当者入力へ進む").click()
    page.get_by_role("heading", name="申込担当者入力").wait_for()
    assert page.get_by_label("氏名（姓）").input_value() == "通関"  # prefilled from the profile
    page.get_by_role("button", name="通関士の入力へ進む").click()

    page.get_by_role("heading", name="通関士入力").wait_for()
    page.get_by_label("利用開始希望日").fill(start.strftime("%Y%m%d"))
    # ichiro@example.jp is the demo's 浪速 一郎 (demo-osaka): one address, one login (issue 27 #9).
    fill_broker(page, "関税", "一郎", "ｶﾝｾﾞｲ", "いちろう", "20001", "ichiro@example.jp")
    page.get_by_role("button", name="この通関士を追加する").last.click()
    page.locator("#id_email_error").get_by_text("利用者ID demo-osaka で既に登録されています。").wait_for()
    add_broker(page, "関税", "一郎", "ｶﾝｾﾞｲ", "いちろう", "20001", "kanzei.ichiro@example.jp")
    # The same person again under another 登録番号 is refused beside the E-mail.
    fill_broker(page, "関税", "一郎", "カンゼイ", "イチロウ", "20003", "kanzei.ichiro@example.jp")
    page.get_by_role("button", name="この通関士を追加する").last.click()
    page.locator("#id_email_error").get_by_text("既にこの申込に追加されています。").wait_for()
    # A mistyped confirmation is refused next to its field, and nothing is added until it is mended.
    fill_broker(page, "保税", "二郎", "ホゼイ", "ジロウ", "20002", "jiro.hozei@example.jp")
    page.get_by_label("E-mailアドレス（確認用）").fill("jiro@example.jp")
    page.get_by_role("button", name="この通関士を追加する").last.click()
    page.get_by_text("確認用のE-mailアドレスが登録用と一致しません。").first.wait_for()
    assert page.get_by_label("氏名（姓）").input_value() == "保税"  # what was typed is kept
    page.get_by_label("E-mailアドレス（確認用）").fill("jiro.hozei@example.jp")
    page.get_by_role("button", name="この通関士を追加する").last.click()
    page.get_by_text("通関士を追加しました。").wait_for()
    page.get_by_role("heading", name="追加する通関士（2名）").wait_for()
    page.get_by_role("button", name="申込内容確認へ進む").click()

    page.get_by_role("heading", name="通関士ID追加申込 確認").wait_for()
    page.get_by_role("cell", name="カンゼイ イチロウ").wait_for()
    page.get_by_role("link", name="通関士の入力に戻る").click()
    page.get_by_role("heading", name="通関士入力").wait_for()
    page.get_by_role("button", name="申込内容確認へ進む").click()
    page.get_by_role("heading", name="通関士ID追加申込 確認").wait_for()
    page.get_by_role("button", name="申込内容を登録する").dblclick()
    page.get_by_role("heading", name="通関士ID追加申込を受け付けました").wait_for()
    page.go_back()
    page.reload()
    application = Application.objects.get(
        kind="broker_ids", status="submitted", broker_lines__registration_number="20001"
    )
    assert (
        Application.objects.filter(kind="broker_ids", created_by__username="demo").exclude(status="draft").count() == 2
    )
    assert application.broker_lines.count() == 2
    page.get_by_role("button", name="ログアウト").click()

    log_in(page, "center", "center-pass-2026")
    page.goto("/center/applications/application/?kind__exact=broker_ids")
    page.get_by_role("link", name=application.receipt_number).click()
    page.get_by_role("button", name="承認").click()
    page.get_by_text("を承認しました。").wait_for()
    page.get_by_role("button", name="ログアウト").click()

    log_in(page, "demo", "demo-pass-2026")
    page.get_by_text(
        "【12345678】 通関士IDの追加申込の審査を終了しました。追加した利用者を確認してください。"
        f"（申込受付番号：{application.receipt_number}）"
    ).wait_for()
    page.get_by_role("link", name="契約内容確認").click()
    page.get_by_role("cell", name="12345678001").wait_for()
    page.get_by_text(f"利用開始前（{start:%Y/%m/%d}から）").first.wait_for()
    page.get_by_role("button", name="ログアウト").click()

    process_day(day=start)  # the morning run of the 利用開始希望日
    mail = OutboundMail.objects.get(to="kanzei.ichiro@example.jp")
    link = re.search(r"https?://[^/\s]+(/accounts/set-password/#\S+)", mail.body).group(1)
    page.goto(link)  # the page's script posts the token from after "#"
    page.get_by_text("利用者ID「12345678001」のパスワードを設定してください。").wait_for()
    assert "#" not in page.url and link.split("/")[-1] not in page.url
    page.get_by_label("新しいパスワード").first.fill("short")
    page.get_by_label("新しいパスワード(確認用)").fill("short")
    page.get_by_role("button", name="パスワードを設定する").click()
    page.get_by_text("短すぎ").first.wait_for()
    page.get_by_label("新しいパスワード").first.fill(NEW_PASSWORD)
    page.get_by_label("新しいパスワード(確認用)").fill(NEW_PASSWORD)
    page.get_by_role("button", name="パスワードを設定する").click()
    page.get_by_role("heading", name="パスワードの設定完了").wait_for()
    page.get_by_role("link", name="ログイン画面へ").click()
    log_in(page, "12345678001", NEW_PASSWORD)
    page.get_by_role("heading", name="新着情報").wait_for()
    assert User.objects.get(username="12345678001").last_login is not None
