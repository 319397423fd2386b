import contextlib
import os
import signal
import subprocess
import sys
import threading
import time
from datetime import timedelta
from pathlib import Path
from socketserver import ThreadingMixIn
from wsgiref.simple_server import WSGIRequestHandler, WSGIServer, make_server

import pytest
from cryptography.hazmat.primitives import serialization
from django.conf import settings
from django.utils import timezone

from naccs.lib.periods import years_after
from naccs.pki import acquisition, ca, issuance, ocsp_prepared, ocsp_signer, published, revocation
from naccs.pki.tests.est_helpers import PROXY_SECRET
from naccs.terminals.models import Certificate
from naccs.tests.helpers import CODES, database_url, free_port, uncertified_terminal, wait_for_port

ROOT = Path(__file__).resolve().parents[3]
P12_PASSWORD = "p12-pass-2026"


def certify(terminal, *, age_days=None, expires_at=None):
    """A real certificate issued `age_days` ago and valid 1年間 from then, or one that expires at `expires_at`."""
    if expires_at is None:
        issued = timezone.now() - timedelta(days=age_days)
        expires_at = issuance.certificate_expiry(issued)
    else:
        issued = years_after(expires_at, -issuance.VALIDITY_YEARS)
    return issuance.issue_certificate(
        terminal=terminal,
        public_key=ca.new_private_key("ec").public_key(),
        not_before=issued,
        not_after=expires_at,
    )


def acquire(terminal_name="11110A", codes=CODES, address="192.0.2.10", password=P12_PASSWORD):
    return acquisition.acquire_certificate(
        terminal_name=terminal_name, auth_codes=codes, password=password, client_address=address
    )


def openssl(*args, cwd, input_text=None):
    return subprocess.run(["openssl", *args], cwd=cwd, capture_output=True, text=True, input=input_text)


def write_pem(path, obj):
    path.write_bytes(obj.public_bytes(serialization.Encoding.PEM))
    return path


@pytest.fixture(autouse=True)
def answers_not_kept(monkeypatch):
    """Tests that fetch, revoke and fetch again see the revocation at once; the tests of the freshness promise use
    the production RECENT_SECONDS (`answers_kept`)."""
    monkeypatch.setattr(published, "RECENT_SECONDS", 0)
    published.recent.clear()
    ocsp_signer.forget()  # each test's database has its own responder certificate


@pytest.fixture
def answers_kept(monkeypatch):
    monkeypatch.setattr(published, "RECENT_SECONDS", PRODUCTION_RECENT_SECONDS)


PRODUCTION_RECENT_SECONDS = published.RECENT_SECONDS


@pytest.fixture
def terminal(company):
    return uncertified_terminal(company)


@pytest.fixture
def proxy_secret(settings):
    """The portal knows the TLS proxy's secret, which the requests of est_helpers.from_proxy carry."""
    settings.TLS_PROXY_SECRET = PROXY_SECRET


@pytest.fixture
def current(renewable):
    """The certificate of 11110A, 15 days before its expiry (inside the 28-day window)."""
    return Certificate.objects.get(terminal=renewable)


@pytest.fixture
def renewable(terminal):
    """A terminal whose certificate expires in 15 days: inside the 28-day window."""
    certify(terminal, age_days=350)
    return terminal


@pytest.fixture
def token(softhsm_dir, settings, monkeypatch):
    """A new SoftHSM token that CA keys are made in (CA_KEY_BACKEND=pkcs11) for this test (softhsm.py)."""
    from naccs.pki import hsm
    from naccs.pki.tests.softhsm import fresh_token

    made = fresh_token()
    made.use(settings, monkeypatch.setenv)
    yield made
    hsm.forget()


class ThreadingServer(ThreadingMixIn, WSGIServer):
    daemon_threads = True


class QuietHandler(WSGIRequestHandler):
    def log_message(self, *args):
        pass


def the_worker_runs():
    """What the task worker does every minute (pki.tasks.refresh_revocation_data_task): the delegated OCSP
    responder's certificate, the pre-signed OCSP answers and the CRL, which the revocation responder only serves."""
    ocsp_prepared.refresh_prepared()
    revocation.current_crls()


@contextlib.contextmanager
def worker_running(every: float = 0.5):
    """the_worker_runs in a thread, as production's worker does every minute (here more often)."""
    from django.db import connection

    stop = threading.Event()

    def work():
        # time.sleep, not stop.wait(every): under libfaketime (make test-at) a timed wait on a lock can sleep for the
        # length of the clock's offset, while sleep keeps real time.
        try:
            while not stop.is_set():
                time.sleep(every)
                the_worker_runs()
        finally:
            connection.close()

    the_worker_runs()
    thread = threading.Thread(target=work, daemon=True)
    thread.start()
    try:
        yield
    finally:
        stop.set()
        thread.join(10)


@pytest.fixture(params=["portal", "responder"])
def production_server(request, transactional_db, test_ca, tmp_path):
    """What production serves these paths with, on a local port; returns its base URL. "portal":
    naccs.wsgi.application (the WSGI fast path in front of Django) in this process; "responder": the revocation
    responder itself, `gunicorn -k asgi naccs.responder`, against this test's database, with the worker that
    publishes what it serves (it never signs with the CA key)."""
    if request.param == "portal":
        with portal_server() as url:
            yield url
        return
    with worker_running(), responder_server(test_ca, tmp_path) as url:
        yield url


@contextlib.contextmanager
def portal_server():
    """naccs.wsgi.application, as gunicorn serves it, in a thread of this process; its base URL."""
    from naccs.wsgi import application

    server = make_server("127.0.0.1", 0, application, server_class=ThreadingServer, handler_class=QuietHandler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        yield f"http://127.0.0.1:{server.server_port}"
    finally:
        server.shutdown()
        server.server_close()


@contextlib.contextmanager
def responder_server(ca_dir, tmp_path):
    """`gunicorn -k asgi naccs.responder` with one worker against this test's database; its base URL."""
    port = free_port()
    env = {**os.environ, "DATABASE_URL": database_url(), "CA_DIR": str(ca_dir), "PYTHONPATH": str(ROOT),
           "VAR_DIR": str(tmp_path / "responder"), "LOG_LEVEL": "WARNING"}  # fmt: skip
    command = [sys.executable, "-m", "gunicorn", "-k", "asgi", "naccs.responder", "--workers", "1", "--bind",
               f"127.0.0.1:{port}"]  # fmt: skip
    server = subprocess.Popen(command, cwd=ROOT, env=env, stderr=subprocess.DEVNULL)
    try:
        wait_for_port(port, server)
        yield f"http://127.0.0.1:{port}"
    finally:
        server.terminate()
        server.wait()


@contextlib.contextmanager
def tls_proxy(base, ca_dir, *, app_address: str, **environment):
    """Debian's nginx in front of `app_address`, started by scripts/serve-tls as `make serve` starts it (its
    variables in `environment`: RESPONDER_ADDRESS, HTTP_PORT); its HTTPS base URL. Its files go under `base`."""
    port = free_port()
    env = {
        **os.environ,
        "HTTPS_HOST": "127.0.0.1",
        "HTTPS_PORT": str(port),
        "HTTP_PORT": str(free_port()),  # its plain-HTTP listener; a test that asks it passes its own
        "APP_ADDRESS": app_address,
        "TLS_DIR": str(base / "tls"),
        "NGINX_DIR": str(base / "nginx"),
        "VAR_DIR": str(base / "var"),
        "TLS_PROXY_SECRET": PROXY_SECRET,
        "CA_DIR": str(ca_dir),
        "CA_PASSPHRASE": settings.CA_PASSPHRASE,
        "PYTHON": sys.executable,
        **environment,
    }
    base.mkdir(parents=True, exist_ok=True)
    with (base / "serve-tls.log").open("w") as log:
        process = subprocess.Popen(
            [str(ROOT / "scripts/serve-tls")], env=env, cwd=ROOT, stdout=log, stderr=log, start_new_session=True
        )
        try:
            wait_for_port(port, process)
            yield f"https://127.0.0.1:{port}"
        finally:
            os.killpg(process.pid, signal.SIGTERM)
            process.wait(10)
