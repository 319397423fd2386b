"""naccs-renew (client/), installed into a fresh virtual environment as a terminal operator installs it, against the
real nginx and portal: what `run` does before, inside and after the renewal window, and while the portal is down."""

import contextlib
import os
import shutil
import subprocess
import sys
import threading
from datetime import timedelta
from pathlib import Path
from types import SimpleNamespace
from wsgiref.simple_server import make_server

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.serialization import pkcs12
from django.utils import timezone

from naccs.lib.periods import years_after
from naccs.pki import ca, issuance
from naccs.pki.acquisition import pkcs12_file
from naccs.terminals.models import Certificate
from naccs.tests.helpers import free_port

from .conftest import P12_PASSWORD, QuietHandler, ThreadingServer, tls_proxy, uncertified_terminal
from .est_helpers import PROXY_SECRET
from .test_est_nginx import curl, handshake

pytestmark = [
    pytest.mark.layout,
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(not shutil.which("nginx") and not Path("/usr/sbin/nginx").exists(), reason="needs nginx"),
]
ROOT = Path(__file__).resolve().parents[3]


@pytest.fixture(autouse=True)
def trusted_proxy(settings):
    settings.TLS_PROXY_SECRET = PROXY_SECRET


@pytest.fixture(scope="module")
def nginx(live_server, session_ca_dir, tmp_path_factory):
    """nginx in front of the live server, started by scripts/serve-tls as `make serve` starts it."""
    base = tmp_path_factory.mktemp("nginx")
    with tls_proxy(base, session_ca_dir, app_address=live_server.url.removeprefix("http://")) as url:
        yield SimpleNamespace(url=url, tls_dir=base / "tls")


@pytest.fixture(scope="module")
def naccs_renew(tmp_path_factory) -> Path:
    """`python -m venv` and `pip install ./client`, as client/README.md tells a terminal operator; from a copy of
    client/, so that pip's build files stay out of the repository. pip resolves cryptography from the package index
    (its cache after the first run): the fresh environment gets nothing from this project's .venv."""
    base = tmp_path_factory.mktemp("client")
    source = base / "client"
    shutil.copytree(ROOT / "client", source, ignore=shutil.ignore_patterns("build", "*.egg-info", "__pycache__"))
    venv = base / "venv"
    subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True, timeout=120)
    python = venv / ("Scripts/python.exe" if os.name == "nt" else "bin/python")
    installed = subprocess.run(
        [str(python), "-m", "pip", "install", "--quiet", "--disable-pip-version-check", str(source)],
        capture_output=True, text=True, timeout=600,
    )  # fmt: skip
    assert installed.returncode == 0, installed.stdout + installed.stderr
    return venv / "bin" / "naccs-renew"


FAKETIME_UNITS = {"s": 1, "m": 60, "h": 3600, "d": 86400, "y": 365 * 86400}  # libfaketime's own units


def faketime_seconds(offset: str) -> float:
    """A relative FAKETIME offset as libfaketime reads it ("+3600", "+45d", "-2h"), in seconds."""
    unit = FAKETIME_UNITS.get(offset[-1:])
    return float(offset[:-1]) * unit if unit else float(offset)


def client(command: Path, *args, later_hours: float = 0) -> subprocess.CompletedProcess:
    """naccs-renew with the password in its environment variable; `later_hours` runs it with its clock that much
    ahead (Debian's faketime, on top of the offset `make test-at` may already have set)."""
    environment = dict(os.environ, NACCS_RENEW_PASSWORD=P12_PASSWORD)
    prefix = []
    if later_hours:
        offset = faketime_seconds(environment.pop("FAKETIME", "+0")) + later_hours * 3600
        environment.pop("LD_PRELOAD", None)
        prefix = ["faketime", "-f", f"{offset:+.0f}"]
    return subprocess.run([*prefix, str(command), *args], capture_output=True, text=True, env=environment, timeout=120)


def holding_p12(terminal, path: Path, *, expires_at) -> Certificate:
    """The .p12 a terminal holds after 取得 (pkcs12_file, the portal's own), with a certificate expiring at
    `expires_at`, valid 1年間 before it."""
    key = ca.new_private_key("rsa")
    row = issuance.issue_certificate(
        terminal=terminal,
        public_key=key.public_key(),
        not_before=years_after(expires_at, -issuance.VALIDITY_YEARS),
        not_after=expires_at,
    )
    certificate = x509.load_pem_x509_certificate(row.pem.encode())
    path.write_bytes(pkcs12_file(terminal.name, key, certificate, ca.get_authority(), P12_PASSWORD))
    return row


def requests_seen(nginx_dir: Path) -> int:
    """Requests nginx has logged (its access log)."""
    log = nginx_dir / "access.log"
    return len(log.read_text().splitlines()) if log.exists() else 0


def nginx_dir_of(proxy) -> Path:
    return proxy.tls_dir.parent / "nginx"


@pytest.fixture
def p12(tmp_path) -> Path:
    return tmp_path / "11110A.p12"


def test_the_client_installs_into_a_fresh_environment_with_cryptography_only(naccs_renew):
    version = subprocess.run([str(naccs_renew), "--version"], capture_output=True, text=True)
    assert version.stdout.strip() == "naccs-renew 0.1.0"
    shown = subprocess.run(
        [str(naccs_renew.with_name("python")), "-m", "pip", "show", "naccs-renew"], capture_output=True, text=True
    )
    assert "Requires: cryptography\n" in shown.stdout


def test_forty_days_before_expiry_run_does_nothing_and_asks_nothing(naccs_renew, nginx, company, p12):
    holding_p12(uncertified_terminal(company), p12, expires_at=timezone.now() + timedelta(days=40))
    before, seen = p12.read_bytes(), requests_seen(nginx_dir_of(nginx))
    done = client(naccs_renew, "run", "--p12", str(p12), "--server", nginx.url)
    assert (done.returncode, done.stdout, done.stderr) == (0, "", "")
    assert requests_seen(nginx_dir_of(nginx)) == seen
    assert p12.read_bytes() == before and not p12.with_name("11110A.p12.prev").exists()
    assert Certificate.objects.count() == 1


def test_renew_outside_the_window_says_when_it_opens(naccs_renew, nginx, company, p12):
    holding_p12(uncertified_terminal(company), p12, expires_at=timezone.now() + timedelta(days=40))
    opens = timezone.localtime(timezone.now() + timedelta(days=40)).date() - timedelta(days=28)
    done = client(naccs_renew, "renew", "--p12", str(p12), "--server", nginx.url)
    assert done.returncode == 0
    assert f"更新期間外のため何もしません。更新期間は {opens:%Y-%m-%d} 00:00 JST からです。" in done.stdout


def test_run_inside_the_window_renews_and_the_new_file_passes_mutual_tls(naccs_renew, nginx, company, tmp_path, p12):
    current = holding_p12(uncertified_terminal(company), p12, expires_at=timezone.now() + timedelta(days=15))
    before = p12.read_bytes()
    done = client(naccs_renew, "run", "--p12", str(p12), "--server", nginx.url)
    assert done.returncode == 0, done.stderr
    assert "更新しました: 論理端末 11110A" in done.stdout

    current.refresh_from_db()
    assert current.revocation_reason == Certificate.RevocationReason.SUPERSEDED
    renewed = Certificate.objects.get(revoked_at__isnull=True)
    assert p12.with_name("11110A.p12.prev").read_bytes() == before
    key, certificate, cas = pkcs12.load_key_and_certificates(p12.read_bytes(), P12_PASSWORD.encode())
    assert f"{certificate.serial_number:x}" == renewed.serial
    assert certificate.public_key() == key.public_key() and key.key_size == 2048  # RSA-2048 by default
    assert cas == [ca.get_authority().certificate]

    # The new file's key and certificate pass a mutual-TLS handshake that checks the CRL; the old one no longer.
    shutil.copy(nginx.tls_dir / "client-ca.pem", tmp_path / "ca.pem")
    for name, (old_key, old_certificate, _) in {
        "new": (key, certificate, None),
        "old": pkcs12.load_key_and_certificates(before, P12_PASSWORD.encode()),
    }.items():
        (tmp_path / f"{name}.pem").write_bytes(old_certificate.public_bytes(serialization.Encoding.PEM))
        (tmp_path / f"{name}.key").write_bytes(
            old_key.private_bytes(
                serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
            )
        )
    _, crl = curl(tmp_path, f"{nginx.url}/pki/crl.pem", certificate=None)
    (tmp_path / "crl.pem").write_bytes(crl)
    assert b"CN=11110A" in handshake(tmp_path, nginx, "new").replace(b" ", b"")
    assert b"Client certificate" not in handshake(tmp_path, nginx, "old")

    seen, after = requests_seen(nginx_dir_of(nginx)), p12.read_bytes()
    again = client(naccs_renew, "run", "--p12", str(p12), "--server", nginx.url)
    assert (again.returncode, again.stdout, again.stderr) == (0, "", "")
    assert requests_seen(nginx_dir_of(nginx)) == seen and p12.read_bytes() == after


def test_renew_with_an_ec_key(naccs_renew, nginx, company, p12):
    holding_p12(uncertified_terminal(company), p12, expires_at=timezone.now() + timedelta(days=3))
    done = client(naccs_renew, "renew", "--p12", str(p12), "--server", nginx.url, "--key-type", "ec")
    assert done.returncode == 0, done.stderr
    key, _, _ = pkcs12.load_key_and_certificates(p12.read_bytes(), P12_PASSWORD.encode())
    assert key.curve.name == "secp256r1"


def test_exec_runs_after_the_renewal_with_the_new_file(naccs_renew, nginx, company, tmp_path, p12):
    holding_p12(uncertified_terminal(company), p12, expires_at=timezone.now() + timedelta(days=3))
    script = tmp_path / "after.py"
    script.write_text(
        "import os, pathlib\n"
        "pathlib.Path(os.environ['NACCS_RENEW_P12'] + '.seen').write_text("
        "os.environ['NACCS_RENEW_TERMINAL'] + ' ' + os.environ['NACCS_RENEW_PASSWORD'])\n"
    )
    command = f"{naccs_renew.with_name('python')} {script}"
    done = client(naccs_renew, "renew", "--p12", str(p12), "--server", nginx.url, "--exec", command)
    assert done.returncode == 0, done.stderr
    assert p12.with_name("11110A.p12.seen").read_text() == f"11110A {P12_PASSWORD}"


def test_a_file_that_cannot_be_replaced_keeps_the_new_certificate_aside(naccs_renew, nginx, company, p12):
    holding_p12(uncertified_terminal(company), p12, expires_at=timezone.now() + timedelta(days=3))
    before = p12.read_bytes()
    p12.with_name("11110A.p12.prev").mkdir()  # FILE.prev cannot be written: the renewal must not lose the new key
    done = client(naccs_renew, "renew", "--p12", str(p12), "--server", nginx.url)
    assert done.returncode == 8
    assert "新しいファイルを" in done.stderr and "11110A.p12.new に保存しました" in done.stderr
    assert p12.read_bytes() == before
    key, certificate, _ = pkcs12.load_key_and_certificates(
        p12.with_name("11110A.p12.new").read_bytes(), P12_PASSWORD.encode()
    )
    assert f"{certificate.serial_number:x}" == Certificate.objects.get(revoked_at__isnull=True).serial
    assert certificate.public_key() == key.public_key()


@contextlib.contextmanager
def portal_on(port: int):
    """The portal (naccs.wsgi, as gunicorn serves it) on a fixed port, so that it can be stopped and started again
    behind the same nginx."""
    from naccs.wsgi import application

    server = make_server("127.0.0.1", port, application, server_class=ThreadingServer, handler_class=QuietHandler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        yield
    finally:
        server.shutdown()
        server.server_close()


def test_with_the_portal_stopped_run_backs_off_and_renews_later(naccs_renew, session_ca_dir, company, tmp_path, p12):
    current = holding_p12(uncertified_terminal(company), p12, expires_at=timezone.now() + timedelta(days=15))
    port = free_port()
    with tls_proxy(tmp_path / "proxy", session_ca_dir, app_address=f"127.0.0.1:{port}") as url:
        nginx_dir = tmp_path / "proxy" / "nginx"
        failed = client(naccs_renew, "run", "--p12", str(p12), "--server", url)  # nginx answers 502: no portal
        assert failed.returncode == 3
        assert "ポータルに接続できないか一時的なエラーです" in failed.stderr and "HTTP 502" in failed.stderr
        assert "1回目の失敗です。次は" in failed.stderr
        assert p12.with_name("11110A.p12.state").exists()

        with portal_on(port):
            seen = requests_seen(nginx_dir)
            waiting = client(naccs_renew, "run", "--p12", str(p12), "--server", url)  # inside the backoff
            assert (waiting.returncode, waiting.stdout, waiting.stderr) == (0, "", "")
            assert requests_seen(nginx_dir) == seen

            later = client(naccs_renew, "run", "--p12", str(p12), "--server", url, later_hours=1.5)
            assert later.returncode == 0, later.stderr
            assert "更新しました" in later.stdout
    current.refresh_from_db()
    assert current.revocation_reason == Certificate.RevocationReason.SUPERSEDED
    assert not p12.with_name("11110A.p12.state").exists()


def test_an_expired_certificate_is_refused_with_the_reissue_message(naccs_renew, nginx, company, p12):
    holding_p12(uncertified_terminal(company), p12, expires_at=timezone.now() - timedelta(days=1))
    seen = requests_seen(nginx_dir_of(nginx))
    for command in ("run", "renew"):
        done = client(naccs_renew, command, "--p12", str(p12), "--server", nginx.url)
        assert done.returncode == 5
        assert "「デジタル証明書の再発行」から再発行の申込を行ってください" in done.stderr
        assert "apply for a reissue" in done.stderr
    assert requests_seen(nginx_dir_of(nginx)) == seen


def test_status_names_the_terminal_the_ca_and_the_expiry_in_tokyo(naccs_renew, company, p12):
    expires_at = timezone.now() + timedelta(days=40)
    holding_p12(uncertified_terminal(company), p12, expires_at=expires_at)
    done = client(naccs_renew, "status", "--p12", str(p12))
    assert done.returncode == 0, done.stderr
    authority = ca.get_authority().certificate
    key_id = authority.extensions.get_extension_for_class(x509.SubjectKeyIdentifier).value.digest.hex(":")
    assert "論理端末 / terminal: 11110A" in done.stdout
    assert "CN=NACCS Support Test CA" in done.stdout and key_id in done.stdout
    assert f"有効期限 / expires: {timezone.localtime(expires_at):%Y-%m-%d %H:%M} JST" in done.stdout
    assert "まだ開いていません" in done.stdout


def test_output_that_cannot_encode_japanese_still_reads_in_english(naccs_renew, company, p12, monkeypatch):
    holding_p12(uncertified_terminal(company), p12, expires_at=timezone.now() + timedelta(days=40))
    monkeypatch.setenv("PYTHONIOENCODING", "cp1252")  # a log file on an English Windows
    done = client(naccs_renew, "status", "--p12", str(p12))
    assert done.returncode == 0, done.stderr
    assert "?? / terminal: 11110A" in done.stdout and "not open yet: opens" in done.stdout


def test_a_wrong_password_or_none_is_a_configuration_error(naccs_renew, company, p12, tmp_path):
    holding_p12(uncertified_terminal(company), p12, expires_at=timezone.now() + timedelta(days=40))
    (tmp_path / "wrong").write_text("not-the-password\n")
    wrong = client(naccs_renew, "status", "--p12", str(p12), "--password-file", str(tmp_path / "wrong"))
    assert wrong.returncode == 2 and "パスワードが違います" in wrong.stderr
    (tmp_path / "right").write_text(P12_PASSWORD + "\n")
    right = client(naccs_renew, "status", "--p12", str(p12), "--password-file", str(tmp_path / "right"))
    assert right.returncode == 0
    none = client(naccs_renew, "status", "--p12", str(p12), "--password-env", "NO_SUCH_VARIABLE_29")
    assert none.returncode == 2 and "パスワードがありません" in none.stderr
    store = client(naccs_renew, "status", "--p12", str(p12), "--password-credential", "naccs-renew/11110A")
    assert store.returncode == 2 and "Windows でのみ使えます" in store.stderr  # this test runs on Linux
    typed = client(naccs_renew, "status", "--p12", str(p12), "--password", P12_PASSWORD)
    assert typed.returncode == 2 and "--password" in typed.stderr  # no option takes the password itself
