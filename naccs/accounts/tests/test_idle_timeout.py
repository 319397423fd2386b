import time

import pytest
from django.contrib.sessions.models import Session

from naccs.accounts.middleware import LAST_SEEN_KEY


@pytest.mark.django_db
def test_it_logs_out_after_the_idle_timeout(user_client, settings):
    settings.SESSION_IDLE_TIMEOUT_MINUTES = 30
    session = user_client.session
    session[LAST_SEEN_KEY] = time.time() - 31 * 60
    session.save()

    response = user_client.get("/", follow=True)

    assert response.redirect_chain[0][0].startswith("/accounts/login/")
    assert "30分間操作がなかったため、ログアウトしました。" in response.content.decode()
    assert user_client.get("/").status_code == 302


@pytest.mark.django_db
def test_activity_within_the_timeout_keeps_the_session(user_client, settings):
    settings.SESSION_IDLE_TIMEOUT_MINUTES = 30
    session = user_client.session
    session[LAST_SEEN_KEY] = time.time() - 29 * 60
    session.save()

    assert user_client.get("/").status_code == 200


@pytest.mark.django_db
def test_a_quick_second_request_does_not_rewrite_the_session(user_client):
    user_client.get("/")
    session_key = user_client.session.session_key
    expire_before = Session.objects.get(session_key=session_key).expire_date
    user_client.get("/")
    assert Session.objects.get(session_key=session_key).expire_date == expire_before
