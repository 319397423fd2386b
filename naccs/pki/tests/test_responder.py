"""The revocation responder (`gunicorn -k asgi naccs.responder`): only the revocation paths, over keep-alive, an
answer given within RECENT_SECONDS sent without the database, and a clear 503 when the data cannot be read."""

import asyncio
import concurrent.futures
import http.client
import os
import ssl
import subprocess
import sys
import time
import urllib.error
import urllib.parse
import urllib.request

import pytest
from cryptography.hazmat.primitives import hashes
from cryptography.x509 import ocsp

from naccs.pki import ca, ocsp_signer, published, revocation
from naccs.terminals.models import Certificate
from naccs.tests.helpers import free_port

from .conftest import ROOT, responder_server, the_worker_runs, tls_proxy
from .test_prepared import request_for

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def responder(renewable, test_ca, tmp_path):
    the_worker_runs()  # publishes what the responder serves: it never signs with the CA key
    with responder_server(test_ca, tmp_path) as url:
        yield url


def status_of(url, data=None) -> int:
    try:
        with urllib.request.urlopen(urllib.request.Request(url, data=data), timeout=5) as response:
            return response.status
    except urllib.error.HTTPError as error:
        return error.code


def test_the_responder_answers_only_the_revocation_paths(responder):
    assert status_of(f"{responder}/pki/crl") == 200
    assert status_of(f"{responder}/accounts/login/") == 404
    assert status_of(f"{responder}/pki/acquire/") == 404
    assert status_of(f"{responder}/pki/ocsp", data=b"\x30" * (published.MAX_OCSP_REQUEST + 1)) == 413


def test_one_connection_carries_many_answers(responder, renewable):
    """Keep-alive: what lets one process answer thousands of handshakes a second (bench/README.md)."""
    der = request_for(renewable.certificates.get())
    address = urllib.parse.urlsplit(responder).netloc
    connection = http.client.HTTPConnection(address, timeout=5)
    sockets = []
    try:
        for _ in range(3):
            connection.request("POST", "/pki/ocsp", body=der, headers={"Content-Type": "application/ocsp-request"})
            response = connection.getresponse()
            assert response.status == 200 and response.getheader("Content-Type") == "application/ocsp-response"
            assert ocsp.load_der_ocsp_response(response.read()).certificate_status == ocsp.OCSPCertStatus.GOOD
            sockets.append(connection.sock)  # None once the server closed it (http.client would open another)
        assert sockets[0] is not None and sockets == [sockets[0]] * 3
    finally:
        connection.close()


def test_the_crl_is_unavailable_with_a_reason_before_the_worker_published_one(tmp_path):
    with responder_server(tmp_path / "no-ca", tmp_path) as url, pytest.raises(urllib.error.HTTPError) as refused:
        urllib.request.urlopen(f"{url}/pki/crl", timeout=5)
    assert refused.value.code == 503 and refused.value.headers["Retry-After"] == "10"


def run_apart(coroutine):
    """asyncio.run in a thread of its own: the browser tests' Playwright keeps an event loop running in this one."""
    with concurrent.futures.ThreadPoolExecutor(max_workers=1) as thread:
        return thread.submit(asyncio.run, coroutine).result()


def ask(path: str, method: str = "GET", body: bytes = b"") -> tuple[int, dict, bytes]:
    """One request to the ASGI application in this process: status, headers, body."""
    sent = []

    async def receive():
        return {"type": "http.request", "body": body, "more_body": False}

    async def send(message):
        sent.append(message)

    scope = {"type": "http", "method": method, "path": path, "headers": [(b"host", b"responder")]}
    run_apart(published.RevocationResponder()(scope, receive, send))
    return sent[0]["status"], dict(sent[0]["headers"]), sent[1]["body"]


def test_an_answer_given_within_the_recent_seconds_is_sent_without_the_database(renewable, answers_kept, monkeypatch):
    certificate = renewable.certificates.get()
    the_worker_runs()
    der = request_for(certificate)
    first_ocsp, first_crl = ask("/pki/ocsp", "POST", der), ask("/pki/crl")
    assert first_ocsp[0] == 200 and first_crl[0] == 200

    def no_database(*args):
        raise AssertionError("the database was asked again")

    monkeypatch.setattr(published, "answer_with_database", no_database)
    assert ask("/pki/ocsp", "POST", der) == first_ocsp
    assert ask("/pki/crl") == first_crl
    with pytest.raises(AssertionError, match="asked again"):  # another question does need it
        ask("/pki/ocsp", "POST", request_for(certificate, hashes.SHA256()))


def test_nginx_sends_the_revocation_paths_to_the_responder(responder, test_ca, tmp_path):
    """deploy/nginx: with RESPONDER_ADDRESS set, OCSP and the CRL reach the responder; the portal's pages (here an
    address where nothing listens) do not."""
    nowhere = f"127.0.0.1:{free_port()}"
    with tls_proxy(tmp_path / "nginx", test_ca, app_address=nowhere,
                   RESPONDER_ADDRESS=responder.removeprefix("http://")) as url:  # fmt: skip
        trust = ssl.create_default_context(cafile=tmp_path / "nginx" / "tls" / "client-ca.pem")
        with urllib.request.urlopen(f"{url}/pki/crl", timeout=5, context=trust) as response:
            assert response.status == 200 and response.headers["Content-Type"] == "application/pkix-crl"
        with pytest.raises(urllib.error.HTTPError) as portal:
            urllib.request.urlopen(f"{url}/accounts/login/", timeout=5, context=trust)
        assert portal.value.code == 502


def start_up() -> list[dict]:
    """The ASGI lifespan startup, as gunicorn runs it before the first request; what the application sent."""
    sent, messages = [], [{"type": "lifespan.startup"}, {"type": "lifespan.shutdown"}]

    async def receive():
        return messages.pop(0)

    async def send(message):
        sent.append(message)

    run_apart(published.RevocationResponder()({"type": "lifespan"}, receive, send))
    return sent


def test_the_responder_never_opens_the_ca_key_and_opens_its_own_at_startup(renewable, monkeypatch):
    """Issue 25 #3: the most exposed process holds only the delegated responder's key (a few days' life, OCSP
    only). It opens that key before the first request, and whatever it is asked, never the CA's."""
    certificate = renewable.certificates.get()
    asked_sha1, asked_sha512 = request_for(certificate), request_for(certificate, hashes.SHA512())
    the_worker_runs()
    ca._load.cache_clear()  # as in a new process
    ocsp_signer.forget()
    ocsp_signer._opened.cache_clear()

    def no_ca():
        raise AssertionError("the responder asked for the CA")

    monkeypatch.setattr(ca, "get_authority", no_ca)
    monkeypatch.setattr(ca, "read_key", no_ca)
    assert start_up() == [{"type": "lifespan.startup.complete"}, {"type": "lifespan.shutdown.complete"}]
    opened, opening = [], ocsp_signer.pkcs12.load_key_and_certificates
    monkeypatch.setattr(ocsp_signer.pkcs12, "load_key_and_certificates", lambda *args: opened.append(args))

    def status(der):
        answered, _, body = ask("/pki/ocsp", "POST", der)
        assert answered == 200
        return ocsp.load_der_ocsp_response(body).certificate_status

    assert status(asked_sha1) == ocsp.OCSPCertStatus.GOOD  # pre-signed by the worker
    assert status(asked_sha512) == ocsp.OCSPCertStatus.GOOD  # signed when asked
    assert ask("/pki/crl")[0] == 200
    revocation.revoke_certificate(certificate=certificate, reason=Certificate.RevocationReason.KEY_COMPROMISE)
    assert status(asked_sha1) == ocsp.OCSPCertStatus.REVOKED  # re-signed at once, by the responder
    assert opened == []
    monkeypatch.setattr(ocsp_signer.pkcs12, "load_key_and_certificates", opening)


def test_the_same_question_asked_at_once_reads_the_database_once(renewable, monkeypatch):
    """When an answer ages out every connection asks for it again at the same moment: one read, one answer."""
    der = request_for(renewable.certificates.get())
    the_worker_runs()
    reads, read = [], published.answer_with_database

    def slow_read(*args):
        reads.append(args[1])
        time.sleep(0.2)  # long enough for every question below to arrive meanwhile
        return read(*args)

    monkeypatch.setattr(published, "answer_with_database", slow_read)
    application = published.RevocationResponder()

    async def ask_once():
        sent = []

        async def receive():
            return {"type": "http.request", "body": der, "more_body": False}

        async def send(message):
            sent.append(message)

        await application({"type": "http", "method": "POST", "path": "/pki/ocsp", "headers": []}, receive, send)
        return sent[1]["body"]

    async def ask_at_once():
        return await asyncio.gather(*(ask_once() for _ in range(10)))

    bodies = run_apart(ask_at_once())
    assert reads == ["/pki/ocsp"] and len(set(bodies)) == 1
    assert ocsp.load_der_ocsp_response(bodies[0]).certificate_status == ocsp.OCSPCertStatus.GOOD


@pytest.mark.parametrize("passphrase", ["given-to-every-process-2026", None], ids=["in-its-environment", "not-set"])
def test_the_responder_process_is_never_given_the_ca_passphrase(test_ca, tmp_path, settings, passphrase):
    """Production settings: the responder starts without CA_PASSPHRASE (nor PKCS11_PIN, with the CA key in an HSM),
    and even when its environment carries them it cannot open the CA key."""
    env = {key: value for key, value in os.environ.items() if key not in {"CA_PASSPHRASE", "PKCS11_PIN"}}
    env |= {"DJANGO_DEBUG": "0", "SECRET_KEY": "k" * 60, "VAR_DIR": str(tmp_path), "CA_DIR": str(test_ca)}
    if passphrase:
        env["CA_PASSPHRASE"] = env["PKCS11_PIN"] = passphrase
    code = (
        "import naccs.responder\n"
        "from django.conf import settings\n"
        "from naccs.pki import ca\n"
        "print(repr((settings.CA_PASSPHRASE, settings.PKCS11_PIN)))\n"
        "ca.get_authority()\n"
    )
    result = subprocess.run([sys.executable, "-c", code], cwd=ROOT, env=env, capture_output=True, text=True)
    assert result.stdout.strip() == "('', '')", result.stderr
    secret = "PKCS11_PIN" if settings.CA_KEY_BACKEND == "pkcs11" else "CA_PASSPHRASE"
    assert result.returncode != 0 and f"{secret} is not set" in result.stderr
