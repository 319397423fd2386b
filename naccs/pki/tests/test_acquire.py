from datetime import timedelta

import pytest
from cryptography import x509
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from cryptography.hazmat.primitives.serialization import pkcs12
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID
from django.utils import timezone

from naccs.accounts.models import FailureCount
from naccs.audit.models import AuditEvent
from naccs.pki import acquisition, pickups
from naccs.pki.models import CertificatePickup
from naccs.terminals.models import Certificate

from .conftest import CODES, P12_PASSWORD, acquire, certify

pytestmark = pytest.mark.django_db


def load(acquired):
    return pkcs12.load_pkcs12(acquired.pkcs12, P12_PASSWORD.encode())


def test_a_renewable_terminal_gets_a_pkcs12_with_key_certificate_and_chain(renewable, test_ca):
    bundle = load(acquire())
    assert isinstance(bundle.key, rsa.RSAPrivateKey) and bundle.key.key_size == 2048
    assert bundle.cert.friendly_name == b"11110A"
    assert bundle.cert.certificate.public_key() == bundle.key.public_key()
    (chain,) = bundle.additional_certs
    assert chain.certificate.subject == bundle.cert.certificate.issuer


def test_the_client_certificate_profile(renewable, settings):
    settings.SITE_URL = "https://support.example.jp"
    settings.PKI_BASE_URL = "http://pki.support.example.jp"
    certificate = load(acquire()).cert.certificate
    assert certificate.extensions.get_extension_for_class(x509.BasicConstraints).value.ca is False
    assert certificate.extensions.get_extension_for_class(x509.BasicConstraints).critical
    usage = certificate.extensions.get_extension_for_class(x509.KeyUsage)
    assert usage.critical and usage.value.digital_signature and not usage.value.key_cert_sign
    eku = certificate.extensions.get_extension_for_class(x509.ExtendedKeyUsage).value
    assert list(eku) == [ExtendedKeyUsageOID.CLIENT_AUTH]
    subject = certificate.subject
    assert subject.get_attributes_for_oid(NameOID.COMMON_NAME)[0].value == "11110A"
    assert subject.get_attributes_for_oid(NameOID.ORGANIZATIONAL_UNIT_NAME)[0].value == "NAC11110A"
    assert subject.get_attributes_for_oid(NameOID.ORGANIZATION_NAME)[0].value == "通関商事株式会社"
    crl_point = certificate.extensions.get_extension_for_class(x509.CRLDistributionPoints).value[0]
    # Issue 25 #6: plain HTTP (PKI_BASE_URL), not the portal's https SITE_URL, as RFC 5280 and RFC 5019 clients fetch.
    assert crl_point.full_name[0].value == "http://pki.support.example.jp/pki/crl"
    access = certificate.extensions.get_extension_for_class(x509.AuthorityInformationAccess).value
    assert {(item.access_method, item.access_location.value) for item in access} == {
        (x509.AuthorityInformationAccessOID.OCSP, "http://pki.support.example.jp/pki/ocsp"),
        (x509.AuthorityInformationAccessOID.CA_ISSUERS, "http://pki.support.example.jp/pki/ca"),
    }


def test_serials_are_random_and_large(terminal):
    serials = {int(certify(terminal, age_days=0).serial, 16) for _ in range(3)}
    assert len(serials) == 3
    assert all(serial.bit_length() > 128 - 8 for serial in serials)


def test_ec_keys_can_be_chosen(renewable, settings):
    settings.TERMINAL_KEY_TYPE = "ec"
    assert isinstance(load(acquire()).key, ec.EllipticCurvePrivateKey)


def test_a_new_certificate_revokes_the_previous_one(renewable):
    previous = Certificate.objects.get(terminal=renewable)
    acquired = acquire()
    previous.refresh_from_db()
    assert previous.revocation_reason == Certificate.RevocationReason.SUPERSEDED
    assert Certificate.objects.filter(terminal=renewable, revoked_at__isnull=True).get() == acquired.certificate


def test_the_private_key_is_never_stored(renewable):
    acquired = acquire()
    stored = Certificate.objects.get(pk=acquired.certificate.pk)
    assert "PRIVATE KEY" not in stored.pem
    assert not any("key" in field.name for field in Certificate._meta.fields)


def test_an_open_pickup_allows_acquisition_outside_the_window(terminal):
    certify(terminal, age_days=30)
    pickup = pickups.open_pickup(terminal=terminal)
    acquired = acquire()
    pickup.refresh_from_db()
    assert pickup.acquired_at is not None and pickup.certificate == acquired.certificate
    with pytest.raises(acquisition.AcquisitionRefused):
        acquire()  # the pickup is used up and the new certificate is not in its window


def test_a_valid_certificate_outside_the_window_is_refused_with_the_date(terminal):
    certify(terminal, age_days=30)
    with pytest.raises(acquisition.AcquisitionRefused, match=r"有効期限の28日前（.*）から行えます"):
        acquire()


@pytest.mark.parametrize("expired_for", [timedelta(minutes=1), timedelta(days=1)])
def test_a_certificate_that_has_just_expired_needs_a_reissue_application(terminal, expired_for):
    certify(terminal, expires_at=timezone.now() - expired_for)
    with pytest.raises(acquisition.AcquisitionRefused, match="有効期限が切れているため、取得できません"):
        acquire()
    assert Certificate.objects.filter(terminal=terminal).count() == 1


def test_an_expired_certificate_needs_a_reissue_application(terminal):
    certify(terminal, age_days=400)
    with pytest.raises(acquisition.AcquisitionRefused, match="再発行の申込を行ってください"):
        acquire()


@pytest.mark.parametrize(
    ("name", "codes"),
    [
        ("11110A", ("WRONG", CODES[1], CODES[2])),
        ("11110A", (CODES[0], "WRONG", CODES[2])),
        ("11110A", (CODES[0], CODES[1], "WRONG")),
        ("99999Z", CODES),
    ],
)
def test_wrong_codes_never_tell_which_was_wrong(renewable, name, codes):
    with pytest.raises(acquisition.AcquisitionRefused) as refusal:
        acquire(terminal_name=name, codes=codes)
    assert str(refusal.value) == acquisition.WRONG_CODES


def test_a_success_is_audited_and_refusals_are_counted_not_written_one_by_one(renewable):
    for _ in range(3):
        with pytest.raises(acquisition.AcquisitionRefused):
            acquire(codes=("WRONG", CODES[1], CODES[2]))
    acquire()
    assert AuditEvent.objects.filter(action="certificate.issued", actor_label="192.0.2.10").count() == 1
    # Issue 13 item 10: the refusals are one count per terminal, address and window, not an audit row each.
    count = FailureCount.objects.get(scope="acquire.terminal+address")
    assert (count.key, count.failures) == ("11110A 192.0.2.10", 3)
    assert not AuditEvent.objects.exclude(action__startswith="certificate.").exists()


def test_a_pickup_is_opened_once(terminal):
    first = pickups.open_pickup(terminal=terminal)
    assert pickups.open_pickup(terminal=terminal) == first
    assert CertificatePickup.objects.count() == 1


def test_acquiring_audits_the_revocation_and_the_issue(terminal):
    previous = certify(terminal, age_days=30)
    pickup = pickups.open_pickup(terminal=terminal)
    acquired = acquire()
    revoked = AuditEvent.objects.get(action="certificate.revoked")
    assert (revoked.object_id, revoked.actor_label) == (str(previous.pk), "192.0.2.10")
    assert revoked.company == terminal.company
    assert revoked.after["reason"] == "superseded" and revoked.details == {"terminal": "11110A"}
    issued = AuditEvent.objects.get(action="certificate.issued", actor_label="192.0.2.10")
    assert (issued.object_id, issued.company) == (str(acquired.certificate.pk), terminal.company)
    assert issued.after["serial"] == acquired.certificate.serial
    assert issued.details == {"terminal": "11110A", "via": "取得", "pickup": pickup.pk}
    assert abs(issued.created_at - revoked.created_at).total_seconds() < 1
    assert abs(issued.created_at - timezone.now()).total_seconds() < 60
