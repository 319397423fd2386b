"""Issue 25, done when: the whole rollover in the production layout. The portal and the revocation responder under
gunicorn, the worker publishing revocation data, nginx started by scripts/serve-tls, this test's database (PostgreSQL
under scripts/with-test-postgres), and real clients (curl, openssl). The operator runs `manage.py ca_rotate` and
restarts serve-tls, as docs/ca-rollover.md says.

- a terminal holding a generation-1 certificate, trusting generation 1 alone, renews over EST through nginx and gets
  a generation-2 certificate;
- a generation-1 certificate revoked after the switch is revoked in generation 1's CRL and in OCSP, both verified by
  openssl against generation 1's CA certificate alone, served by the responder (which holds no CA key);
- the generation-2 certificate passes mutual TLS through nginx and with openssl s_server.
"""

import os
import shutil
import subprocess
import sys
from datetime import timedelta
from pathlib import Path

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import serialization
from django.conf import settings
from django.utils import timezone

from naccs.pki import ca, issuance
from naccs.pki.revocation import revoke_certificate
from naccs.terminals.models import Certificate
from naccs.tests import outage
from naccs.tests.helpers import database_url, free_port

from .conftest import tls_proxy, uncertified_terminal, worker_running
from .est_helpers import PROXY_SECRET
from .test_est_nginx import handshake, make_request, print_certs, run
from .test_standards import pkilint

pytestmark = [
    pytest.mark.layout,
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(not shutil.which("nginx") and not Path("/usr/sbin/nginx").exists(), reason="needs nginx"),
]


def holding(terminal, directory: Path, name: str, *, age_days: int) -> Certificate:
    """A real certificate of the issuing generation, issued `age_days` ago, with its key (name.pem, name.key)."""
    key = ca.new_private_key("ec")
    issued = timezone.now() - timedelta(days=age_days)
    row = issuance.issue_certificate(terminal=terminal, public_key=key.public_key(), not_before=issued,
                                     not_after=issuance.certificate_expiry(issued))  # fmt: skip
    (directory / f"{name}.pem").write_text(row.pem)
    (directory / f"{name}.key").write_bytes(
        key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption())
    )
    return row


def curl(workdir: Path, url: str, *args: str, certificate: str | None, cacert: str = "g1.pem") -> tuple[int, bytes]:
    client = ["--cert", f"{certificate}.pem", "--key", f"{certificate}.key"] if certificate else []
    done = run("curl", "-sS", "--cacert", cacert, *client, "-o", "answer", "-w", "%{http_code}", *args, url,
               cwd=workdir)  # fmt: skip
    assert done.returncode == 0, done.stderr
    return int(done.stdout), (workdir / "answer").read_bytes()


@pytest.fixture
def layout(tmp_path, session_ca_dir, settings):
    """Generation 1 in a CA_DIR of this test's own; the portal and the responder under gunicorn against this test's
    database, and the worker (in a thread). Yields (env, portal address, responder address, CA_DIR)."""
    ca_dir = tmp_path / "ca"
    shutil.copytree(session_ca_dir, ca_dir)
    settings.CA_DIR = ca_dir
    settings.TLS_PROXY_SECRET = PROXY_SECRET
    env = outage.environment(database_url(), ca_dir, tmp_path / "var", LOG_LEVEL="WARNING",
                             TLS_PROXY_SECRET=PROXY_SECRET, CA_PASSPHRASE=settings.CA_PASSPHRASE)  # fmt: skip
    portal, portal_url = outage.gunicorn(env, "naccs.wsgi", tmp_path / "portal.log")
    responder, responder_url = outage.gunicorn(env, "naccs.responder", tmp_path / "responder.log", "-k", "asgi")
    try:
        with worker_running():
            yield env, portal_url.removeprefix("http://"), responder_url.removeprefix("http://"), ca_dir
    finally:
        outage.stop(portal)
        outage.stop(responder)


def test_the_whole_rollover_in_the_production_layout(layout, company, tmp_path):
    env, portal, responder, ca_dir = layout
    workdir = tmp_path / "terminal"
    workdir.mkdir()
    shutil.copy(ca_dir / ca.CERT_FILE, workdir / "g1.pem")  # what a terminal of generation 1 trusts
    renewing = holding(uncertified_terminal(company, name="11110A"), workdir, "current", age_days=350)
    compromised = holding(uncertified_terminal(company, name="11110B"), workdir, "lost", age_days=100)

    # The operator's day: one command, then serve-tls restarted (it writes client-ca.pem and its certificate).
    assert "第2世代" in outage.manage(env, "ca_rotate")
    g2 = x509.load_pem_x509_certificate((ca_dir / "g2" / ca.CERT_FILE).read_bytes())
    (workdir / "g2.pem").write_bytes(g2.public_bytes(serialization.Encoding.PEM))
    http_port = free_port()
    with tls_proxy(tmp_path / "tls-proxy", ca_dir, app_address=portal, RESPONDER_ADDRESS=responder,
                   HTTP_PORT=str(http_port)) as url:  # fmt: skip
        plain = f"http://127.0.0.1:{http_port}"

        # A generation-1 terminal trusts nginx (--cacert g1.pem) and renews over EST into generation 2.
        make_request(workdir)
        status, answer = curl(workdir, f"{url}/.well-known/est/simplereenroll", "-H",
                              "Content-Type: application/pkcs10", "--data-binary", "@new.csr",
                              certificate="current")  # fmt: skip
        assert status == 200, answer.decode()
        print_certs(workdir, answer)
        verified = run("openssl", "verify", "-CAfile", "g2.pem", "new.pem", cwd=workdir)
        assert verified.returncode == 0, verified.stdout + verified.stderr
        renewing.refresh_from_db()
        assert renewing.revocation_reason == Certificate.RevocationReason.SUPERSEDED
        assert Certificate.objects.get(terminal=renewing.terminal, revoked_at__isnull=True).ca_generation == 2
        # /cacerts tells it about generation 2, with the rollover certificates.
        status, cacerts = curl(workdir, f"{url}/.well-known/est/cacerts", certificate=None)
        assert status == 200 and print_certs(workdir, cacerts).count("BEGIN CERTIFICATE") == 4
        (workdir / "new.pem").unlink()
        print_certs(workdir, answer)  # new.pem again: the renewed certificate

        # A generation-1 certificate revoked after the switch: generation 1's CRL and OCSP say so.
        revoke_certificate(certificate=compromised, reason=Certificate.RevocationReason.KEY_COMPROMISE)

        def listed_in_crl():
            status, crl = curl(workdir, f"{plain}/pki/crl", certificate=None)
            (workdir / "g1.crl").write_bytes(crl)
            listed = status == 200 and x509.load_der_x509_crl(crl).get_revoked_certificate_by_serial_number(
                int(compromised.serial, 16)
            )
            return listed is not None and listed is not False

        assert outage.wait_until(listed_in_crl, 30), "the revocation never reached generation 1's CRL"
        checked = run("openssl", "crl", "-inform", "DER", "-in", "g1.crl", "-CAfile", "g1.pem", "-noout", cwd=workdir)
        assert b"verify OK" in checked.stderr, checked.stderr
        linted = pkilint("lint_crl", "lint", "-t", "CRL", "-p", "PKIX", "-s", "WARNING", str(workdir / "g1.crl"))
        assert linted == ""
        asked = run("openssl", "ocsp", "-CAfile", "g1.pem", "-issuer", "g1.pem", "-cert", "lost.pem",
                    "-url", f"{plain}/pki/ocsp", "-respout", "lost.ocsp", cwd=workdir)  # fmt: skip
        assert b"Response verify OK" in asked.stderr and b"lost.pem: revoked" in asked.stdout, asked.stderr
        assert pkilint("lint_ocsp_response", "lint", "-s", "WARNING", str(workdir / "lost.ocsp")) == ""

        # The generation-2 certificate passes mutual TLS through nginx: the app reads it as the terminal's current
        # certificate (and refuses a request for the key it already certifies), where a certificate nginx cannot
        # verify gets nginx's refusal and one of no trusted generation the app's NOT_OURS. The terminal now trusts what
        # /cacerts gave it (both generations): nginx's certificate stays generation 1's until generation 1 retires.
        (workdir / "ca.pem").write_bytes((workdir / "g1.pem").read_bytes() + (workdir / "g2.pem").read_bytes())
        status, answer = curl(workdir, f"{url}/.well-known/est/simplereenroll", "-H",
                              "Content-Type: application/pkcs10", "--data-binary", "@new.csr",
                              certificate="new", cacert="ca.pem")  # fmt: skip
        assert status == 400 and "現在の証明書と同じ鍵では更新できません" in answer.decode(), answer.decode()
        asked = run("openssl", "ocsp", "-CAfile", "g2.pem", "-issuer", "g2.pem", "-cert", "new.pem",
                    "-url", f"{plain}/pki/ocsp", cwd=workdir)  # fmt: skip
        assert b"Response verify OK" in asked.stderr and b"new.pem: good" in asked.stdout, asked.stderr
        for name in ("new.pem", "g2.pem"):
            assert pkilint("lint_pkix_cert", "lint", "-s", "WARNING", str(workdir / name)) == "", name
        status, crl = curl(workdir, f"{plain}/pki/crl/g2.pem", certificate=None)
        assert status == 200
        (workdir / "crl.pem").write_bytes(crl)
        tls_dir = SimpleTLS(tmp_path / "tls-proxy" / "tls")
        page = handshake(workdir, tls_dir, "new")
        assert b"Client certificate" in page and b"CN=11110A" in page.replace(b" ", b"")


class SimpleTLS:
    """What test_est_nginx.handshake reads of its `nginx` argument: the folder of nginx's certificate and key."""

    def __init__(self, tls_dir: Path):
        self.tls_dir = tls_dir


def test_serve_tls_needs_no_database(tmp_path, session_ca_dir):
    """nginx's files come from CA_DIR alone (ca.trusted_dirs): it starts while PostgreSQL is away."""
    env = {"CA_DIR": str(session_ca_dir), "DATABASE_URL": "postgres://nobody@127.0.0.1:1/none", "PYTHONPATH": "."}
    made = subprocess.run([sys.executable, "manage.py", "tls_server_certificate", "--dir", str(tmp_path / "tls")],
                          cwd=Path(settings.BASE_DIR), env={**os.environ, **env}, capture_output=True,
                          text=True)  # fmt: skip
    assert made.returncode == 0, made.stderr
    assert (tmp_path / "tls" / "client-ca.pem").read_bytes() == (session_ca_dir / ca.CERT_FILE).read_bytes()
