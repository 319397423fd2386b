"""The back office logs in through the portal's guarded login: the same limits, lockout and hashing cap
(issue 24 #4)."""

import pytest
from django.test import Client

from conftest import PASSWORD
from naccs.accounts.tests.test_login_limits import hashings  # noqa: F401  (counts every argon2 computation)

pytestmark = pytest.mark.django_db


def test_the_back_office_sends_staff_to_the_guarded_login_and_back(client, staff_user):
    response = client.get("/center/")
    assert response.status_code == 302
    followed = client.get(response["Location"])
    assert followed.status_code == 302 and followed["Location"] == "/accounts/login/?next=/center/"
    logged_in = client.post(followed["Location"], {"username": "center", "password": PASSWORD})
    assert logged_in.status_code == 302 and logged_in["Location"] == "/center/"
    assert client.get("/center/").status_code == 200


def test_a_password_posted_to_the_back_office_login_is_never_checked(client, staff_user, hashings):  # noqa: F811
    for number in range(45):
        response = client.post("/center/login/", {"username": f"random{number}", "password": "wrong"})
        assert response.status_code == 302
    response = client.post("/center/login/", {"username": "center", "password": PASSWORD})
    assert response.status_code == 302
    assert hashings == []
    assert client.get("/center/").status_code == 302  # not logged in


def test_guesses_for_a_staff_login_are_locked_like_any_other(staff_user, settings):
    guesser = Client()
    for _ in range(settings.AXES_FAILURE_LIMIT):
        guesser.post("/accounts/login/?next=/center/", {"username": "center", "password": "wrong"})
    locked = guesser.post("/accounts/login/?next=/center/", {"username": "center", "password": PASSWORD})
    assert locked.status_code == 429
    assert guesser.get("/center/").status_code == 302
