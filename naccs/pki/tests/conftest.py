import subprocess
import threading
from datetime import timedelta
from socketserver import ThreadingMixIn
from wsgiref.simple_server import WSGIRequestHandler, WSGIServer, make_server

import pytest
from cryptography.hazmat.primitives import serialization
from django.utils import timezone

from naccs.pki import acquisition, ca, issuance, published
from naccs.terminals.models import LogicalTerminal

CODES = ("NAC11110A", "ABCDE00001", "NACCS")
P12_PASSWORD = "p12-pass-2026"


def make_terminal(company, name="11110A", codes=CODES):
    return LogicalTerminal.objects.create(
        company=company,
        name=name,
        category=LogicalTerminal.Category.SEA,
        device_type=LogicalTerminal.DeviceType.NET,
        auth_code1=codes[0],
        auth_code2=codes[1],
        auth_code3=codes[2],
    )


def certify(terminal, *, age_days):
    """A real certificate issued `age_days` ago, valid one year from then."""
    issued = timezone.now() - timedelta(days=age_days)
    return issuance.issue_certificate(
        terminal=terminal,
        public_key=ca.new_private_key("ec").public_key(),
        not_before=issued,
        not_after=issued + timedelta(days=365),
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
    published.recent_ocsp.clear()
    published.recent_crl.clear()


@pytest.fixture
def answers_kept(monkeypatch):
    monkeypatch.setattr(published, "RECENT_SECONDS", PRODUCTION_RECENT_SECONDS)


PRODUCTION_RECENT_SECONDS = published.RECENT_SECONDS


@pytest.fixture
def terminal(company):
    return make_terminal(company)


@pytest.fixture
def renewable(terminal):
    """A terminal whose certificate expires in 15 days: inside the 28-day window."""
    certify(terminal, age_days=350)
    return terminal


class ThreadingServer(ThreadingMixIn, WSGIServer):
    daemon_threads = True


class QuietHandler(WSGIRequestHandler):
    def log_message(self, *args):
        pass


@pytest.fixture
def production_server(transactional_db):
    """What gunicorn serves in production, naccs.wsgi.application (the WSGI fast path for /pki/ocsp and /pki/crl
    in front of Django), on a local port; returns its base URL."""
    from naccs.wsgi import application

    server = make_server("127.0.0.1", 0, application, server_class=ThreadingServer, handler_class=QuietHandler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()
    server.server_close()
