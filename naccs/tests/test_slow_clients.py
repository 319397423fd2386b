"""Slow request bodies against the real nginx in front of gunicorn's sync workers (issue 26 #1): nginx collects each
body before the app sees it, so clients trickling their bodies hold no worker and the login page keeps answering;
the body sizes fit the forms and the bank CSV import."""

import http.client
import socket
import ssl
import statistics
import threading
import time
from pathlib import Path

import pytest

from naccs.pki.tests.conftest import tls_proxy
from naccs.pki.tests.est_helpers import PROXY_SECRET
from naccs.tests import outage
from naccs.tests.helpers import database_url

pytestmark = [pytest.mark.layout, pytest.mark.django_db(transaction=True)]
ROOT = Path(__file__).resolve().parents[2]
WORKERS = 2
SLOW_CLIENTS = 3 * WORKERS
UNVERIFIED = ssl.create_default_context()  # the test proxy's certificate is checked elsewhere (test_est_nginx)
UNVERIFIED.check_hostname = False
UNVERIFIED.verify_mode = ssl.CERT_NONE


@pytest.fixture
def portal_behind_nginx(tmp_path, test_ca):
    """gunicorn with WORKERS sync workers (production's worker class) behind scripts/serve-tls' nginx."""
    env = outage.environment(
        database_url(), test_ca, tmp_path / "var", LOG_LEVEL="WARNING", TRUSTED_PROXY_COUNT="1",
        TLS_PROXY_SECRET=PROXY_SECRET,  # a trusted proxy must be known by its secret too
    )  # fmt: skip
    server, url = outage.gunicorn(env, "naccs.wsgi", tmp_path / "gunicorn.log", "--workers", str(WORKERS))
    try:
        with tls_proxy(tmp_path / "proxy", test_ca, app_address=url.removeprefix("http://")) as proxied:
            yield proxied
    finally:
        outage.stop(server)


def trickle(host: str, port: int, stop: threading.Event) -> None:
    """POST /accounts/login/ announcing a 1,000-byte body, then one byte every 2 s (the attack of issue 26 #1).
    With a CSRF cookie and a matching Origin, as a browser's form has: Django's CSRF check then reads the body (without
    them it refuses the request before reading it, and no worker waits)."""
    headers = (
        f"POST /accounts/login/ HTTP/1.1\r\nHost: {host}:{port}\r\nOrigin: https://{host}:{port}\r\n"
        f"Cookie: csrftoken={'x' * 32}\r\n"
        "Content-Type: application/x-www-form-urlencoded\r\nContent-Length: 1000\r\n\r\n"
    )
    with socket.create_connection((host, port), timeout=30) as raw, UNVERIFIED.wrap_socket(raw) as tls:
        tls.sendall(headers.encode())
        while not stop.wait(2):
            try:
                tls.sendall(b"a")
            except OSError:
                return


def timed_get(host: str, port: int, path: str) -> tuple[int, float]:
    started = time.monotonic()
    connection = http.client.HTTPSConnection(host, port, timeout=5, context=UNVERIFIED)
    try:
        connection.request("GET", path)
        status = connection.getresponse().status
    except (TimeoutError, OSError):
        status = 0
    finally:
        connection.close()
    return status, time.monotonic() - started


def post_size(host: str, port: int, path: str, size: int) -> int:
    connection = http.client.HTTPSConnection(host, port, timeout=30, context=UNVERIFIED)
    try:
        connection.request("POST", path, body=b"a" * size, headers={"Content-Type": "application/octet-stream"})
        return connection.getresponse().status
    finally:
        connection.close()


def test_slow_bodies_on_more_connections_than_workers_leave_the_login_page_answering(portal_behind_nginx):
    host, port = "127.0.0.1", int(portal_behind_nginx.rsplit(":", 1)[1])
    timed_get(host, port, "/accounts/login/")  # each worker's first request loads what it keeps (not measured)
    timed_get(host, port, "/accounts/login/")
    quiet = sorted(timed_get(host, port, "/accounts/login/")[1] for _ in range(20))
    stop = threading.Event()
    clients = [threading.Thread(target=trickle, args=(host, port, stop), daemon=True) for _ in range(SLOW_CLIENTS)]
    for client in clients:
        client.start()
    try:
        time.sleep(3)  # every slow client has sent its headers and a first byte
        answers = [timed_get(host, port, "/accounts/login/") for _ in range(20)]
    finally:
        stop.set()
    statuses = [status for status, _ in answers]
    seconds = sorted(duration for _, duration in answers)
    p95 = statistics.quantiles(seconds, n=20)[-1]
    print(
        f"\nlogin page, p95 / median: {statistics.quantiles(quiet, n=20)[-1] * 1000:.0f} / "
        f"{statistics.median(quiet) * 1000:.0f} ms alone, "
        f"{p95 * 1000:.0f} / {statistics.median(seconds) * 1000:.0f} ms "
        f"while {SLOW_CLIENTS} slow clients trickle their bodies to {WORKERS} workers"
    )
    assert statuses == [200] * len(answers)
    assert p95 < 2.0


def test_a_form_body_over_64_kb_is_refused_by_nginx_and_the_bank_csv_import_takes_5_mb(portal_behind_nginx):
    host, port = "127.0.0.1", int(portal_behind_nginx.rsplit(":", 1)[1])
    assert post_size(host, port, "/accounts/login/", 65 * 1024) == 413
    # 5 MiB of CSV plus the multipart envelope reach the app (which then asks for a login: 302), not nginx's 413.
    assert post_size(host, port, "/center/billing/invoice/import-payments/", 5 * 1024 * 1024 + 4096) != 413
    assert post_size(host, port, "/center/billing/invoice/import-payments/", 7 * 1024 * 1024) == 413
