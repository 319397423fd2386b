"""EST through Debian's nginx with real clients: `openssl req` makes the request, `curl` presents the current
certificate and posts it, `openssl pkcs7` reads the answer, and the new certificate passes a mutual-TLS handshake
with `openssl s_server` (which refuses the superseded one by the CRL)."""

import shutil
import subprocess
import sys
from datetime import timedelta
from pathlib import Path
from types import SimpleNamespace

import pytest
from cryptography.hazmat.primitives import serialization
from django.conf import settings as django_settings
from django.utils import timezone

from naccs.pki import ca, issuance, revocation
from naccs.terminals.models import Certificate
from naccs.tests.helpers import free_port

from .conftest import tls_proxy, uncertified_terminal
from .est_helpers import PROXY_SECRET

pytestmark = [
    pytest.mark.layout,
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(not shutil.which("nginx") and not Path("/usr/sbin/nginx").exists(), reason="needs nginx"),
]
BASE_DIR = Path(django_settings.BASE_DIR)


@pytest.fixture(scope="module")
def nginx(live_server, session_ca_dir, tmp_path_factory):
    """nginx in front of the live server, started by scripts/serve-tls as `make serve` starts it."""
    base = tmp_path_factory.mktemp("nginx")
    with tls_proxy(base, session_ca_dir, app_address=live_server.url.removeprefix("http://")) as url:
        yield SimpleNamespace(url=url, tls_dir=base / "tls")


@pytest.fixture(autouse=True)
def trusted_proxy(settings):
    settings.TLS_PROXY_SECRET = PROXY_SECRET


def run(*args, cwd, input_bytes=None):
    return subprocess.run(list(args), cwd=cwd, capture_output=True, input=input_bytes, timeout=60)


def test_the_proxy_secret_is_only_in_files_no_other_user_can_read(nginx):
    """Issue 24 #1: with the secret, any local user could pass a victim's certificate to the app and renew it."""
    nginx_dir = nginx.tls_dir.parent / "nginx"
    config, secret = nginx_dir / "nginx.conf", nginx_dir / "proxy-secret.conf"
    assert PROXY_SECRET not in config.read_text()
    assert f"include {secret};" in config.read_text()
    assert PROXY_SECRET in secret.read_text()
    for path in (nginx_dir, config, secret, nginx_dir / "access.log", nginx.tls_dir / "server-key.pem"):
        assert path.stat().st_mode & 0o077 == 0, f"{path}: {path.stat().st_mode:o}"


def holding(terminal, directory: Path, *, age_days: int, name="current") -> Certificate:
    """A terminal's real certificate issued `age_days` ago and valid 1年間, with its key in `directory` (name.pem,
    name.key)."""
    key = ca.new_private_key("ec")
    issued = timezone.now() - timedelta(days=age_days)
    certificate = issuance.issue_certificate(
        terminal=terminal, public_key=key.public_key(), not_before=issued, not_after=issuance.certificate_expiry(issued)
    )
    (directory / f"{name}.pem").write_text(certificate.pem)
    (directory / f"{name}.key").write_bytes(
        key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption())
    )
    return certificate


@pytest.fixture
def workdir(tmp_path, nginx):
    shutil.copy(nginx.tls_dir / "client-ca.pem", tmp_path / "ca.pem")
    return tmp_path


def make_request(workdir, name="11110A"):
    """openssl req: a new RSA-2048 key and its PKCS#10, as base64 DER (RFC 7030)."""
    made = run(
        "openssl", "req", "-new", "-newkey", "rsa:2048", "-nodes", "-keyout", "new.key", "-subj", f"/CN={name}",
        "-outform", "DER", "-out", "new.csr.der", cwd=workdir,
    )  # fmt: skip
    assert made.returncode == 0, made.stderr
    assert run("openssl", "base64", "-in", "new.csr.der", "-out", "new.csr", cwd=workdir).returncode == 0


def curl(workdir, url, *args, certificate="current"):
    """curl presenting `certificate` (None: no client certificate); returns (HTTP status, body)."""
    client = ["--cert", f"{certificate}.pem", "--key", f"{certificate}.key"] if certificate else []
    done = run(
        "curl", "-sS", "--cacert", "ca.pem", *client, "-o", "answer", "-w", "%{http_code}", *args, url, cwd=workdir
    )
    assert done.returncode == 0, done.stderr
    return int(done.stdout), (workdir / "answer").read_bytes()


def reenroll(workdir, nginx, certificate="current", *extra):
    return curl(
        workdir, f"{nginx.url}/.well-known/est/simplereenroll", "-H", "Content-Type: application/pkcs10",
        "--data-binary", "@new.csr", *extra, certificate=certificate,
    )  # fmt: skip


def print_certs(workdir, answer: bytes) -> str:
    (workdir / "answer.b64").write_bytes(answer)
    assert run("openssl", "base64", "-d", "-in", "answer.b64", "-out", "answer.p7", cwd=workdir).returncode == 0
    printed = run(
        "openssl", "pkcs7", "-inform", "DER", "-in", "answer.p7", "-print_certs", "-out", "new.pem", cwd=workdir
    )
    assert printed.returncode == 0, printed.stderr
    return (workdir / "new.pem").read_text()


def handshake(workdir, nginx, certificate: str) -> bytes:
    """openssl s_client presenting `certificate` to openssl s_server, which requires a client certificate of our CA
    and checks the CRL; returns the page s_server answers (it names the client certificate it accepted)."""
    port = free_port()
    server = subprocess.Popen(
        ["openssl", "s_server", "-accept", f"127.0.0.1:{port}", "-cert", str(nginx.tls_dir / "server-cert.pem"),
         "-key", str(nginx.tls_dir / "server-key.pem"), "-CAfile", "ca.pem", "-Verify", "1", "-verify_return_error",
         "-CRL", "crl.pem", "-crl_check", "-naccept", "1", "-www"],
        cwd=workdir, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL,
    )  # fmt: skip
    try:
        # Listening once it says so (a connection to probe it would use up its one accept).
        while server.stdout.readline().strip() != b"ACCEPT":
            assert server.poll() is None, "s_server did not start"
        client = run(
            "openssl", "s_client", "-connect", f"127.0.0.1:{port}", "-cert", f"{certificate}.pem",
            "-key", f"{certificate}.key", "-CAfile", "ca.pem", "-verify_return_error", "-quiet",
            cwd=workdir, input_bytes=b"GET / HTTP/1.0\r\n\r\n",
        )  # fmt: skip
        return client.stdout
    finally:
        server.kill()
        server.wait(5)


def test_a_terminal_renews_with_curl_and_its_new_certificate_passes_mutual_tls(nginx, workdir, company):
    current = holding(uncertified_terminal(company), workdir, age_days=350)  # expires in 15 days
    make_request(workdir)
    status, answer = reenroll(workdir, nginx)
    assert status == 200, answer.decode()
    printed = print_certs(workdir, answer)
    assert "CN=11110A" in printed.replace(" ", "") and "BEGIN CERTIFICATE" in printed
    current.refresh_from_db()
    assert current.revocation_reason == Certificate.RevocationReason.SUPERSEDED

    status, crl = curl(workdir, f"{nginx.url}/pki/crl.pem", certificate=None)
    (workdir / "crl.pem").write_bytes(crl)
    page = handshake(workdir, nginx, "new")
    assert b"Client certificate" in page and b"CN=11110A" in page.replace(b" ", b"")
    assert b"Client certificate" not in handshake(workdir, nginx, "current")  # superseded: revoked in the CRL


def test_cacerts_reads_back_with_openssl_pkcs7(nginx, workdir):
    status, answer = curl(workdir, f"{nginx.url}/.well-known/est/cacerts", certificate=None)
    assert status == 200
    assert "NACCS Support Test CA" in print_certs(workdir, answer)


def test_a_request_sent_again_gets_the_same_certificate_and_a_new_one_is_refused_as_renewed(nginx, workdir, company):
    """A lost answer: curl sends the same request again and gets the certificate already issued; a request with
    another key is a second renewal, refused."""
    holding(uncertified_terminal(company), workdir, age_days=350)
    make_request(workdir)
    status, first = reenroll(workdir, nginx)
    assert status == 200, first.decode()
    status, again = reenroll(workdir, nginx)
    assert status == 200, again.decode()
    assert again == first
    make_request(workdir)
    status, answer = reenroll(workdir, nginx)
    assert status == 403
    assert "更新済み" in answer.decode()


def test_without_a_client_certificate_it_answers_401(nginx, workdir, company):
    holding(uncertified_terminal(company), workdir, age_days=350)
    make_request(workdir)
    status, answer = reenroll(workdir, nginx, None)
    assert status == 401
    assert "クライアント証明書がありません" in answer.decode()


def test_headers_a_client_sends_itself_are_not_believed(nginx, workdir, company):
    from urllib.parse import quote

    current = holding(uncertified_terminal(company), workdir, age_days=350)
    make_request(workdir)
    forged = ("-H", f"X-SSL-Client-Cert: {quote(current.pem)}", "-H", "X-SSL-Client-Verify: SUCCESS",
              "-H", f"X-TLS-Proxy-Secret: {PROXY_SECRET}")  # fmt: skip
    status, _ = reenroll(workdir, nginx, None, *forged)
    assert status == 401
    current.refresh_from_db()
    assert current.revoked_at is None


def test_a_revoked_certificate_is_refused(nginx, workdir, company):
    current = holding(uncertified_terminal(company), workdir, age_days=350)
    revocation.revoke_certificate(certificate=current, reason=Certificate.RevocationReason.KEY_COMPROMISE)
    make_request(workdir)
    status, answer = reenroll(workdir, nginx)
    assert status == 403
    assert "失効しています" in answer.decode()


def test_a_certificate_of_another_ca_is_refused_by_nginx(nginx, workdir, company):
    holding(uncertified_terminal(company), workdir, age_days=350)
    made = run(
        "openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes",
        "-keyout", "foreign.key", "-out", "foreign.pem", "-subj", "/CN=11110A", "-days", "30", cwd=workdir,
    )  # fmt: skip
    assert made.returncode == 0
    make_request(workdir)
    status, answer = reenroll(workdir, nginx, "foreign")
    assert status == 403
    assert "認証局の有効な証明書ではありません" in answer.decode()


def test_an_expired_certificate_is_refused(nginx, workdir, company):
    holding(uncertified_terminal(company), workdir, age_days=370)
    make_request(workdir)
    status, answer = reenroll(workdir, nginx)
    assert status == 403
    assert "certificate has expired" in answer.decode()


def test_outside_the_window_it_is_refused_with_the_date(nginx, workdir, company):
    current = holding(uncertified_terminal(company), workdir, age_days=30)
    make_request(workdir)
    status, answer = reenroll(workdir, nginx)
    assert status == 403
    opens = timezone.localtime(current.not_after).date() - timedelta(days=28)
    assert f"{opens:%Y/%m/%d}" in answer.decode()


def test_serverkeygen_through_nginx_gives_a_key_that_openssl_opens(nginx, workdir, company):
    holding(uncertified_terminal(company), workdir, age_days=350)
    (workdir / "keygen.cnf").write_text(
        "[req]\nprompt = no\ndistinguished_name = dn\nattributes = attrs\n"
        "[dn]\nCN = 11110A\n[attrs]\nchallengePassword = key-pass-2026\n"
    )
    made = run(
        "openssl", "req", "-new", "-key", "current.key", "-config", "keygen.cnf", "-outform", "DER",
        "-out", "keygen.der", cwd=workdir,
    )  # fmt: skip
    assert made.returncode == 0, made.stderr
    assert run("openssl", "base64", "-in", "keygen.der", "-out", "keygen.csr", cwd=workdir).returncode == 0
    status, answer = curl(
        workdir, f"{nginx.url}/.well-known/est/serverkeygen", "-H", "Content-Type: application/pkcs10",
        "--data-binary", "@keygen.csr", "-D", "headers",
    )  # fmt: skip
    assert status == 200, answer.decode()
    split = run(sys.executable, str(BASE_DIR / "scripts/est-split"), "headers", "answer", cwd=workdir)
    assert split.returncode == 0, split.stderr
    opened = run(
        "openssl", "pkcs8", "-inform", "DER", "-in", "key.p8", "-passin", "pass:key-pass-2026", "-out", "key.pem",
        cwd=workdir,
    )  # fmt: skip
    assert opened.returncode == 0, opened.stderr
    printed = print_certs(workdir, (workdir / "cert.p7.b64").read_bytes())
    key_public = run("openssl", "pkey", "-in", "key.pem", "-pubout", cwd=workdir).stdout
    cert_public = run("openssl", "x509", "-in", "new.pem", "-pubkey", "-noout", cwd=workdir).stdout
    assert key_public == cert_public and key_public.startswith(b"-----BEGIN PUBLIC KEY")
    assert "BEGIN CERTIFICATE" in printed


def test_the_acquire_page_through_nginx_offers_to_renew_with_the_current_certificate(nginx, workdir, company):
    holding(uncertified_terminal(company), workdir, age_days=350)
    status, page = curl(workdir, f"{nginx.url}/pki/acquire/")
    assert status == 200
    assert "更新する</button>" in page.decode()
    status, page = curl(workdir, f"{nginx.url}/pki/acquire/", certificate=None)
    assert "更新する</button>" not in page.decode()
