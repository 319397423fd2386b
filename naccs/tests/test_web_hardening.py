"""Security headers and CSRF on every POST, checked against the real URL configuration."""

import pytest
from django.test import Client

from conftest import PASSWORD

from .urlmatrix import all_routes, is_staff_route

pytestmark = pytest.mark.django_db
# OCSP clients post DER without cookies or tokens, and an OCSP answer changes nothing. Logout ends only the caller's
# own session, and a cross-site POST arrives without the (SameSite=Lax) session cookie: see accounts.views.logout.
# EST is authenticated by the client certificate (simpleenroll: by HTTP Basic credentials in each request) and takes
# only application/pkcs10, which no cross-site form can send (naccs/pki/tests/test_est.py::
# test_it_accepts_only_application_pkcs10, test_est_enroll.py::test_only_application_pkcs10).
CSRF_EXEMPT_ROUTES = {"pki:ocsp", "accounts:logout", "est:simpleenroll", "est:simplereenroll", "est:serverkeygen"}


def test_every_page_sends_the_security_headers(client):
    response = client.get("/accounts/login/")
    csp = response.headers["Content-Security-Policy"]
    script_src = next(part for part in csp.split(";") if part.strip().startswith("script-src"))
    assert "'unsafe-inline'" not in script_src
    assert "frame-ancestors 'none'" in csp
    assert response.headers["X-Frame-Options"] == "DENY"
    assert response.headers["Referrer-Policy"] == "same-origin"
    assert response.headers["X-Content-Type-Options"] == "nosniff"


def test_session_and_csrf_cookies_are_httponly_and_samesite(client, user):
    response = client.post("/accounts/login/", {"username": user.username, "password": PASSWORD})
    cookie = response.cookies["sessionid"]
    assert cookie["httponly"]
    assert cookie["samesite"] == "Lax"


def test_login_rejects_a_post_without_csrf_token(user):
    client = Client(enforce_csrf_checks=True)
    response = client.post("/accounts/login/", {"username": user.username, "password": PASSWORD})
    assert response.status_code == 403
    assert "_auth_user_id" not in client.session


def test_every_company_side_post_needs_a_csrf_token(user):
    client = Client(enforce_csrf_checks=True)
    client.force_login(user)
    checked = 0
    for route in all_routes():
        if is_staff_route(route) or route.converters or route.name in CSRF_EXEMPT_ROUTES:
            continue
        response = client.post(route.fill({}), {"anything": "x"})
        # 403 is CSRF's answer; 405 means the page takes no POST at all.
        assert response.status_code in (403, 405), f"POST {route.name} gave {response.status_code} without a token"
        checked += 1
    assert checked > 3


def test_staff_actions_need_a_csrf_token(staff_user):
    client = Client(enforce_csrf_checks=True)
    client.force_login(staff_user)
    response = client.post("/center/accounts/company/add/", {"code": "11112222", "name": "x"})
    assert response.status_code == 403


def test_logout_needs_no_token_and_ends_only_the_callers_session(user):
    client = Client(enforce_csrf_checks=True)
    client.force_login(user)
    response = client.post("/accounts/logout/", follow=True)
    assert "ログアウトしました。" in response.content.decode()
    assert client.get("/").status_code == 302
    assert Client(enforce_csrf_checks=True).post("/accounts/logout/").status_code == 302  # no session: nothing ends
    assert client.get("/accounts/logout/").status_code == 405


def test_the_portal_answers_in_japanese_whatever_the_browser_prefers(user_client):
    # Django's own messages (here a password validator's) follow LANGUAGE_CODE, not the browser's Accept-Language.
    response = user_client.post(
        "/accounts/password/",
        {"old_password": PASSWORD, "new_password1": "x7", "new_password2": "x7"},
        HTTP_ACCEPT_LANGUAGE="en-US,en",
    )
    html = response.content.decode()
    assert "このパスワードは短すぎます" in html
    assert "too short" not in html
