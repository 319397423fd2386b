"""Issue 13 items 1, 4–6: login limits by the real client address before any hashing, a lock per (利用者ID, address)
with a slower one per 利用者ID, bounded hashing, argon2 at OWASP's minimum, and the password change counted alike."""

import uuid

import pytest
from django.contrib.auth.hashers import Argon2PasswordHasher, make_password
from django.db import connection
from django.test import Client, RequestFactory

from conftest import PASSWORD
from naccs.accounts import guard, limits
from naccs.accounts.hashers import PortalArgon2PasswordHasher
from naccs.accounts.models import User
from naccs.tests.helpers import at_once, behind_the_proxy

pytestmark = pytest.mark.django_db

LOGIN = "/accounts/login/"
LOCKED = "一時的にロックされています"
REFUSED = "一時的にログインを受け付けていません"
PROXY = "10.0.0.5"


@pytest.fixture
def hashings(monkeypatch):
    """Every argon2 computation (verifying a stored hash, or the dummy hash Django makes for an unknown ID)."""
    calls = []
    for name in ("verify", "encode"):
        original = getattr(PortalArgon2PasswordHasher, name)

        def counted(self, *args, _original=original, **kwargs):
            calls.append(name)
            return _original(self, *args, **kwargs)

        monkeypatch.setattr(PortalArgon2PasswordHasher, name, counted)
    return calls


def log_in(client, username="tsukan", password=PASSWORD, **extra):
    return client.post(LOGIN, {"username": username, "password": password}, **extra)


def test_a_lock_from_one_address_leaves_the_user_free_from_theirs(client, user):
    for _ in range(5):
        log_in(client, password="wrong", REMOTE_ADDR="203.0.113.66")
    assert log_in(client, REMOTE_ADDR="203.0.113.66").status_code == 429
    assert log_in(Client(), REMOTE_ADDR="192.0.2.10").status_code == 302


def test_the_locked_page_tells_the_real_user_how_to_get_in(client, user):
    for _ in range(5):
        log_in(client, password="wrong")
    html = log_in(client).content.decode()
    assert LOCKED in html and "30分たつとロックは解除されます" in html
    assert "ほかの接続元からのログインには影響ありません" in html
    assert "0120-794527" in html and "ロックを解除できます" in html


def test_behind_the_proxy_each_client_is_locked_alone(client, user, settings):
    proxy = behind_the_proxy(settings, PROXY)
    for _ in range(5):
        log_in(client, password="wrong", **proxy, HTTP_X_FORWARDED_FOR="203.0.113.66")
    assert log_in(client, **proxy, HTTP_X_FORWARDED_FOR="203.0.113.66").status_code == 429
    # Another client through the same proxy, even one claiming the stranger's address first in the header.
    other = log_in(Client(), **proxy, HTTP_X_FORWARDED_FOR="203.0.113.66, 192.0.2.10")
    assert other.status_code == 302


def test_without_a_trusted_proxy_a_forged_header_does_not_escape_the_lock(client, user, settings):
    settings.TRUSTED_PROXY_COUNT = 0
    for number in range(5):
        log_in(client, password="wrong", HTTP_X_FORWARDED_FOR=f"192.0.2.{number}")
    assert log_in(client, HTTP_X_FORWARDED_FOR="192.0.2.200").status_code == 429


def test_a_process_reaching_the_app_directly_cannot_lock_out_another_address(client, user, settings):
    """Issue 24 #8: from the proxy's own host but without its secret, the header is the caller's claim."""
    behind_the_proxy(settings, "127.0.0.1")
    for _ in range(5):
        log_in(client, password="wrong", REMOTE_ADDR="127.0.0.1", HTTP_X_FORWARDED_FOR="203.0.113.66")
    assert log_in(client, REMOTE_ADDR="127.0.0.1", HTTP_X_FORWARDED_FOR="203.0.113.77").status_code == 429
    victim = log_in(Client(), **behind_the_proxy(settings, "127.0.0.1"), HTTP_X_FORWARDED_FOR="203.0.113.66")
    assert victim.status_code == 302


def test_a_flood_of_random_ids_from_one_address_stops_before_hashing(client, user, settings, hashings):
    limit = settings.LOGIN_ADDRESS_FAILURE_LIMIT
    for number in range(limit):
        log_in(client, username=f"random{number}", password="wrong")
    hashed = len(hashings)
    assert hashed == limit
    response = log_in(client, username="random-next", password="wrong")
    assert response.status_code == 429 and REFUSED in response.content.decode()
    response = log_in(client)  # even the real user's right password, from this address, until the window ends
    assert response.status_code == 429
    assert len(hashings) == hashed
    assert log_in(Client(), REMOTE_ADDR="192.0.2.10").status_code == 302


def test_a_guess_spread_over_many_addresses_stops_at_the_slower_limit_per_user(client, user, settings, hashings):
    settings.LOGIN_USER_FAILURE_LIMIT = 12  # 50 in production (README); the rule, not the number, is under test
    for number in range(12):
        log_in(client, password="wrong", REMOTE_ADDR=f"198.51.100.{number}")
    hashed = len(hashings)
    response = log_in(Client(), REMOTE_ADDR="192.0.2.10")
    assert response.status_code == 429 and "この利用者IDへのログインの失敗が続いたため" in response.content.decode()
    assert len(hashings) == hashed
    assert "0120-794527" in response.content.decode()


def test_a_successful_login_gives_its_attempt_back(client, user):
    log_in(client, password="wrong")
    log_in(client)
    assert limits.failures(guard.BY_ADDRESS, "127.0.0.1") == 1
    assert limits.failures(guard.BY_USER, "tsukan") == 1


def test_no_more_than_the_allowed_password_checks_hash_at_once(client, user, settings, hashings):
    settings.PASSWORD_CHECK_WAIT_SECONDS = 0
    held = [guard.PASSWORD_CHECKS.acquire(blocking=False) for _ in range(settings.PASSWORD_CHECKS_AT_ONCE)]
    try:
        assert all(held)
        response = log_in(client)
        assert response.status_code == 503 and "混み合っています" in response.content.decode()
        assert hashings == []
    finally:
        for _ in held:
            guard.PASSWORD_CHECKS.release()
    assert limits.failures(guard.BY_ADDRESS, "127.0.0.1") == 0  # not checked: not counted
    assert log_in(client).status_code == 302


def test_passwords_are_hashed_with_owasps_argon2id_minimum(user):
    algorithm, variant, _version, parameters, *_ = User.objects.get(pk=user.pk).password.split("$")
    assert (algorithm, variant) == ("argon2", "argon2id")
    # OWASP Password Storage Cheat Sheet: m=19 MiB, t=2, p=1.
    assert parameters == "m=19456,t=2,p=1"


def test_a_hash_with_djangos_parameters_verifies_and_is_upgraded_at_login(client, user):
    old = make_password(PASSWORD, hasher=Argon2PasswordHasher())
    assert "m=102400" in old
    User.objects.filter(pk=user.pk).update(password=old)
    assert log_in(client).status_code == 302
    assert "m=19456,t=2,p=1" in User.objects.get(pk=user.pk).password


@pytest.mark.django_db(transaction=True)
@pytest.mark.skipif(connection.vendor != "postgresql", reason="row locks need PostgreSQL")
def test_thirty_simultaneous_failed_logins_from_one_address_hash_at_most_the_limit(settings, hashings):
    settings.LOGIN_ADDRESS_FAILURE_LIMIT = 5
    settings.PASSWORD_CHECK_WAIT_SECONDS = 60

    def wrong_login():
        request = RequestFactory().post(LOGIN, REMOTE_ADDR="203.0.113.66")
        return guard.check_password(request, f"random-{uuid.uuid4().hex[:8]}", "wrong")

    results, errors = at_once(wrong_login, count=30)
    assert results == [None] * len(results)
    assert all(isinstance(error, guard.PasswordCheckRefused) for error in errors), errors
    assert len(results) <= 5 and len(hashings) == len(results)


def logged_in_before(user):
    """The real user's browser: it has logged in as them before (and out again), so it carries their device cookie."""
    browser = Client()
    assert log_in(browser).status_code == 302
    browser.post("/accounts/logout/")
    return browser


def test_a_login_gives_the_browser_a_device_cookie_for_that_id(user):
    browser = logged_in_before(user)
    cookie = browser.cookies[guard.DEVICE_COOKIE]
    assert cookie["httponly"] and cookie["samesite"] == "Lax"
    assert cookie["max-age"] == 365 * 24 * 60 * 60


def test_the_real_users_browser_gets_past_a_flood_from_its_own_address(user, settings):
    browser = logged_in_before(user)
    flood = Client()
    for number in range(settings.LOGIN_ADDRESS_FAILURE_LIMIT):
        log_in(flood, username=f"random{number}", password="wrong")
    assert log_in(Client()).status_code == 429  # a browser the user never logged in from: stopped with the flood
    assert log_in(browser).status_code == 302


def test_the_real_users_browser_is_not_stopped_by_the_limit_per_user(user, settings):
    settings.LOGIN_USER_FAILURE_LIMIT = 12
    browser = logged_in_before(user)
    for number in range(12):
        log_in(Client(), password="wrong", REMOTE_ADDR=f"198.51.100.{number}")
    assert log_in(Client(), REMOTE_ADDR="192.0.2.10").status_code == 429
    assert log_in(browser, REMOTE_ADDR="192.0.2.10").status_code == 302


def test_a_device_cookie_of_another_id_or_a_forged_one_counts_for_nothing(user, make_user, company, settings):
    settings.LOGIN_USER_FAILURE_LIMIT = 3
    make_user("other", company=company)
    browser = logged_in_before(user)
    for number in range(3):
        log_in(Client(), username="other", password="wrong", REMOTE_ADDR=f"198.51.100.{number}")
    assert log_in(browser, username="other").status_code == 429
    forged = Client()
    forged.cookies[guard.DEVICE_COOKIE] = browser.cookies[guard.DEVICE_COOKIE].value[:-2] + "xx"
    for number in range(3):
        log_in(Client(), password="wrong", REMOTE_ADDR=f"198.51.100.{number}")
    assert log_in(forged).status_code == 429


def test_failures_with_a_device_cookie_are_counted_against_it(user, settings):
    browser = logged_in_before(user)
    # Two per address, so that django-axes' lock per address never comes into it.
    for number in range(settings.LOGIN_DEVICE_FAILURE_LIMIT):
        log_in(browser, password="wrong", REMOTE_ADDR=f"198.51.100.{number // 2}")
    response = log_in(browser, REMOTE_ADDR="192.0.2.10")
    assert response.status_code == 429 and "このブラウザからのログイン" in response.content.decode()


def test_the_real_users_browser_has_a_hashing_slot_of_its_own(user, settings, hashings):
    browser = logged_in_before(user)
    settings.PASSWORD_CHECK_WAIT_SECONDS = 0
    held = [guard.PASSWORD_CHECKS.acquire(blocking=False) for _ in range(settings.PASSWORD_CHECKS_AT_ONCE)]
    try:
        assert log_in(Client()).status_code == 503
        assert log_in(browser).status_code == 302
    finally:
        for _ in held:
            guard.PASSWORD_CHECKS.release()
