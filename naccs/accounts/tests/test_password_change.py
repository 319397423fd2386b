import pytest

from conftest import PASSWORD
from naccs.accounts.models import User

pytestmark = pytest.mark.django_db
URL = "/accounts/password/"


def change(client, old, new1, new2=None):
    return client.post(URL, {"old_password": old, "new_password1": new1, "new_password2": new2 or new1})


def test_it_changes_the_password_and_keeps_the_session(user_client, user):
    response = change(user_client, PASSWORD, "kaigai-yunyu-9237")
    assert response.status_code == 302
    assert user_client.get("/").status_code == 200
    user.refresh_from_db()
    assert user.check_password("kaigai-yunyu-9237")


def test_it_rejects_a_wrong_current_password(user_client):
    html = change(user_client, "wrong", "kaigai-yunyu-9237").content.decode()
    assert "現在のパスワードが正しくありません。" in html


def test_it_rejects_a_mismatched_confirmation(user_client):
    html = change(user_client, PASSWORD, "kaigai-yunyu-9237", "kaigai-yunyu-9238").content.decode()
    assert "新しいパスワードと確認用のパスワードが一致しません。" in html


def test_it_applies_djangos_validators_in_japanese(user_client):
    html = change(user_client, PASSWORD, "12345").content.decode()
    assert "このパスワードは短すぎます。" in html
    assert "数字しか使われていません" in html


def test_the_password_rules_are_text_and_their_errors_sit_beside_the_new_password(user_client):
    page = user_client.get(URL).content.decode()
    assert "&lt;ul&gt;" not in page and "<ul><li>" not in page
    assert "最低 10 文字以上" in page.split('id="id_new_password1_helptext"')[1].split("</p>")[0]
    html = change(user_client, PASSWORD, "12345").content.decode()
    new_password = html.split('for="id_new_password1"')[1].split('for="id_new_password2"')[0]
    assert "このパスワードは短すぎます。" in new_password
    confirmation = html.split('for="id_new_password2"')[1]
    assert "このパスワードは短すぎます。" not in confirmation


def test_the_form_uses_argon2(user_client, user):
    change(user_client, PASSWORD, "kaigai-yunyu-9237")
    user.refresh_from_db()
    assert user.password.startswith("argon2")


def test_wrong_current_passwords_lock_like_logins_and_the_sixth_is_not_checked(user_client, monkeypatch):
    checks = []
    check_password = User.check_password

    def counted(self, raw_password):
        checks.append(raw_password)
        return check_password(self, raw_password)

    monkeypatch.setattr(User, "check_password", counted)
    for number in range(5):
        change(user_client, f"wrong-{number}", "kaigai-yunyu-9237")
    assert len(checks) == 5
    response = change(user_client, PASSWORD, "kaigai-yunyu-9237")
    assert response.status_code == 429 and "一時的にロックされています" in response.content.decode()
    assert len(checks) == 5  # the sixth, right or wrong, is refused before any check
    assert not User.objects.get(username="tsukan").check_password("kaigai-yunyu-9237")
    # The login is locked the same way: it is one count.
    assert user_client.post("/accounts/logout/").status_code == 302
    assert user_client.post("/accounts/login/", {"username": "tsukan", "password": PASSWORD}).status_code == 429
