"""The signed-in user as every page sees it: read afresh on each request, so every change shows at once."""

import pytest
from django.test import Client

from conftest import PASSWORD
from naccs.accounts.models import User

pytestmark = pytest.mark.django_db


def test_a_renamed_company_or_office_shows_on_the_next_page(user_client, user):
    user_client.get("/")
    user.company.name = "新社名物流株式会社"
    user.company.save()
    user.office.name = "横浜事業所"
    user.office.save()
    html = user_client.get("/").content.decode()
    assert "新社名物流株式会社" in html
    assert "横浜事業所" in html


def test_a_deactivated_user_is_signed_out_on_the_next_page(user_client, user):
    assert user_client.get("/").status_code == 200
    user.is_active = False
    user.save()
    response = user_client.get("/")
    assert response.status_code == 302
    assert response.url.startswith("/accounts/login/")


def test_a_user_deactivated_by_a_queryset_update_is_signed_out_on_the_next_page(user_client, user):
    assert user_client.get("/").status_code == 200
    User.objects.filter(pk=user.pk).update(is_active=False)
    assert user_client.get("/").status_code == 302


def test_a_deleted_user_is_signed_out_on_the_next_page(user_client, user):
    assert user_client.get("/").status_code == 200
    User.objects.filter(pk=user.pk).delete()
    assert user_client.get("/").status_code == 302


def test_a_password_changed_elsewhere_signs_out_other_sessions(user_client, user):
    assert user_client.get("/").status_code == 200
    user.set_password("betsu-no-pasuwado-2026")
    user.save()
    assert user_client.get("/").status_code == 302


def test_a_logged_out_session_cookie_cannot_be_replayed(user):
    client = Client()
    client.post("/accounts/login/", {"username": user.username, "password": PASSWORD})
    stolen = client.cookies["sessionid"].value
    assert client.get("/").status_code == 200
    client.post("/accounts/logout/")
    replay = Client()
    replay.cookies["sessionid"] = stolen
    assert replay.get("/").status_code == 302
