"""Pre-produced OCSP responses (issue 17 #1, #2): kept for every unexpired certificate, re-signed when revoked or half
way through their validity, served without signing, fresh within 5 seconds of a revocation on the real endpoint."""

import base64
import time
import urllib.error
import urllib.parse
import urllib.request
from datetime import timedelta

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.x509 import ocsp
from django.utils import timezone
from django.utils.http import http_date

from naccs.pki import ca, ocsp_prepared, revocation
from naccs.pki.models import PreparedOCSPResponse
from naccs.terminals.models import Certificate

from .conftest import certify, uncertified_terminal

# Issue 17: pre-produced responses for SHA-1 (RFC 5019) and SHA-256 CertIDs; four hours of validity, re-signed
# after half of it.
VALIDITY = timedelta(hours=4)


def request_for(certificate, algorithm=hashes.SHA1(), nonce=None) -> bytes:
    leaf = x509.load_pem_x509_certificate(certificate.pem.encode())
    builder = ocsp.OCSPRequestBuilder().add_certificate(leaf, ca.get_authority().certificate, algorithm)
    if nonce:
        builder = builder.add_extension(x509.OCSPNonce(nonce), critical=False)
    return builder.build().public_bytes(serialization.Encoding.DER)


def post(client, der):
    return client.post("/pki/ocsp", der, content_type="application/ocsp-request")


@pytest.fixture
def certificates(company):
    """Two terminals: one certificate good, one revoked (superseded), one good and new; and one expired."""
    first, second = uncertified_terminal(company, name="11110A"), uncertified_terminal(company, name="22220B")
    superseded = certify(first, age_days=100)
    current = certify(first, age_days=1)
    other = certify(second, age_days=10)
    expired = certify(uncertified_terminal(company, name="33330C"), age_days=400)
    return {"superseded": superseded, "current": current, "other": other, "expired": expired}


@pytest.mark.django_db
def test_the_worker_keeps_one_response_per_unexpired_certificate_and_hash(certificates):
    signed = ocsp_prepared.refresh_prepared()
    unexpired = [certificates[name] for name in ("superseded", "current", "other")]
    assert signed == 2 * len(unexpired)
    stored = PreparedOCSPResponse.objects.all()
    assert {(row.certificate_id, row.hash_algorithm) for row in stored} == {
        (certificate.pk, algorithm) for certificate in unexpired for algorithm in ("sha1", "sha256")
    }
    row = stored.get(certificate=certificates["superseded"], hash_algorithm="sha1")
    assert row.revoked and row.next_update - row.this_update == VALIDITY
    answer = ocsp.load_der_ocsp_response(bytes(row.der))
    assert answer.certificate_status == ocsp.OCSPCertStatus.REVOKED
    assert answer.serial_number == int(certificates["superseded"].serial, 16)
    assert ocsp_prepared.refresh_prepared() == 0  # nothing due


@pytest.mark.django_db
def test_a_revocation_and_half_the_validity_make_the_worker_sign_again(certificates):
    ocsp_prepared.refresh_prepared()
    revocation.revoke_certificate(certificate=certificates["other"], reason=Certificate.RevocationReason.KEY_COMPROMISE)
    assert ocsp_prepared.refresh_prepared() == 2  # the revoked certificate's two responses
    row = PreparedOCSPResponse.objects.get(certificate=certificates["other"], hash_algorithm="sha256")
    assert row.revoked
    almost_half = timezone.now() + VALIDITY / 2 - timedelta(minutes=1)
    assert ocsp_prepared.refresh_prepared(almost_half) == 0
    assert ocsp_prepared.refresh_prepared(timezone.now() + VALIDITY / 2 + timedelta(seconds=1)) == 6


@pytest.mark.django_db
def test_responses_of_expired_certificates_are_forgotten(certificates):
    ocsp_prepared.refresh_prepared()
    current = certificates["current"]
    ocsp_prepared.refresh_prepared(current.not_after + timedelta(seconds=1))
    assert not PreparedOCSPResponse.objects.filter(certificate=current).exists()


@pytest.mark.django_db
@pytest.mark.parametrize("algorithm", [hashes.SHA1(), hashes.SHA256()])
def test_a_post_is_answered_with_the_stored_response_without_signing(certificates, client, monkeypatch, algorithm):
    ocsp_prepared.refresh_prepared()
    current = certificates["current"]
    monkeypatch.setattr(ca.CertificateAuthority, "sign", lambda *args: pytest.fail("signed on the request path"))
    response = post(client, request_for(current, algorithm, nonce=b"n" * 16))
    stored = PreparedOCSPResponse.objects.get(certificate=current, hash_algorithm=algorithm.name)
    assert response.content == bytes(stored.der)
    answer = ocsp.load_der_ocsp_response(response.content)
    assert answer.certificate_status == ocsp.OCSPCertStatus.GOOD
    # RFC 5019: the nonce is not echoed by a pre-produced response
    assert not [extension for extension in answer.extensions if isinstance(extension.value, x509.OCSPNonce)]


@pytest.mark.django_db
def test_a_request_before_the_worker_signs_and_stores_once(certificates, client):
    current = certificates["current"]
    first = post(client, request_for(current)).content
    assert PreparedOCSPResponse.objects.filter(certificate=current).count() == 1
    assert post(client, request_for(current)).content == first


@pytest.mark.django_db
def test_a_revocation_after_the_response_was_stored_shows_at_the_next_request(certificates, client):
    ocsp_prepared.refresh_prepared()
    current = certificates["current"]
    assert ocsp.load_der_ocsp_response(post(client, request_for(current)).content).certificate_status.name == "GOOD"
    revocation.revoke_certificate(certificate=current, reason=Certificate.RevocationReason.KEY_COMPROMISE)
    answer = ocsp.load_der_ocsp_response(post(client, request_for(current)).content)
    assert answer.certificate_status == ocsp.OCSPCertStatus.REVOKED
    assert answer.revocation_reason == x509.ReasonFlags.key_compromise


@pytest.mark.django_db
def test_a_get_carries_caching_headers_consistent_with_next_update_and_answers_304(certificates, client):
    ocsp_prepared.refresh_prepared()
    url = "/pki/ocsp/" + base64.b64encode(request_for(certificates["other"])).decode()
    response = client.get(url)
    answer = ocsp.load_der_ocsp_response(response.content)
    remaining = (answer.next_update_utc - timezone.now()).total_seconds()
    max_age = int(response["Cache-Control"].split("max-age=")[1].split(",")[0])
    assert 0 < max_age <= remaining and max_age > remaining - 5
    assert "public" in response["Cache-Control"]
    assert response["Last-Modified"] == http_date(answer.produced_at_utc.timestamp())
    assert response["Expires"] == http_date(answer.next_update_utc.timestamp())
    again = client.get(url, headers={"If-None-Match": response["ETag"]})
    assert again.status_code == 304 and again.content == b""
    assert client.get(url, headers={"If-None-Match": '"other"'}).status_code == 200


@pytest.mark.django_db
def test_a_post_is_not_cacheable(certificates, client):
    response = post(client, request_for(certificates["other"]))
    assert response["Cache-Control"] == "no-store"


@pytest.mark.django_db
def test_a_stored_response_of_another_ca_is_not_served(certificates, client):
    """After a CA rotation, a response signed with the retired key is signed again."""
    ocsp_prepared.refresh_prepared()
    PreparedOCSPResponse.objects.update(issuer_key_hash=b"\x00" * 20, der=b"retired")
    assert post(client, request_for(certificates["other"])).content != b"retired"


def fetch(url, data=None):
    request = urllib.request.Request(url, data=data, headers={"Content-Type": "application/ocsp-request"})
    with urllib.request.urlopen(request, timeout=5) as response:
        return response.read(), response.headers  # names are case-insensitive (the responder sends them lowercase)


def poll_until(predicate, *, seconds):
    started = time.monotonic()
    while time.monotonic() - started < seconds:
        if predicate():
            return time.monotonic() - started
        time.sleep(0.1)
    pytest.fail(f"not within {seconds} s")


@pytest.mark.django_db(transaction=True)
def test_a_revocation_shows_on_the_production_endpoint_within_5_seconds(certificates, production_server, answers_kept):
    ocsp_prepared.refresh_prepared()
    current = certificates["current"]
    der = request_for(current)
    body, headers = fetch(f"{production_server}/pki/ocsp", der)
    assert headers["Content-Type"] == "application/ocsp-response"
    assert ocsp.load_der_ocsp_response(body).certificate_status == ocsp.OCSPCertStatus.GOOD
    revocation.revoke_certificate(certificate=current, reason=Certificate.RevocationReason.KEY_COMPROMISE)

    def revoked():
        status = ocsp.load_der_ocsp_response(fetch(f"{production_server}/pki/ocsp", der)[0]).certificate_status
        return status == ocsp.OCSPCertStatus.REVOKED

    assert poll_until(revoked, seconds=5) < 5


@pytest.mark.django_db(transaction=True)
def test_the_production_endpoint_answers_a_get_with_a_url_encoded_request_and_304(certificates, production_server):
    ocsp_prepared.refresh_prepared()
    encoded = urllib.parse.quote(base64.b64encode(request_for(certificates["superseded"])).decode(), safe="")
    url = f"{production_server}/pki/ocsp/{encoded}"
    body, headers = fetch(url)
    assert ocsp.load_der_ocsp_response(body).certificate_status == ocsp.OCSPCertStatus.REVOKED
    assert "max-age=" in headers["Cache-Control"] and headers["Last-Modified"]
    conditional = urllib.request.Request(url, headers={"If-None-Match": headers["ETag"]})
    with pytest.raises(urllib.error.HTTPError) as not_modified:
        urllib.request.urlopen(conditional, timeout=5)
    assert not_modified.value.code == 304
