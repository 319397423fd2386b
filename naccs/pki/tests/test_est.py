"""EST (RFC 7030) behind the TLS proxy: renewal with the current certificate only, on the rules of 取得."""

import base64
import email
import subprocess
from datetime import date, timedelta

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.serialization import pkcs7
from django.utils import timezone

from naccs.audit.models import AuditEvent
from naccs.pki import ca, ocsp, pickups, revocation
from naccs.terminals.models import Certificate

from .conftest import certify, uncertified_terminal
from .est_helpers import KEYGEN, REENROLL, csr_for, est_body, from_proxy

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("proxy_secret")]


def reenroll(client, presented_pem, name="11110A", key=None, **proxy):
    key, csr = csr_for(name, key)
    headers = from_proxy(presented_pem, **proxy)
    response = client.post(REENROLL, est_body(csr), content_type="application/pkcs10", **headers)
    return key, response


def certificates_in(response) -> list[x509.Certificate]:
    assert response["Content-Type"].startswith("application/pkcs7-mime")
    assert response["Content-Transfer-Encoding"] == "base64"
    return pkcs7.load_der_pkcs7_certificates(base64.b64decode(response.content))


def text_of(response) -> str:
    assert response["Content-Type"] == "text/plain; charset=utf-8"
    return response.content.decode()


def test_cacerts_gives_our_ca_certificate(client):
    response = client.get("/.well-known/est/cacerts")
    assert response.status_code == 200
    assert certificates_in(response) == [ca.get_authority().certificate]


def test_csrattrs_asks_for_a_challenge_password_and_the_key_type(client, settings, tmp_path):
    settings.TERMINAL_KEY_TYPE = "rsa"
    response = client.get("/.well-known/est/csrattrs")
    assert response["Content-Type"] == "application/csrattrs"
    (tmp_path / "attrs.der").write_bytes(base64.b64decode(response.content))
    parsed = subprocess.run(
        ["openssl", "asn1parse", "-inform", "DER", "-in", "attrs.der"], cwd=tmp_path, capture_output=True, text=True
    )
    assert parsed.returncode == 0, parsed.stderr
    assert "challengePassword" in parsed.stdout
    assert "rsaEncryption" in parsed.stdout
    assert "sha256WithRSAEncryption" in parsed.stdout


@pytest.mark.clock("2027-03-01T08:30")
def test_it_renews_inside_the_window_with_the_new_key(client, current):
    key, response = reenroll(client, current.pem)
    assert response.status_code == 200, response.content
    [issued] = certificates_in(response)
    assert issued.public_key() == key.public_key()
    assert issued.subject.rfc4514_string().startswith("CN=11110A")
    # valid 1年間 from now (manual ②), counted in Tokyo: over the leap day to the same date a year on
    assert timezone.localtime(issued.not_valid_after_utc).date() == date(2028, 3, 1)
    new_row = Certificate.objects.get(serial=f"{issued.serial_number:x}")
    current.refresh_from_db()
    assert current.revocation_reason == Certificate.RevocationReason.SUPERSEDED
    assert new_row.revoked_at is None
    event = AuditEvent.objects.get(action="certificate.issued", object_id=str(new_row.pk))
    assert event.details["via"] == "EST simplereenroll"


def test_the_crl_and_ocsp_know_the_superseded_certificate(client, current):
    _, response = reenroll(client, current.pem)
    [issued] = certificates_in(response)
    crl = x509.load_der_x509_crl(bytes(revocation.current_crl().der))
    assert crl.get_revoked_certificate_by_serial_number(int(current.serial, 16)) is not None
    authority = ca.get_authority().certificate
    for certificate, status in ((x509.load_pem_x509_certificate(current.pem.encode()), "REVOKED"), (issued, "GOOD")):
        request = x509.ocsp.OCSPRequestBuilder().add_certificate(certificate, authority, ca.hashes.SHA256()).build()
        answer = x509.ocsp.load_der_ocsp_response(ocsp.respond(request.public_bytes(serialization.Encoding.DER)).der)
        assert answer.certificate_status.name == status


def test_a_replayed_request_after_the_retry_window_is_refused(client, current, clock, settings):
    key, first = reenroll(client, current.pem)
    assert first.status_code == 200
    clock.advance(minutes=settings.EST_RETRY_MINUTES, seconds=1)
    _, again = reenroll(client, current.pem, key=key)
    assert again.status_code == 403
    assert "更新済み" in text_of(again)
    assert Certificate.objects.filter(terminal=current.terminal).count() == 2


def test_the_new_certificate_is_outside_its_window_so_one_renewal_per_window(client, current):
    _, first = reenroll(client, current.pem)
    [issued] = certificates_in(first)
    _, second = reenroll(client, issued.public_bytes(serialization.Encoding.PEM).decode())
    assert second.status_code == 403
    assert "28日前" in text_of(second)


def test_it_refuses_outside_the_window_with_the_date(client, terminal):
    current = certify(terminal, age_days=30)  # expires in 335 days
    _, response = reenroll(client, current.pem)
    assert response.status_code == 403
    opens = timezone.localtime(current.not_after).date() - timedelta(days=28)
    assert f"{opens:%Y/%m/%d}" in text_of(response)
    assert Certificate.objects.filter(terminal=terminal).count() == 1


@pytest.mark.parametrize("expired_for", [timedelta(minutes=1), timedelta(days=1)])
def test_it_refuses_a_certificate_that_has_just_expired(client, terminal, expired_for):
    expired = certify(terminal, expires_at=timezone.now() - expired_for)
    _, response = reenroll(client, expired.pem)
    assert response.status_code == 403
    assert "有効期限が切れている" in text_of(response)
    assert Certificate.objects.filter(terminal=terminal).count() == 1


def test_it_refuses_an_expired_certificate(client, terminal):
    expired = certify(terminal, age_days=370)
    _, response = reenroll(client, expired.pem)
    assert response.status_code == 403
    assert "有効期限が切れている" in text_of(response)


def test_it_refuses_a_revoked_certificate(client, current):
    revocation.revoke_certificate(certificate=current, reason=Certificate.RevocationReason.KEY_COMPROMISE)
    _, response = reenroll(client, current.pem)
    assert response.status_code == 403
    assert "失効しています" in text_of(response) and "再発行の申込" in text_of(response)


def test_it_refuses_a_request_for_another_terminal(client, current, company):
    uncertified_terminal(company, name="11110B", codes=("NAC11110B", "X", "Y"))
    _, response = reenroll(client, current.pem, name="11110B")
    assert response.status_code == 403
    assert "11110A" in text_of(response) and "11110B" in text_of(response)
    assert not Certificate.objects.filter(terminal__name="11110B").exists()


def foreign_certificate(directory, *, serial) -> str:
    """A certificate for 11110A from another CA (made in `directory`), even with the serial of the real one."""
    original = ca.ca_dir()
    from django.conf import settings

    settings.CA_DIR = directory
    try:
        foreign = ca.create(key_type="ec", common_name="Someone Else's CA")
    finally:
        settings.CA_DIR = original
    now = timezone.now()
    builder = (
        x509.CertificateBuilder()
        .subject_name(x509.Name.from_rfc4514_string("CN=11110A"))
        .issuer_name(foreign.certificate.subject)
        .public_key(ca.new_private_key("ec").public_key())
        .serial_number(serial)
        .not_valid_before(now)
        .not_valid_after(now + timedelta(days=30))
    )
    return foreign.sign(builder).public_bytes(serialization.Encoding.PEM).decode()


def test_it_refuses_a_certificate_of_another_ca(client, current, tmp_path):
    forged = foreign_certificate(tmp_path / "other-ca", serial=int(current.serial, 16))
    _, response = reenroll(client, forged)
    assert response.status_code == 403
    assert "認証局が発行した証明書ではありません" in text_of(response)
    current.refresh_from_db()
    assert current.revoked_at is None


def test_without_a_client_certificate_it_asks_for_one(client, current):
    _, response = reenroll(client, None)
    assert response.status_code == 401
    assert "クライアント証明書がありません" in text_of(response)


@pytest.mark.parametrize(
    "proxy",
    [{"address": "192.0.2.7"}, {"secret": "guessed"}, {"verify": "FAILED:certificate has expired"}, {"verify": "NONE"}],
    ids=["not-from-the-proxy", "wrong-secret", "verification-failed", "not-verified"],
)
def test_the_certificate_header_is_believed_only_from_the_proxy(client, current, proxy):
    _, response = reenroll(client, current.pem, **proxy)
    assert response.status_code == 401
    current.refresh_from_db()
    assert current.revoked_at is None


def test_without_a_proxy_secret_no_header_is_believed(client, current, settings):
    settings.TLS_PROXY_SECRET = ""
    _, response = reenroll(client, current.pem, secret="")
    assert response.status_code == 401


def test_it_accepts_only_application_pkcs10(client, current):
    _, csr = csr_for("11110A")
    response = client.post(REENROLL, est_body(csr), content_type="text/plain", **from_proxy(current.pem))
    assert response.status_code == 415
    current.refresh_from_db()
    assert current.revoked_at is None


def test_it_refuses_a_malformed_request_and_the_same_key(client, current):
    response = client.post(REENROLL, b"not a csr", content_type="application/pkcs10", **from_proxy(current.pem))
    assert response.status_code == 400
    assert "PKCS#10" in text_of(response)
    key, same_key = reenroll(client, current.pem)
    assert same_key.status_code == 200
    [issued] = certificates_in(same_key)
    _, reused = reenroll(client, issued.public_bytes(serialization.Encoding.PEM).decode(), key=key)
    assert reused.status_code == 400
    assert "同じ鍵" in text_of(reused)


def test_serverkeygen_returns_an_encrypted_pkcs8_key_and_its_certificate(client, current, tmp_path):
    _, csr = csr_for("11110A", challenge_password="key-pass-2026")
    response = client.post(KEYGEN, est_body(csr), content_type="application/pkcs10", **from_proxy(current.pem))
    assert response.status_code == 200, response.content
    message = email.message_from_bytes(f"Content-Type: {response['Content-Type']}\r\n\r\n".encode() + response.content)
    key_part, certificate_part = message.get_payload()
    assert key_part.get_content_type() == "application/pkcs8"
    encrypted = key_part.get_payload(decode=True)
    with pytest.raises(TypeError):
        serialization.load_der_private_key(encrypted, password=None)  # encrypted: needs the password
    key = serialization.load_der_private_key(encrypted, password=b"key-pass-2026")
    [issued] = pkcs7.load_der_pkcs7_certificates(certificate_part.get_payload(decode=True))
    assert issued.public_key() == key.public_key()
    assert issued.public_key() != csr.public_key()
    (tmp_path / "key.der").write_bytes(encrypted)
    opened = subprocess.run(
        ["openssl", "pkcs8", "-inform", "DER", "-in", "key.der", "-passin", "pass:key-pass-2026"],
        cwd=tmp_path, capture_output=True, text=True,
    )  # fmt: skip
    assert opened.returncode == 0 and "BEGIN PRIVATE KEY" in opened.stdout, opened.stderr


def test_serverkeygen_needs_a_password_in_the_request(client, current):
    _, csr = csr_for("11110A")
    response = client.post(KEYGEN, est_body(csr), content_type="application/pkcs10", **from_proxy(current.pem))
    assert response.status_code == 400
    assert "challengePassword" in text_of(response)
    current.refresh_from_db()
    assert current.revoked_at is None


def test_a_renewal_uses_up_an_open_pickup(client, current):
    pickup = pickups.open_pickup(terminal=current.terminal)
    _, response = reenroll(client, current.pem)
    [issued] = certificates_in(response)
    pickup.refresh_from_db()
    assert pickup.acquired_at is not None
    assert pickup.certificate.serial == f"{issued.serial_number:x}"


def test_every_refusal_is_audited(client, current):
    _, response = reenroll(client, None)
    assert response.status_code == 401
    assert AuditEvent.objects.filter(action="est.refused", details__status=401).count() == 1
