import re

import pytest
from django.utils import timezone

from conftest import PASSWORD

pytestmark = pytest.mark.django_db

WRONG_LOGIN = "利用者IDまたはパスワードが正しくありません。"


def test_it_shows_the_login_form_in_japanese(client):
    response = client.get("/accounts/login/")
    html = response.content.decode()
    assert "利用者ID" in html
    assert "パスワード" in html
    assert ">ログイン</button>" in html


def test_it_redirects_anonymous_users_to_login(client):
    response = client.get("/")
    assert response.status_code == 302
    assert response.url.startswith("/accounts/login/")


def test_it_logs_in_and_shows_the_real_login_time(client, user):
    before = timezone.localtime()
    response = client.post("/accounts/login/", {"username": "tsukan", "password": PASSWORD}, follow=True)
    html = response.content.decode()
    match = re.search(r"(\d{4}/\d{2}/\d{2} \d{2}:\d{2})からログイン中", html)
    assert match, html
    assert match.group(1) in {before.strftime("%Y/%m/%d %H:%M"), timezone.localtime().strftime("%Y/%m/%d %H:%M")}


def test_it_gives_one_message_for_a_wrong_password(client, user):
    response = client.post("/accounts/login/", {"username": "tsukan", "password": "wrong"})
    assert response.status_code == 200
    assert WRONG_LOGIN in response.content.decode()


def test_it_gives_the_same_message_for_an_unknown_user(client, user):
    response = client.post("/accounts/login/", {"username": "nobody", "password": PASSWORD})
    assert WRONG_LOGIN in response.content.decode()


def test_it_asks_for_both_fields(client):
    html = client.post("/accounts/login/", {"username": "", "password": ""}).content.decode()
    assert "利用者IDを入力してください。" in html
    assert "パスワードを入力してください。" in html


def test_it_locks_the_account_after_five_failures(client, user):
    for _ in range(5):
        client.post("/accounts/login/", {"username": "tsukan", "password": "wrong"})
    response = client.post("/accounts/login/", {"username": "tsukan", "password": PASSWORD})
    html = response.content.decode()
    assert response.status_code == 429
    assert "一時的にロックされています" in html
    assert "0120-794527" in html
    assert "_auth_user_id" not in client.session


def test_four_failures_do_not_lock(client, user):
    for _ in range(4):
        client.post("/accounts/login/", {"username": "tsukan", "password": "wrong"})
    response = client.post("/accounts/login/", {"username": "tsukan", "password": PASSWORD})
    assert response.status_code == 302


def test_it_changes_the_session_id_at_login(client, user):
    client.get("/accounts/login/")
    client.cookies["sessionid"] = "anonymous-session-id"
    client.post("/accounts/login/", {"username": "tsukan", "password": PASSWORD})
    assert client.cookies["sessionid"].value != "anonymous-session-id"


def test_it_logs_out_with_a_post(user_client):
    response = user_client.post("/accounts/logout/", follow=True)
    assert "ログアウトしました。" in response.content.decode()
    assert user_client.get("/").status_code == 302


def test_it_ignores_an_offsite_next_parameter(client, user):
    response = client.post("/accounts/login/?next=https://evil.example/", {"username": "tsukan", "password": PASSWORD})
    assert response.url == "/"


def test_it_rejects_an_overlong_id_without_trying_it(client, user):
    html = client.post("/accounts/login/", {"username": "a" * 10_000, "password": "x"}).content.decode()
    assert "利用者IDは150文字以内で入力してください。" in html
