"""Issue 25 #3: the delegated OCSP responder certificate, issued by the worker and renewed before it expires; its
key stored encrypted; the revocation responder says tryLater rather than open the CA key when there is none."""

import pytest
from cryptography import x509
from cryptography.hazmat.primitives.serialization import pkcs12
from cryptography.x509 import ocsp

from naccs.pki import ca, ocsp_signer
from naccs.pki import ocsp as responder
from naccs.pki.models import OCSPResponderKey
from naccs.terminals.models import Certificate

from .conftest import the_worker_runs
from .test_prepared import request_for

pytestmark = pytest.mark.django_db


def signer_of(der: bytes) -> x509.Certificate:
    [signer] = ocsp.load_der_ocsp_response(der).certificates
    return signer


def test_the_worker_renews_the_responder_certificate_before_it_expires(renewable, clock):
    # Relative to now, not a marked moment: the session's test CA may be made by this test's fixtures, and must not
    # start in the future for the openssl of later tests.
    certificate = renewable.certificates.get()
    the_worker_runs()
    first = OCSPResponderKey.objects.get()
    assert first.not_after - first.not_before == ocsp_signer.VALIDITY
    assert signer_of(responder.respond(request_for(certificate)).der).serial_number == (
        x509.load_pem_x509_certificate(first.certificate_pem.encode()).serial_number
    )

    clock.advance(days=1)
    the_worker_runs()
    assert OCSPResponderKey.objects.count() == 1  # still far from its end

    clock.advance(days=1, minutes=1)  # less than RENEW_BEFORE (2 days) left
    the_worker_runs()
    second = OCSPResponderKey.objects.first()
    assert second != first and second.not_after > first.not_after
    ocsp_signer.forget()  # another process: reads the newest at its next check
    answered = signer_of(responder.respond(request_for(certificate, nonce=b"n" * 8)).der)
    assert answered.serial_number == x509.load_pem_x509_certificate(second.certificate_pem.encode()).serial_number
    assert answered.not_valid_after_utc == second.not_after

    clock.advance(days=2)  # the first has expired: the worker forgets it
    the_worker_runs()
    assert not OCSPResponderKey.objects.filter(pk=first.pk).exists()
    assert OCSPResponderKey.objects.filter(pk=second.pk).exists()


def test_the_responder_key_is_stored_encrypted(renewable):
    the_worker_runs()
    stored = bytes(OCSPResponderKey.objects.get().key_pkcs12)
    with pytest.raises(ValueError):
        pkcs12.load_key_and_certificates(stored, None)
    key, certificate, _ = pkcs12.load_key_and_certificates(stored, ocsp_signer.key_password())
    assert key.public_key() == certificate.public_key()


def test_without_a_responder_certificate_the_responder_answers_try_later_and_never_issues(renewable, monkeypatch):
    der = request_for(renewable.certificates.get())

    def no_ca():
        raise AssertionError("the CA was asked")

    monkeypatch.setattr(ca, "get_authority", no_ca)
    answer = ocsp.load_der_ocsp_response(responder.respond(der, may_issue_responder=False).der)
    assert answer.response_status == ocsp.OCSPResponseStatus.TRY_LATER
    assert not OCSPResponderKey.objects.exists()


def test_the_portal_issues_one_when_none_exists(renewable):
    """The portal holds the CA key for 取得 anyway: before the worker's first run it issues the responder itself."""
    der = responder.respond(request_for(renewable.certificates.get())).der
    assert ocsp.load_der_ocsp_response(der).certificate_status == ocsp.OCSPCertStatus.GOOD
    signer_of(der).verify_directly_issued_by(ca.get_authority().certificate)
    assert OCSPResponderKey.objects.count() == 1
    assert Certificate.objects.count() == 1  # the responder's certificate is not a terminal's
