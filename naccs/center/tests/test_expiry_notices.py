"""有効期限のお知らせメールの設定: a company user opts in to (or out of) the expiry reminders."""

import pytest

from naccs.center.models import ExpiryNoticeOptIn

pytestmark = pytest.mark.django_db


def test_a_user_opts_in_and_out(user_client, user):
    page = user_client.get("/notices/expiry/").content.decode()
    assert "受け取らない</strong>" in page and "60日前" in page and "有効期限切れ7日後" in page
    response = user_client.post("/notices/expiry/", {"receive": "1"})
    assert response.status_code == 302
    assert ExpiryNoticeOptIn.objects.filter(user=user).exists()
    assert "受け取る</strong>" in user_client.get("/notices/expiry/").content.decode()
    user_client.post("/notices/expiry/", {"receive": "0"})
    assert not ExpiryNoticeOptIn.objects.filter(user=user).exists()


def test_opting_in_twice_keeps_one_row(user_client, user):
    user_client.post("/notices/expiry/", {"receive": "1"})
    user_client.post("/notices/expiry/", {"receive": "1"})
    assert ExpiryNoticeOptIn.objects.filter(user=user).count() == 1
