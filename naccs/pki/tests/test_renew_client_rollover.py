"""Issue 29 #5 with issue 25's generations: naccs-renew, holding a generation-1 file, renews after `ca_rotate` into
generation 2 and refreshes its CA bundle from /cacerts, so that its next connection still trusts the portal (whose
TLS certificate stays generation 1's while generation 1 is trusted: naccs.pki.rollover)."""

import shutil
import subprocess
from datetime import timedelta
from pathlib import Path
from types import SimpleNamespace

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.serialization import pkcs12
from django.core.management import call_command
from django.utils import timezone

from naccs.pki import generations
from naccs.terminals.models import Certificate

from .conftest import P12_PASSWORD, tls_proxy, uncertified_terminal
from .est_helpers import PROXY_SECRET
from .test_renew_client import client, holding_p12, naccs_renew  # noqa: F401 (the installed client, a fixture)

pytestmark = [
    pytest.mark.layout,
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(not shutil.which("nginx") and not Path("/usr/sbin/nginx").exists(), reason="needs nginx"),
]


def reaches_the_portal(directory: Path, trusted: list, url: str) -> bool:
    """curl, trusting `trusted` only, completes a TLS handshake with the portal."""
    (directory / "trusted.pem").write_bytes(b"".join(c.public_bytes(serialization.Encoding.PEM) for c in trusted))
    command = ["curl", "-sS", "-o", "/dev/null", "--cacert", "trusted.pem", f"{url}/.well-known/est/cacerts"]
    done = subprocess.run(command, cwd=directory, capture_output=True, timeout=60)
    return done.returncode == 0


def test_the_client_renews_into_the_new_generation_and_keeps_trusting_the_portal(
    naccs_renew,  # noqa: F811 (the fixture imported above)
    live_server,
    session_ca_dir,
    settings,
    company,
    tmp_path,
):
    settings.TLS_PROXY_SECRET = PROXY_SECRET
    settings.CA_DIR = tmp_path / "ca"
    shutil.copytree(session_ca_dir, settings.CA_DIR)
    p12 = tmp_path / "11110A.p12"
    holding_p12(uncertified_terminal(company), p12, expires_at=timezone.now() + timedelta(days=15))
    call_command("ca_rotate")
    g1 = generations.certificate_of(generations.numbered(1))
    g2 = generations.certificate_of(generations.numbered(2))
    with tls_proxy(tmp_path / "proxy", settings.CA_DIR, app_address=live_server.url.removeprefix("http://")) as url:
        proxy = SimpleNamespace(url=url)
        done = client(naccs_renew, "run", "--p12", str(p12), "--server", proxy.url)
        assert done.returncode == 0, done.stderr
        _key, certificate, cas = pkcs12.load_key_and_certificates(p12.read_bytes(), P12_PASSWORD.encode())
        certificate.verify_directly_issued_by(g2)
        assert Certificate.objects.get(serial=f"{certificate.serial_number:x}").ca_generation == 2
        # The refreshed bundle: the issuing generation first, then generation 1, no rollover certificate.
        assert cas == [g2, g1]
        assert reaches_the_portal(tmp_path, cas, proxy.url)
        assert not reaches_the_portal(tmp_path, [g2], proxy.url)  # what a bundle of the issuing CA alone would do
