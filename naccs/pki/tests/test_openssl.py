"""What our CA issues, checked by the real `openssl` command and a real mutual-TLS handshake."""

import base64
import socket
import ssl
import threading

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.serialization import pkcs12

from naccs.pki import ca, revocation
from naccs.terminals.models import Certificate

from .conftest import P12_PASSWORD, acquire, openssl, write_pem


def crl_pem(client) -> bytes:
    return client.get("/pki/crl.pem").content


@pytest.fixture
def issued(renewable, tmp_path, client):
    acquired = acquire()
    write_pem(tmp_path / "ca.pem", ca.get_authority().certificate)
    (tmp_path / "leaf.pem").write_text(acquired.certificate.pem)
    (tmp_path / "leaf.p12").write_bytes(acquired.pkcs12)
    return acquired


@pytest.mark.django_db
def test_openssl_verify_with_crl_check_passes_then_fails_after_revocation(issued, tmp_path, client):
    (tmp_path / "crl.pem").write_bytes(crl_pem(client))
    ok = openssl("verify", "-crl_check", "-CAfile", "ca.pem", "-CRLfile", "crl.pem", "leaf.pem", cwd=tmp_path)
    assert ok.returncode == 0, ok.stderr
    assert "leaf.pem: OK" in ok.stdout

    revocation.revoke_certificate(certificate=issued.certificate, reason=Certificate.RevocationReason.KEY_COMPROMISE)
    revocation.rebuild_crl()
    (tmp_path / "crl.pem").write_bytes(crl_pem(client))
    bad = openssl("verify", "-crl_check", "-CAfile", "ca.pem", "-CRLfile", "crl.pem", "leaf.pem", cwd=tmp_path)
    assert bad.returncode != 0
    assert "certificate revoked" in bad.stdout + bad.stderr


@pytest.mark.django_db
def test_openssl_opens_the_pkcs12_with_the_chosen_password(issued, tmp_path):
    good = openssl("pkcs12", "-info", "-in", "leaf.p12", "-passin", f"pass:{P12_PASSWORD}", "-noenc", cwd=tmp_path)
    assert good.returncode == 0, good.stderr
    assert "friendlyName: 11110A" in good.stdout + good.stderr
    assert "BEGIN PRIVATE KEY" in good.stdout
    wrong = openssl("pkcs12", "-info", "-in", "leaf.p12", "-passin", "pass:wrong", "-noenc", cwd=tmp_path)
    assert wrong.returncode != 0


@pytest.mark.django_db
def test_the_crl_is_der_with_a_next_update_in_24_hours_and_cached(renewable, client):
    response = client.get("/pki/crl")
    crl = x509.load_der_x509_crl(response.content)
    assert response["Content-Type"] == "application/pkix-crl"
    assert (crl.next_update_utc - crl.last_update_utc).total_seconds() == 24 * 3600
    assert crl.is_signature_valid(ca.get_authority().public_key)
    assert "max-age" in response["Cache-Control"]
    assert client.get("/pki/crl").content == response.content  # served from the stored CRL, not re-signed


@pytest.mark.django_db
def test_the_ca_certificate_is_published(client):
    certificate = x509.load_der_x509_certificate(client.get("/pki/ca").content)
    assert certificate == ca.get_authority().certificate
    assert b"BEGIN CERTIFICATE" in client.get("/pki/ca.pem").content


@pytest.mark.django_db(transaction=True)
def test_openssl_ocsp_answers_good_then_revoked(issued, tmp_path, live_server):
    url = f"{live_server.url}/pki/ocsp"
    ask = ("ocsp", "-issuer", "ca.pem", "-cert", "leaf.pem", "-url", url, "-CAfile", "ca.pem")
    good = openssl(*ask, cwd=tmp_path)
    assert "leaf.pem: good" in good.stdout, good.stdout + good.stderr
    assert "Response verify OK" in good.stderr

    revocation.revoke_certificate(certificate=issued.certificate, reason=Certificate.RevocationReason.KEY_COMPROMISE)
    revoked = openssl(*ask, cwd=tmp_path)
    assert "leaf.pem: revoked" in revoked.stdout, revoked.stdout + revoked.stderr
    assert "keyCompromise" in revoked.stdout


@pytest.mark.django_db
def test_ocsp_answers_unknown_for_a_serial_we_never_issued_and_accepts_get(issued, client):
    from cryptography.hazmat.primitives import hashes
    from cryptography.x509 import ocsp

    authority = ca.get_authority()
    leaf = x509.load_pem_x509_certificate(issued.certificate.pem.encode())
    request = ocsp.OCSPRequestBuilder().add_certificate(leaf, authority.certificate, hashes.SHA1()).build()
    der = request.public_bytes(serialization.Encoding.DER)
    good = ocsp.load_der_ocsp_response(client.get("/pki/ocsp/" + base64.b64encode(der).decode()).content)
    assert good.certificate_status == ocsp.OCSPCertStatus.GOOD

    never_issued = ocsp.OCSPRequestBuilder().add_certificate_by_hash(
        request.issuer_name_hash, request.issuer_key_hash, 0xFFFF, hashes.SHA1()
    )
    der = never_issued.build().public_bytes(serialization.Encoding.DER)
    unknown = ocsp.load_der_ocsp_response(
        client.post("/pki/ocsp", der, content_type="application/ocsp-request").content
    )
    assert unknown.certificate_status == ocsp.OCSPCertStatus.UNKNOWN


@pytest.mark.django_db
def test_a_malformed_ocsp_request_gets_a_malformed_answer(client):
    from cryptography.x509 import ocsp

    response = client.post("/pki/ocsp", b"not der", content_type="application/ocsp-request")
    assert response.status_code == 200
    answer = ocsp.load_der_ocsp_response(response.content)
    assert answer.response_status == ocsp.OCSPResponseStatus.MALFORMED_REQUEST


def make_server_certificate(tmp_path, name):
    openssl("req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes", "-subj", f"/CN={name}",
            "-addext", "subjectAltName=IP:127.0.0.1", "-keyout", f"{name}.key", "-out", f"{name}.pem", "-days", "1",
            cwd=tmp_path)  # fmt: skip


def handshake(tmp_path, client_pem):
    """A TLS server on 127.0.0.1 that requires a client certificate from our CA; returns the client's subject."""
    make_server_certificate(tmp_path, "server")
    server_context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    server_context.load_cert_chain(tmp_path / "server.pem", tmp_path / "server.key")
    server_context.load_verify_locations(tmp_path / "ca.pem")
    server_context.verify_mode = ssl.CERT_REQUIRED
    listener = socket.create_server(("127.0.0.1", 0))
    seen = {}

    def serve():
        connection, _ = listener.accept()
        try:
            with server_context.wrap_socket(connection, server_side=True) as tls:
                seen["peer"] = tls.getpeercert()
                tls.sendall(b"hello")
        except ssl.SSLError as error:
            seen["error"] = error

    thread = threading.Thread(target=serve)
    thread.start()
    client_context = ssl.create_default_context(cafile=tmp_path / "server.pem")
    client_context.load_cert_chain(client_pem)
    try:
        address = ("127.0.0.1", listener.getsockname()[1])
        raw = socket.create_connection(address)
        with client_context.wrap_socket(raw, server_hostname=address[0]) as tls:
            tls.recv(10)
    except (ssl.SSLError, ConnectionError):
        pass
    thread.join(5)
    listener.close()
    if "peer" not in seen:
        raise seen.get("error", AssertionError("no handshake"))
    return dict(item[0] for item in seen["peer"]["subject"])


@pytest.mark.django_db
def test_an_acquired_certificate_passes_a_mutual_tls_handshake(issued, tmp_path):
    bundle = pkcs12.load_pkcs12(issued.pkcs12, P12_PASSWORD.encode())
    (tmp_path / "client.pem").write_bytes(
        bundle.cert.certificate.public_bytes(serialization.Encoding.PEM)
        + bundle.key.private_bytes(
            serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
        )
    )
    assert handshake(tmp_path, tmp_path / "client.pem")["commonName"] == "11110A"


@pytest.mark.django_db
def test_a_certificate_from_another_ca_fails_the_handshake(issued, tmp_path):
    make_server_certificate(tmp_path, "stranger")
    (tmp_path / "stranger-client.pem").write_bytes(
        (tmp_path / "stranger.pem").read_bytes() + (tmp_path / "stranger.key").read_bytes()
    )
    with pytest.raises(ssl.SSLError):
        handshake(tmp_path, tmp_path / "stranger-client.pem")
