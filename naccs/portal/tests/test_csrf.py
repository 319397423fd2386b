"""CSRF protection is Django's own, unchanged: a masked token in each form, the secret in a cookie, rotated at login."""

import re

import pytest
from django.conf import settings
from django.test import Client

from conftest import PASSWORD

pytestmark = pytest.mark.django_db

LOGIN = "/accounts/login/"
GUIDANCE = "/applications/reissue/"


def form_token(response) -> str:
    return re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', response.content.decode()).group(1)


def csrf_cookie_sent(response) -> bool:
    return settings.CSRF_COOKIE_NAME in response.cookies


@pytest.fixture
def browser():
    return Client(enforce_csrf_checks=True)


def signed_in(browser, user):
    token = form_token(browser.get(LOGIN))
    response = browser.post(LOGIN, {"username": user.username, "password": PASSWORD, "csrfmiddlewaretoken": token})
    assert response.status_code == 302
    return response


def test_a_first_visit_gets_the_cookie(browser):
    first = browser.get(LOGIN)
    assert csrf_cookie_sent(first)
    assert first.cookies[settings.CSRF_COOKIE_NAME]["max-age"] == settings.CSRF_COOKIE_AGE


def test_login_rotates_the_secret_and_sends_the_new_cookie(browser, user):
    before = browser.get(LOGIN).cookies[settings.CSRF_COOKIE_NAME].value
    response = signed_in(browser, user)
    assert csrf_cookie_sent(response)
    assert response.cookies[settings.CSRF_COOKIE_NAME].value != before


def test_a_form_page_of_a_signed_in_user_has_one_token_and_it_is_accepted(browser, user):
    signed_in(browser, user)
    page = browser.get(GUIDANCE)
    assert page.status_code == 200
    assert page.content.decode().count('name="csrfmiddlewaretoken"') == 1  # the header's ログアウト carries none
    assert form_token(browser.get(GUIDANCE)) != form_token(page)  # the token is still masked anew for every page
    response = browser.post(GUIDANCE, {"csrfmiddlewaretoken": form_token(page)})
    assert response.status_code == 302
    assert "/applicant/" in response.url


def test_a_post_without_the_token_is_still_refused(browser, user):
    signed_in(browser, user)
    response = browser.post(GUIDANCE, {})
    assert response.status_code == 403
    assert "画面の有効期限が切れました" in response.content.decode()


def test_a_malformed_cookie_is_replaced(browser):
    browser.cookies[settings.CSRF_COOKIE_NAME] = "not-a-secret"
    response = browser.get(LOGIN)
    assert csrf_cookie_sent(response)
    assert re.fullmatch(r"[A-Za-z0-9]{32}", response.cookies[settings.CSRF_COOKIE_NAME].value)


def test_the_form_field_is_django_s_and_only_pages_with_a_form_make_a_token(user):
    fresh = Client(enforce_csrf_checks=True)  # no CSRF cookie yet: a page that made a token would set one
    fresh.force_login(user)
    form_page = fresh.get(GUIDANCE)
    assert csrf_cookie_sent(form_page)
    assert re.search(r'<input type="hidden" name="csrfmiddlewaretoken" value="[A-Za-z0-9]{64}">', form_page.text)
    fresh.cookies.pop(settings.CSRF_COOKIE_NAME)
    home = fresh.get("/")
    assert home.status_code == 200
    assert "csrfmiddlewaretoken" not in home.content.decode()
    assert not csrf_cookie_sent(home)
