"""The OCSP responder answers every well-formed request (RFC 6960) and refuses the rest in OCSP, never with a 500."""

import base64
import logging
from datetime import timedelta

import pytest
from asn1crypto import ocsp as der_ocsp
from cryptography import x509
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509 import ocsp
from cryptography.x509.oid import ExtendedKeyUsageOID
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from naccs.pki import ca, ocsp_request
from naccs.pki import ocsp as responder
from naccs.terminals.models import Certificate

from .conftest import acquire, openssl, write_pem

OCSP_TYPE = "application/ocsp-response"


@pytest.fixture
def pair(renewable, tmp_path):
    """ca.pem, old.pem (revoked: superseded by the 取得) and new.pem (good) in tmp_path."""
    old = Certificate.objects.get(terminal=renewable)
    new = acquire().certificate
    write_pem(tmp_path / "ca.pem", ca.get_authority().certificate)
    (tmp_path / "old.pem").write_text(old.pem)
    (tmp_path / "new.pem").write_text(new.pem)
    return old, new


def ask_openssl(tmp_path, url, *options):
    result = openssl("ocsp", "-issuer", "ca.pem", *options, "-url", url, "-CAfile", "ca.pem", cwd=tmp_path)
    return result.stdout + result.stderr


@pytest.mark.django_db(transaction=True)
def test_openssl_asking_for_two_certificates_at_once_gets_both_answers(pair, tmp_path, live_server):
    output = ask_openssl(tmp_path, f"{live_server.url}/pki/ocsp", "-cert", "old.pem", "-cert", "new.pem")
    assert "Response verify OK" in output, output
    assert "old.pem: revoked" in output and "superseded" in output
    assert "new.pem: good" in output


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("digest", ["-md5", "-sha1", "-sha256", "-sha512", "-sha3-256", "-sha3-512"])
def test_openssl_gets_a_verified_answer_whatever_the_certid_hash(pair, tmp_path, live_server, digest):
    output = ask_openssl(tmp_path, f"{live_server.url}/pki/ocsp", digest, "-cert", "new.pem", "-cert", "old.pem")
    assert "Response verify OK" in output, output
    assert "new.pem: good" in output and "old.pem: revoked" in output


@pytest.mark.django_db(transaction=True)
def test_openssl_nonce_is_echoed_when_signed_on_the_fly(pair, tmp_path, live_server):
    output = ask_openssl(tmp_path, f"{live_server.url}/pki/ocsp", "-cert", "old.pem", "-cert", "new.pem")
    assert "WARNING: no nonce" not in output and "nonce verify error" not in output, output


def cert_id(*, algorithm="sha1", name_hash=None, key_hash=None, serial=1):
    size = ocsp_request.HASHES[algorithm].digest_size if algorithm in ocsp_request.HASHES else 20
    return der_ocsp.CertId(
        {
            "hash_algorithm": {"algorithm": algorithm},
            "issuer_name_hash": name_hash if name_hash is not None else b"\x01" * size,
            "issuer_key_hash": key_hash if key_hash is not None else b"\x02" * size,
            "serial_number": serial,
        }
    )


def ca_der(authority) -> bytes:
    return ocsp_request.certificate_der(authority.certificate)


def our_cert_id(certificate, algorithm="sha1"):
    name_hash, key_hash = ocsp_request.issuer_hashes(ca_der(ca.get_authority()), algorithm)
    return cert_id(algorithm=algorithm, name_hash=name_hash, key_hash=key_hash, serial=int(certificate.serial, 16))


def request_der(cert_ids, *, nonces=()):
    tbs = {"request_list": [{"req_cert": one} for one in cert_ids]}
    if nonces:
        tbs["request_extensions"] = [{"extn_id": "nonce", "critical": False, "extn_value": n} for n in nonces]
    return der_ocsp.OCSPRequest({"tbs_request": tbs}).dump()


def post(client, der):
    return client.post("/pki/ocsp", der, content_type="application/ocsp-request")


def test_our_issuer_hashes_are_the_ones_cryptography_computes(db):
    authority = ca.get_authority()
    for algorithm, name in ((hashes.SHA1(), "sha1"), (hashes.SHA256(), "sha256")):
        probe = ocsp.OCSPRequestBuilder().add_certificate(authority.certificate, authority.certificate, algorithm)
        probe = probe.build()
        assert ocsp_request.issuer_hashes(ocsp_request.certificate_der(authority.certificate), name) == (
            probe.issuer_name_hash,
            probe.issuer_key_hash,
        )


@pytest.mark.django_db
def test_each_certid_gets_its_own_answer_in_the_order_asked(pair, client):
    old, new = pair
    asked = [our_cert_id(new, "sha3_256"), cert_id(serial=12345), our_cert_id(old, "md5"), our_cert_id(new)]
    response = post(client, request_der(asked))
    assert response["Content-Type"] == OCSP_TYPE
    answer = der_ocsp.OCSPResponse.load(response.content)
    singles = answer.basic_ocsp_response["tbs_response_data"]["responses"]
    assert [single["cert_id"].dump() for single in singles] == [one.dump() for one in asked]
    assert [single["cert_status"].name for single in singles] == ["good", "unknown", "revoked", "good"]
    assert singles[2]["cert_status"].chosen["revocation_reason"].native == "superseded"


@pytest.mark.django_db
def test_a_hash_we_cannot_compute_and_another_issuer_are_unknown(pair, client):
    _, new = pair
    foreign = cert_id(serial=int(new.serial, 16))  # our serial, another issuer's hashes
    unusual = cert_id(algorithm="md2", serial=int(new.serial, 16))
    answer = der_ocsp.OCSPResponse.load(post(client, request_der([foreign, unusual])).content)
    singles = answer.basic_ocsp_response["tbs_response_data"]["responses"]
    assert [single["cert_status"].name for single in singles] == ["unknown", "unknown"]


MALFORMED_REQUESTS = {
    "garbage": b"not der at all",
    "empty body": b"",
    "zero entries": request_der([]),
    "negative serial": request_der([cert_id(serial=-5)]),
    "wrong hash length": request_der([cert_id(algorithm="sha256", name_hash=b"\x01" * 20, key_hash=b"\x02" * 20)]),
    "duplicate nonce extension": request_der([cert_id()], nonces=[b"a" * 16, b"b" * 16]),
    "nonce over 32 octets": request_der([cert_id()], nonces=[b"n" * 33]),
    "trailing bytes": request_der([cert_id()]) + b"\x00",
}


@pytest.mark.django_db
@pytest.mark.parametrize("label", MALFORMED_REQUESTS)
def test_a_malformed_request_gets_malformed_request_in_ocsp_and_one_log_line(client, caplog, label):
    der = MALFORMED_REQUESTS[label]
    with caplog.at_level(logging.INFO, logger="naccs.pki.ocsp"):
        answers = [post(client, der)]
        if der:  # a GET needs something after /pki/ocsp/
            answers.append(client.get("/pki/ocsp/" + base64.b64encode(der).decode()))
    for response in answers:
        assert response.status_code == 200 and response["Content-Type"] == OCSP_TYPE
        status = ocsp.load_der_ocsp_response(response.content).response_status
        assert status == ocsp.OCSPResponseStatus.MALFORMED_REQUEST
    records = [record for record in caplog.records if record.name == "naccs.pki.ocsp"]
    assert len(records) == len(answers)
    assert all(record.exc_info is None and "\n" not in record.getMessage() for record in records)


@pytest.mark.django_db
def test_a_failure_answers_internal_error_in_ocsp_with_one_log_line(pair, client, caplog, settings, tmp_path):
    asked = request_der([our_cert_id(pair[1])])
    settings.CA_DIR = tmp_path / "no-ca-here"
    with caplog.at_level(logging.INFO, logger="naccs.pki.ocsp"):
        response = post(client, asked)
    assert response.status_code == 200 and response["Content-Type"] == OCSP_TYPE
    assert ocsp.load_der_ocsp_response(response.content).response_status == ocsp.OCSPResponseStatus.INTERNAL_ERROR
    records = [record for record in caplog.records if record.name == "naccs.pki.ocsp"]
    assert len(records) == 1 and records[0].exc_info is None and records[0].levelno == logging.ERROR


@pytest.mark.django_db
@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    position=st.integers(min_value=0, max_value=200),
    value=st.integers(min_value=0, max_value=255),
    several=st.booleans(),  # read by asn1crypto, or (one CertID, SHA-1) by cryptography
)
def test_any_corruption_of_a_request_is_answered_in_ocsp(position, value, several):
    asked = [cert_id(), cert_id(algorithm="sha256", serial=7)] if several else [cert_id()]
    der = bytearray(request_der(asked, nonces=[b"x" * 16]))
    der[position % len(der)] = value
    answer = ocsp.load_der_ocsp_response(responder.respond(bytes(der)).der)
    assert answer.response_status in (ocsp.OCSPResponseStatus.SUCCESSFUL, ocsp.OCSPResponseStatus.MALFORMED_REQUEST)


@pytest.mark.django_db
def test_every_answer_is_signed_by_a_short_lived_responder_the_ca_certified(pair, client):
    """Issue 25 #3 (RFC 6960 §4.2.2.2): a delegated responder, not the CA key, signs; its certificate travels in the
    answer, issued by our CA for OCSP signing only, with id-pkix-ocsp-nocheck, for a few days."""
    _, new = pair
    authority = ca.get_authority().certificate
    leaf = x509.load_pem_x509_certificate(new.pem.encode())
    der = ocsp.OCSPRequestBuilder().add_certificate(leaf, authority, hashes.SHA256()).build()
    answer = ocsp.load_der_ocsp_response(post(client, der.public_bytes(serialization.Encoding.DER)).content)
    assert answer.certificate_status == ocsp.OCSPCertStatus.GOOD
    [signer] = answer.certificates
    assert signer != authority
    signer.verify_directly_issued_by(authority)
    extensions = signer.extensions
    assert list(extensions.get_extension_for_class(x509.ExtendedKeyUsage).value) == [ExtendedKeyUsageOID.OCSP_SIGNING]
    assert extensions.get_extension_for_class(x509.OCSPNoCheck)
    assert not extensions.get_extension_for_class(x509.BasicConstraints).value.ca
    assert signer.not_valid_after_utc - signer.not_valid_before_utc <= timedelta(days=7)
    assert answer.responder_key_hash == x509.SubjectKeyIdentifier.from_public_key(signer.public_key()).digest
    signer.public_key().verify(
        answer.signature, answer.tbs_response_bytes, ec.ECDSA(answer.signature_hash_algorithm)
    )  # raises InvalidSignature otherwise
    with pytest.raises(InvalidSignature):
        authority.public_key().verify(answer.signature, answer.tbs_response_bytes, ec.ECDSA(hashes.SHA256()))
