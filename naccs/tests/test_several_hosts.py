"""Several web hosts: two web server processes, each with its own process memory, share one database and one Redis
(Debian's redis-server, REDIS_URL). Whatever is done through one is seen at once through the other."""

import http.cookiejar
import os
import re
import shutil
import subprocess
import sys
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path

import pytest

from conftest import PASSWORD
from naccs.accounts.models import User
from naccs.portal.tests.factories import make_news
from naccs.tests.helpers import (
    APPLICANT,
    database_url,
    free_port,
    make_terminal,
    real_clock_environment,
    wait_for_port,
)

pytestmark = [pytest.mark.layout, pytest.mark.django_db(transaction=True)]
ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def redis_url(tmp_path):
    server = shutil.which("redis-server")
    if server is None:
        pytest.fail("redis-server is missing (Debian's package; `make test` installs it)")
    port = free_port()
    process = subprocess.Popen(
        [server, "--port", str(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no", "--dir", tmp_path],
        stdout=subprocess.DEVNULL,
        env=real_clock_environment(),
    )
    try:
        wait_for_port(port, process)
        yield f"redis://127.0.0.1:{port}/0"
    finally:
        process.terminate()
        process.wait()


@pytest.fixture
def two_hosts(redis_url, tmp_path, test_ca):
    """Two gunicorn servers, one worker each, against the same database and Redis; their base URLs."""
    env = {
        **os.environ,
        "DATABASE_URL": database_url(),
        "REDIS_URL": redis_url,
        "CA_DIR": str(test_ca),
        "PYTHONPATH": str(ROOT),
        "LOG_LEVEL": "WARNING",
    }
    servers, urls = [], []
    try:
        for host in ("a", "b"):
            port = free_port()
            host_env = {**env, "VAR_DIR": str(tmp_path / host)}
            servers.append(
                subprocess.Popen(
                    [sys.executable, "-m", "gunicorn", "naccs.wsgi", "--workers", "1", "--bind", f"127.0.0.1:{port}"],
                    cwd=ROOT,
                    env=host_env,
                    stderr=subprocess.DEVNULL,
                )
            )
            wait_for_port(port, servers[-1])
            urls.append(f"http://127.0.0.1:{port}")
        yield urls
    finally:
        for server in servers:
            server.terminate()
            server.wait()


class NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None


class Browser:
    """One browser (one cookie jar) that can talk to either host: a load balancer may send it to any of them."""

    def __init__(self):
        self.cookies = http.cookiejar.CookieJar()
        self.opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(self.cookies), NoRedirect)

    def copy(self) -> "Browser":
        """A second browser holding the same cookies now (another tab, or a copied cookie)."""
        other = Browser()
        for cookie in self.cookies:
            other.cookies.set_cookie(cookie)
        return other

    def get(self, url: str) -> tuple[int, str, str]:
        return self._open(urllib.request.Request(url))

    def post(self, url: str, data: dict, *, form_page: str | None = None) -> tuple[int, str, str]:
        """POST `data` with the CSRF token of `form_page` (the page the form is on, by default `url`), if it has one
        (ログアウト has none)."""
        _, _, html = self.get(form_page or url)
        if token := re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', html):
            data = {**data, "csrfmiddlewaretoken": token.group(1)}
        body = urllib.parse.urlencode(data, doseq=True).encode()
        return self._open(urllib.request.Request(url, data=body, headers={"Referer": url}))

    def _open(self, request) -> tuple[int, str, str]:
        try:
            with self.opener.open(request, timeout=10) as response:
                return response.status, "", response.read().decode()
        except urllib.error.HTTPError as error:  # redirects arrive here (NoRedirect) as do 4xx
            return error.code, error.headers.get("Location", ""), error.read().decode()


def log_in(browser: Browser, host: str, username: str) -> None:
    status, location, _ = browser.post(f"{host}/accounts/login/", {"username": username, "password": PASSWORD})
    assert status == 302 and location == "/", (status, location)


def test_what_one_host_does_the_other_shows_at_once(two_hosts, user, staff_user, company):
    host_a, host_b = two_hosts
    terminal = make_terminal(company, "11110A")
    browser = Browser()
    log_in(browser, host_a, user.username)
    assert browser.get(f"{host_b}/")[0] == 200  # signed in on A, signed in on B

    # The wizard, step by step on alternating hosts: each sees what the other saved.
    status, location, _ = browser.post(f"{host_a}/applications/reissue/", {})
    assert status == 302
    pk = int(location.split("/")[3])
    browser.post(f"{host_b}/applications/reissue/{pk}/applicant/", APPLICANT)
    from naccs.lib.business_days import earliest_desired_date

    desired = earliest_desired_date().strftime("%Y%m%d")
    terminals_step = f"/applications/reissue/{pk}/terminals/"
    browser.post(
        f"{host_a}{terminals_step}", {"desired_date": desired, "reason": "replaced", "terminals": [terminal.pk]}
    )
    assert "通関 花子" in browser.get(f"{host_b}/applications/reissue/{pk}/confirm/")[2]
    browser.post(f"{host_b}/applications/reissue/{pk}/applicant/", {**APPLICANT, "last_name": "佐藤"})
    assert "佐藤 花子" in browser.get(f"{host_a}/applications/reissue/{pk}/confirm/")[2]

    # Registered on A; the center approves on B; the company sees the decision on A.
    status, location, _ = browser.post(f"{host_a}/applications/reissue/{pk}/confirm/", {})
    assert (status, location) == (302, f"/applications/reissue/{pk}/done/")
    staff = Browser()
    log_in_staff = staff.post(f"{host_b}/accounts/login/", {"username": staff_user.username, "password": PASSWORD})
    assert log_in_staff[0] == 302
    decide = f"{host_b}/center/applications/application/{pk}/decide/"
    change = f"{host_b}/center/applications/application/{pk}/change/"
    assert staff.post(decide, {"decision": "approve"}, form_page=change)[0] == 302
    assert "審査終了" in browser.get(f"{host_a}/applications/{pk}/")[2]

    # A notice posted anywhere shows on both homes; a changed company name on every page of both.
    make_news(company, "お知らせ：両方のホストに")
    company.name = "新社名商事株式会社"
    company.save()
    for host in (host_a, host_b):
        html = browser.get(f"{host}/")[2]
        assert "お知らせ：両方のホストに" in html and "新社名商事株式会社" in html


def test_a_logout_on_one_host_ends_the_session_on_the_other(two_hosts, user):
    host_a, host_b = two_hosts
    browser = Browser()
    log_in(browser, host_a, user.username)
    assert browser.get(f"{host_b}/")[0] == 200
    kept = browser.copy()  # the session cookie, kept by another tab (or by someone who copied it)
    status, _, _ = browser.post(f"{host_b}/accounts/logout/", {}, form_page=f"{host_b}/")
    assert status == 302
    for host in (host_a, host_b):
        status, location, _ = kept.get(f"{host}/")
        assert status == 302 and location.startswith("/accounts/login/"), f"{host} still knows the session"


def test_a_user_deactivated_in_the_database_is_signed_out_on_every_host(two_hosts, user):
    host_a, host_b = two_hosts
    browser = Browser()
    log_in(browser, host_a, user.username)
    assert browser.get(f"{host_a}/")[0] == 200 and browser.get(f"{host_b}/")[0] == 200
    User.objects.filter(pk=user.pk).update(is_active=False)
    for host in (host_a, host_b):
        status, location, _ = browser.get(f"{host}/")
        assert status == 302 and location.startswith("/accounts/login/")
