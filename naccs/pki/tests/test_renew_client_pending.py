"""naccs-renew (installed into a fresh virtual environment) against the real nginx and portal, where an answer is lost
on its way back: the request is kept (FILE.pending) and sent again with the same key, and the portal's retry answers
it with the certificate already issued (issue 29, "a lost response is recovered"). And `acquire`, the first 取得 with
the 認証コード.

How the answer is lost, for real: a TCP relay between nginx and the portal (what a proxy or a network cut does) passes
the simplereenroll request on and, once the portal has issued, either drops the answer (nginx then answers 502) or
holds it while the client is killed with SIGKILL (a terminal switched off mid-renewal)."""

import contextlib
import os
import signal
import socket
import subprocess
import threading
import time
from datetime import timedelta

import pytest
from cryptography.hazmat.primitives.serialization import pkcs12
from django.utils import timezone

from naccs.audit.models import AuditEvent
from naccs.pki import pickups
from naccs.pki.models import ESTRenewal
from naccs.terminals.models import Certificate
from naccs.tests.helpers import CODES

from .conftest import P12_PASSWORD, tls_proxy, uncertified_terminal
from .test_renew_client import client, holding_p12, naccs_renew, nginx, p12, trusted_proxy

__all__ = ["naccs_renew", "nginx", "p12", "trusted_proxy"]  # the fixtures of test_renew_client, used here too
pytestmark = [pytest.mark.layout, pytest.mark.django_db(transaction=True)]
RENEWAL = b"POST /.well-known/est/simplereenroll "


class Relay:
    """Between nginx and the portal: passes everything, except that the answer to the next simplereenroll is
    dropped (`mode = "drop"`: the connection closed, so nginx answers 502) or held until the relay is closed
    (`mode = "hold"`). One connection per request: nginx does not keep connections to the app alive."""

    def __init__(self, upstream: str):
        host, port = upstream.rsplit(":", 1)
        self.upstream = (host, int(port))
        self.listener = socket.create_server(("127.0.0.1", 0))
        self.address = f"127.0.0.1:{self.listener.getsockname()[1]}"
        self.mode = "pass"
        self.lost = 0
        self.held: list[socket.socket] = []
        threading.Thread(target=self.accept, daemon=True).start()

    def accept(self):
        with contextlib.suppress(OSError):
            while True:
                downstream, _ = self.listener.accept()
                threading.Thread(target=self.serve, args=(downstream,), daemon=True).start()

    def serve(self, downstream):
        upstream = socket.create_connection(self.upstream)
        first = downstream.recv(65536)
        loses = self.mode != "pass" and first.startswith(RENEWAL)
        if loses:
            self.lost += 1
            mode, self.mode = self.mode, "pass"  # only this one answer is lost
        upstream.sendall(first)
        threading.Thread(target=pump, args=(downstream, upstream), daemon=True).start()
        if not loses:
            pump(upstream, downstream)
            return
        answer = b"".join(iter(lambda: upstream.recv(65536), b""))  # the portal answered in full ...
        assert answer.startswith(b"HTTP/1.1 200"), answer[:200]
        if mode == "hold":
            self.held.append(downstream)  # ... and nginx waits for it in vain
        else:
            downstream.shutdown(socket.SHUT_RDWR)  # nginx reads the end of the connection: 502
            downstream.close()

    def close(self):
        self.listener.close()
        for held in self.held:
            held.close()


def pump(source, target):
    with contextlib.suppress(OSError):
        while data := source.recv(65536):
            target.sendall(data)
    with contextlib.suppress(OSError):
        target.shutdown(socket.SHUT_WR)


@pytest.fixture
def relayed(live_server, session_ca_dir, tmp_path):
    """nginx (scripts/serve-tls) in front of the relay in front of the portal; (nginx's URL, the relay)."""
    relay = Relay(live_server.url.removeprefix("http://"))
    try:
        with tls_proxy(tmp_path / "proxy", session_ca_dir, app_address=relay.address) as url:
            yield url, relay
    finally:
        relay.close()


def test_a_client_killed_before_the_answer_gets_the_same_certificate_on_the_next_run(
    naccs_renew, relayed, company, p12
):
    url, relay = relayed
    current = holding_p12(uncertified_terminal(company), p12, expires_at=timezone.now() + timedelta(days=15))
    relay.mode = "hold"
    environment = dict(os.environ, NACCS_RENEW_PASSWORD=P12_PASSWORD)
    first = subprocess.Popen(
        [str(naccs_renew), "run", "--p12", str(p12), "--server", url], env=environment,
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )  # fmt: skip
    try:
        deadline = time.monotonic() + 60
        while not Certificate.objects.filter(revoked_at__isnull=True).exclude(pk=current.pk).exists():
            assert time.monotonic() < deadline and first.poll() is None, "the renewal never reached the portal"
            time.sleep(0.1)
        time.sleep(0.5)  # the portal's answer reaches the relay, which keeps it
        first.send_signal(signal.SIGKILL)  # the terminal is switched off before the answer arrives
    finally:
        first.wait(10)
    assert relay.lost == 1
    renewed = Certificate.objects.get(revoked_at__isnull=True)
    assert p12.with_name("11110A.p12.pending").exists()  # the key of the request on its way

    again = client(naccs_renew, "run", "--p12", str(p12), "--server", url)
    assert again.returncode == 0, again.stderr
    assert "更新しました" in again.stdout
    # One new certificate: the one issued for the lost answer, now in the file with the key kept for it.
    assert Certificate.objects.filter(terminal=current.terminal).count() == 2
    key, certificate, _ = pkcs12.load_key_and_certificates(p12.read_bytes(), P12_PASSWORD.encode())
    assert f"{certificate.serial_number:x}" == renewed.serial and certificate.public_key() == key.public_key()
    assert AuditEvent.objects.filter(action="est.answered_again").count() == 1
    assert ESTRenewal.objects.count() == 1
    assert not p12.with_name("11110A.p12.pending").exists()


def test_an_answer_dropped_on_the_way_is_asked_again_in_the_same_run(naccs_renew, relayed, company, p12):
    url, relay = relayed
    current = holding_p12(uncertified_terminal(company), p12, expires_at=timezone.now() + timedelta(days=15))
    relay.mode = "drop"
    done = client(naccs_renew, "renew", "--p12", str(p12), "--server", url)
    assert done.returncode == 0, done.stderr
    assert relay.lost == 1
    assert "同じ要求を 2 秒後に再送します" in done.stderr and "HTTP 502" in done.stderr
    current.refresh_from_db()
    assert current.revocation_reason == Certificate.RevocationReason.SUPERSEDED
    _, certificate, _ = pkcs12.load_key_and_certificates(p12.read_bytes(), P12_PASSWORD.encode())
    assert f"{certificate.serial_number:x}" == Certificate.objects.get(revoked_at__isnull=True).serial
    assert Certificate.objects.count() == 2


def test_acquire_with_the_codes_writes_a_new_p12_under_the_password(naccs_renew, nginx, company, p12, monkeypatch):
    pickups.open_pickup(terminal=uncertified_terminal(company))
    monkeypatch.setenv("NACCS_RENEW_AUTH_CODES", " ".join(CODES).lower())  # as typed, in any case
    ca_file = str(nginx.tls_dir / "client-ca.pem")
    done = client(naccs_renew, "acquire", "--terminal", "11110A", "--p12", str(p12), "--server", nginx.url,
                  "--ca-file", ca_file)  # fmt: skip
    assert done.returncode == 0, done.stderr
    assert "取得しました: 論理端末 11110A" in done.stdout
    key, certificate, _ = pkcs12.load_key_and_certificates(p12.read_bytes(), P12_PASSWORD.encode())
    assert f"{certificate.serial_number:x}" == Certificate.objects.get().serial
    assert certificate.public_key() == key.public_key()
    assert p12.stat().st_mode & 0o077 == 0 and not p12.with_name("11110A.p12.pending").exists()

    status = client(naccs_renew, "status", "--p12", str(p12))  # the file works with the other commands
    assert status.returncode == 0 and "論理端末 / terminal: 11110A" in status.stdout

    again = client(naccs_renew, "acquire", "--terminal", "11110A", "--p12", str(p12), "--server", nginx.url,
                   "--ca-file", ca_file)  # fmt: skip
    assert again.returncode == 4  # the pickup is used up
    assert "ポータルが取得を拒否しました" in again.stderr and "現在のデジタル証明書は有効です" in again.stderr

    monkeypatch.setenv("NACCS_RENEW_AUTH_CODES", "WRONG-WRONG-WRONG")
    wrong = client(naccs_renew, "acquire", "--terminal", "11110A", "--p12", str(p12), "--server", nginx.url,
                   "--ca-file", ca_file)  # fmt: skip
    assert wrong.returncode == 4 and "HTTP 401" in wrong.stderr
    assert "論理端末名または認証コードが正しくありません" in wrong.stderr

    monkeypatch.delenv("NACCS_RENEW_AUTH_CODES")
    none = client(naccs_renew, "acquire", "--terminal", "11110A", "--p12", str(p12), "--server", nginx.url)
    assert none.returncode == 2 and "認証コードがありません" in none.stderr
    typed = client(naccs_renew, "acquire", "--terminal", "11110A", "--p12", str(p12), "--server", nginx.url,
                   "--codes", "A-B-C")  # fmt: skip
    assert typed.returncode == 2  # no option takes the codes themselves
