from io import StringIO

import pytest
from django.core.management import call_command

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_demo_user_logs_in_reads_news_and_logs_out(page):
    call_command("load_demo_data", stdout=StringIO())

    page.goto("/")
    page.get_by_label("利用者ID").fill("demo")
    page.get_by_label("パスワード").fill("demo-pass-2026")
    page.get_by_role("button", name="ログイン").click()

    page.get_by_text("通関商事株式会社").first.wait_for()
    assert page.get_by_text("からログイン中").is_visible()
    assert page.locator(".news-item").count() >= 5
    assert "港湾物流株式会社向け" not in page.content()

    page.locator(".news-item").first.get_by_role("link", name="詳細").click()
    page.get_by_role("link", name="メニューに戻る").wait_for()
    assert "/news/" in page.url

    page.get_by_role("button", name="ログアウト").click()
    page.get_by_text("ログアウトしました。").wait_for()
    assert "/accounts/login/" in page.url
