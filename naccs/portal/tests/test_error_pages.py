import pytest
from django.db import OperationalError
from django.test import Client

from conftest import PASSWORD

pytestmark = pytest.mark.django_db


def test_a_locked_database_gives_a_japanese_retry_page(user_client, monkeypatch):
    def locked(company):
        raise OperationalError("database is locked")

    monkeypatch.setattr("naccs.portal.views.latest_news", locked)
    response = user_client.get("/")
    assert response.status_code == 503
    assert response.headers["Retry-After"] == "30"
    assert "しばらく時間をおいてから再度お試しください" in response.content.decode()


def test_an_unknown_page_gives_a_japanese_404(user_client, settings):
    settings.DEBUG = False
    response = user_client.get("/no-such-page/")
    assert response.status_code == 404
    assert "ページが見つかりません" in response.content.decode()


def test_a_stale_form_gives_a_japanese_csrf_page(user):
    client = Client(enforce_csrf_checks=True)
    response = client.post("/accounts/login/", {"username": user.username, "password": PASSWORD})
    assert response.status_code == 403
    assert "画面の有効期限が切れました" in response.content.decode()


def test_an_unexpected_error_gives_a_japanese_500_without_the_layout_failing(user, monkeypatch):
    def broken(company):
        raise RuntimeError("a bug")

    monkeypatch.setattr("naccs.portal.views.latest_news", broken)
    client = Client(raise_request_exception=False)
    client.force_login(user)
    response = client.get("/")
    assert response.status_code == 500
    html = response.content.decode()
    assert "エラーが発生しました" in html
    assert "a bug" not in html
