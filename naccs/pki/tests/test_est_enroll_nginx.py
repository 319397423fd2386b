"""EST simpleenroll with 認証コード through Debian's nginx (issue 29 item 3): `openssl req` makes the key, `curl
--user` sends the terminal's name and codes inside TLS without a client certificate (`ssl_verify_client optional`),
and the certificate it gets passes mutual TLS. Over plain HTTP the app never sees the codes."""

import pytest

from naccs.accounts.models import FailureCount
from naccs.audit.models import AuditEvent
from naccs.pki import pickups
from naccs.terminals.models import Certificate
from naccs.tests.helpers import CODES, free_port

from .conftest import tls_proxy, uncertified_terminal
from .test_est_nginx import curl, handshake, make_request, nginx, print_certs, run, trusted_proxy, workdir

__all__ = ["nginx", "trusted_proxy", "workdir"]  # the fixtures of test_est_nginx, used here too
pytestmark = [pytest.mark.layout, pytest.mark.django_db(transaction=True)]
CREDENTIALS = f"11110A:{'-'.join(CODES)}"


def enroll(workdir, url, credentials=CREDENTIALS, *extra):
    return curl(
        workdir, f"{url}/.well-known/est/simpleenroll", "-H", "Content-Type: application/pkcs10",
        "--data-binary", "@new.csr", "--user", credentials, *extra, certificate=None,
    )  # fmt: skip


@pytest.fixture
def picked(company):
    terminal = uncertified_terminal(company)
    pickups.open_pickup(terminal=terminal)
    return terminal


def test_curl_with_the_codes_gets_a_certificate_that_passes_mutual_tls(workdir, nginx, picked):
    make_request(workdir)
    status, answer = enroll(workdir, nginx.url)
    assert status == 200, answer.decode()
    assert "CN=11110A" in print_certs(workdir, answer).replace(" ", "")
    issued = Certificate.objects.get(terminal=picked)
    assert AuditEvent.objects.get(action="certificate.issued").actor_label == "127.0.0.1"

    _, crl = curl(workdir, f"{nginx.url}/pki/crl.pem", certificate=None)
    (workdir / "crl.pem").write_bytes(crl)
    (workdir / "new.key").rename(workdir / "acquired.key")
    (workdir / "new.pem").rename(workdir / "acquired.pem")
    assert b"CN=11110A" in handshake(workdir, nginx, "acquired").replace(b" ", b"")
    assert issued.revoked_at is None


def test_wrong_codes_through_nginx_are_asked_again_with_basic(workdir, nginx, picked):
    make_request(workdir)
    status, answer = enroll(workdir, nginx.url, "11110A:WRONG-WRONG-WRONG", "-D", "headers")
    assert status == 401
    assert "論理端末名または認証コードが正しくありません" in answer.decode()
    headers = (workdir / "headers").read_text().lower()
    assert 'www-authenticate: basic realm="naccs est", charset="utf-8"' in headers
    # Counted against the client's own address, as nginx passes it (X-Forwarded-For), like the 取得 page's.
    assert FailureCount.objects.get(scope="acquire.terminal+address").key == "11110A 127.0.0.1"
    assert not Certificate.objects.exists()


def test_over_plain_http_the_codes_never_reach_the_app(workdir, live_server, session_ca_dir, tmp_path, picked):
    make_request(workdir)
    http_port = free_port()
    address = live_server.url.removeprefix("http://")
    with tls_proxy(tmp_path / "plain", session_ca_dir, app_address=address, HTTP_PORT=str(http_port)):
        done = post_plain(workdir, http_port)
    assert done.stdout == b"301"  # sent to https, not answered
    assert not FailureCount.objects.exists() and not AuditEvent.objects.filter(action="est.refused").exists()
    assert not Certificate.objects.exists()


def post_plain(workdir, http_port):
    return run(
        "curl", "-sS", "-o", "/dev/null", "-w", "%{http_code}", "--user", CREDENTIALS, "-H",
        "Content-Type: application/pkcs10", "--data-binary", "@new.csr",
        f"http://127.0.0.1:{http_port}/.well-known/est/simpleenroll", cwd=workdir,
    )  # fmt: skip
