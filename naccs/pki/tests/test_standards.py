"""Issue 17 #5: what the production server really serves passes pkilint (no finding at WARNING or above) and is
verified by `openssl ocsp -CAfile ca.pem -issuer ca.pem -cert … -url …`."""

import shutil
import subprocess
import sys
import urllib.request
from pathlib import Path

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.x509 import ocsp

from naccs.pki import ocsp_prepared
from naccs.pki.models import OCSPResponderKey
from naccs.terminals.models import Certificate

from .conftest import acquire, openssl, responder_server, the_worker_runs

BIN = Path(sys.executable).parent


def pkilint(tool: str, *args: str) -> str:
    """Findings at WARNING or above, one a line ("" when none)."""
    command = [str(BIN / tool) if (BIN / tool).exists() else shutil.which(tool), *args]
    result = subprocess.run(command, capture_output=True, text=True, check=False)
    assert "Traceback" not in result.stderr, result.stderr
    return result.stdout.strip()


def get(url: str, data: bytes | None = None) -> bytes:
    headers = {"Content-Type": "application/ocsp-request"} if data else {}
    with urllib.request.urlopen(urllib.request.Request(url, data=data, headers=headers), timeout=5) as response:
        return response.read()


@pytest.fixture(scope="module")
def revocation_responder(django_db_setup, session_ca_dir, tmp_path_factory):
    """The revocation responder, which answers OCSP and the CRL in production, started once for this module: every
    test asks about certificates of its own (a CRL it gets may be the one of a test a second before, which passes
    the same checks). The portal answers with the same bytes from the same functions; test_prepared and test_crl
    fetch from both."""
    with responder_server(session_ca_dir, tmp_path_factory.mktemp("responder")) as url:
        yield url


@pytest.fixture
def served(renewable, transactional_db, revocation_responder, tmp_path, client):
    """ca.pem / ca.der as the portal publishes them, old.pem (revoked) and new.pem (good) as they are issued; the
    responder's base URL."""
    old = Certificate.objects.get(terminal=renewable)
    new = acquire().certificate
    (tmp_path / "ca.der").write_bytes(client.get("/pki/ca").content)
    (tmp_path / "ca.pem").write_bytes(client.get("/pki/ca.pem").content)
    (tmp_path / "old.pem").write_text(old.pem)
    (tmp_path / "new.pem").write_text(new.pem)
    the_worker_runs()  # what the responder serves, it never signs with the CA key
    return revocation_responder


@pytest.mark.django_db(transaction=True)
def test_the_ca_and_issued_certificates_pass_pkilint(served, tmp_path):
    # The delegated OCSP responder's certificate (issue 25 #3), as the worker issued it.
    (tmp_path / "responder.pem").write_text(OCSPResponderKey.objects.get().certificate_pem)
    for name in ("ca.der", "old.pem", "new.pem", "responder.pem"):
        assert pkilint("lint_pkix_cert", "lint", "-s", "WARNING", str(tmp_path / name)) == "", name


@pytest.mark.django_db(transaction=True)
def test_the_served_crl_passes_pkilint(served, tmp_path):
    (tmp_path / "crl.der").write_bytes(get(f"{served}/pki/crl"))
    assert x509.load_der_x509_crl((tmp_path / "crl.der").read_bytes())  # lists the superseded certificate
    assert pkilint("lint_crl", "lint", "-t", "CRL", "-p", "PKIX", "-s", "WARNING", str(tmp_path / "crl.der")) == ""


def ocsp_request(tmp_path, name, algorithm) -> bytes:
    leaf = x509.load_pem_x509_certificate((tmp_path / name).read_bytes())
    issuer = x509.load_pem_x509_certificate((tmp_path / "ca.pem").read_bytes())
    request = ocsp.OCSPRequestBuilder().add_certificate(leaf, issuer, algorithm).build()
    return request.public_bytes(serialization.Encoding.DER)


@pytest.mark.django_db(transaction=True)
def test_every_kind_of_served_ocsp_response_passes_pkilint(served, tmp_path):
    ocsp_prepared.refresh_prepared()
    never_issued = ocsp_request(tmp_path, "new.pem", hashes.SHA1())[:-1] + b"\x01"  # the serial's last octet
    answers = {
        "prepared-good": get(f"{served}/pki/ocsp", ocsp_request(tmp_path, "new.pem", hashes.SHA1())),
        "prepared-revoked": get(f"{served}/pki/ocsp", ocsp_request(tmp_path, "old.pem", hashes.SHA256())),
        "signed-now-unknown": get(f"{served}/pki/ocsp", never_issued),
    }
    asked_two = openssl("ocsp", "-issuer", "ca.pem", "-sha3-256", "-cert", "old.pem", "-cert", "new.pem",
                        "-reqout", "two.der", cwd=tmp_path)  # fmt: skip
    assert (tmp_path / "two.der").exists(), asked_two.stderr
    answers["signed-now-two-sha3"] = get(f"{served}/pki/ocsp", (tmp_path / "two.der").read_bytes())
    for label, der in answers.items():
        (tmp_path / f"{label}.der").write_bytes(der)
        assert ocsp.load_der_ocsp_response(der).response_status == ocsp.OCSPResponseStatus.SUCCESSFUL, label
        assert pkilint("lint_ocsp_response", "lint", "-s", "WARNING", str(tmp_path / f"{label}.der")) == "", label


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("options", [(), ("-sha256",), ("-no_nonce",), ("-md5",)])
def test_openssl_verifies_every_served_response(served, tmp_path, options):
    ocsp_prepared.refresh_prepared()
    for name, status in (("new.pem", "good"), ("old.pem", "revoked")):
        result = openssl("ocsp", "-CAfile", "ca.pem", "-issuer", "ca.pem", *options, "-cert", name,
                         "-url", f"{served}/pki/ocsp", cwd=tmp_path)  # fmt: skip
        assert "Response verify OK" in result.stderr, result.stdout + result.stderr
        assert f"{name}: {status}" in result.stdout
