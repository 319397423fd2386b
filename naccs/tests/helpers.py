"""Test helpers shared by the apps: a valid 申込担当者, a terminal with a certificate record, threads at once, the test
database for a subprocess."""

import os
import socket
import threading
import time
from datetime import timedelta

from django.db import connection, connections
from django.utils import timezone

from naccs.lib.periods import years_after
from naccs.pki.issuance import VALIDITY_YEARS, certificate_expiry
from naccs.terminals.models import Certificate, LogicalTerminal

APPLICANT = {
    "last_name": "通関",
    "first_name": "花子",
    "last_name_kana": "ツウカン",
    "first_name_kana": "ハナコ",
    "department": "第一通関部通関課",
    "job_title": "係長",
    "phone": "0312345678",
    "fax": "",
    "email": "hanako@example.jp",
    "email_confirm": "hanako@example.jp",
}


def log_in(page, username, password):
    """Log in through the real login page in Chromium."""
    page.goto("/accounts/login/")
    page.get_by_label("利用者ID").fill(username)
    page.get_by_label("パスワード").fill(password)
    page.get_by_role("button", name="ログイン").click()


PROXY_SECRET_FOR_TESTS = "proxy-secret-for-tests"


def behind_the_proxy(settings, address="10.0.0.5") -> dict:
    """Settings of a portal behind one TLS proxy at `address`; returns what the proxy's requests carry (its address
    and its secret), to which a test adds X-Forwarded-For."""
    settings.TRUSTED_PROXY_COUNT = 1
    settings.TLS_PROXY_ADDRESSES = [address]
    settings.TLS_PROXY_SECRET = PROXY_SECRET_FOR_TESTS
    return {"REMOTE_ADDR": address, "HTTP_X_TLS_PROXY_SECRET": PROXY_SECRET_FOR_TESTS}


# The three 認証コード of an uncertified_terminal unless a test chooses its own.
CODES = ("NAC11110A", "ABCDE00001", "NACCS")


def uncertified_terminal(company, name="11110A", codes=CODES):
    """A terminal in use without any certificate yet (what 取得 and EST tests start from)."""
    return LogicalTerminal.objects.create(
        company=company,
        name=name,
        category=LogicalTerminal.Category.SEA,
        device_type=LogicalTerminal.DeviceType.NET,
        auth_code1=codes[0],
        auth_code2=codes[1],
        auth_code3=codes[2],
    )


def make_terminal(company, name, *, certificate_age_days=300, expires_at=None):
    """A terminal with a certificate record (not signed: no CA needed) issued `certificate_age_days` ago and valid
    1年間 from then, or valid 1年間 until `expires_at`. Certificates never change once stored, so the dates are
    chosen here."""
    terminal = uncertified_terminal(company, name, (f"NAC{name}", "ABCDE00001", "NACCS"))
    if expires_at is None:
        issued = timezone.now() - timedelta(days=certificate_age_days)
        expires_at = certificate_expiry(issued)
    else:
        issued = years_after(expires_at, -VALIDITY_YEARS)
    Certificate.objects.create(
        terminal=terminal, serial=f"{terminal.pk:032x}", not_before=issued, not_after=expires_at, issued_at=issued
    )
    return terminal


def expiring_in(company, name, days, *, now=None):
    """make_terminal whose certificate expires `days` days after `now` (now by default), at this time of day."""
    return make_terminal(company, name, expires_at=(now or timezone.now()) + timedelta(days=days))


def at_once(action, count=2):
    """Run `action` in `count` threads released together, each with its own database connection.

    Returns (results, errors) so that a test can assert on both.
    """
    barrier = threading.Barrier(count)
    results, errors = [], []

    def run():
        try:
            barrier.wait()
            results.append(action())
        except Exception as error:  # collected for the test to report
            errors.append(error)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=run) for _ in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return results, errors


def database_url() -> str:
    """The test database this test writes to, as DATABASE_URL for a server or worker started as a subprocess."""
    settings = connection.settings_dict
    if connection.vendor == "sqlite":
        return f"sqlite:///{settings['NAME']}"
    return (
        f"postgres://{settings['USER']}:{settings['PASSWORD']}@{settings['HOST']}:{settings['PORT']}/{settings['NAME']}"
    )


def free_port() -> int:
    """A port nothing listens on, chosen by the system (so that test runs side by side never collide)."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def wait_for_port(port: int, process, seconds: float = 30) -> None:
    """Wait until something answers on `port`; fail at once if `process`, which should listen there, has ended."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"the server on port {port} stopped: exit {process.returncode}")
        with socket.socket() as probe:
            if probe.connect_ex(("127.0.0.1", port)) == 0:
                return
        time.sleep(0.05)
    raise RuntimeError(f"nothing answers on port {port}")


def real_clock_environment() -> dict:
    """This environment without libfaketime (`make test-at`), for redis-server, which aborts under it."""
    return {name: value for name, value in os.environ.items() if name not in ("LD_PRELOAD", "FAKETIME")}
