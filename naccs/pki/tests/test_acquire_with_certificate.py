"""The 取得 page over HTTPS with the terminal's current certificate inside its window: 「更新する」 without the
認証コード, giving the PKCS#12 as 取得 does; otherwise the page is as before."""

import base64
import re
from datetime import timedelta

import pytest
from cryptography.hazmat.primitives.serialization import pkcs12
from cryptography.x509.oid import NameOID
from django.utils import timezone

from naccs.audit.models import AuditEvent
from naccs.pki import revocation
from naccs.terminals.models import Certificate

from .conftest import certify
from .est_helpers import from_proxy

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("proxy_secret")]
PAGE = "/pki/acquire/"
RENEW = {"renew": "1", "renew-password": "p12-pass-2026", "renew-password_confirm": "p12-pass-2026"}


def test_with_the_current_certificate_in_its_window_it_offers_to_renew(client, current):
    page = client.get(PAGE, **from_proxy(current.pem)).content.decode()
    assert "更新する</button>" in page
    assert "論理端末11110Aの現在のデジタル証明書" in page
    assert 'name="auth_code1"' in page  # the usual form stays below


def test_renewing_gives_the_pkcs12_and_supersedes_the_current_certificate(client, current):
    response = client.post(PAGE, RENEW, **from_proxy(current.pem))
    assert response.status_code == 200
    encoded = re.search(r"data:application/x-pkcs12;base64,([A-Za-z0-9+/=]+)", response.content.decode()).group(1)
    key, certificate, _ = pkcs12.load_key_and_certificates(base64.b64decode(encoded), b"p12-pass-2026")
    assert certificate.subject.get_attributes_for_oid(NameOID.COMMON_NAME)[0].value == "11110A"
    assert certificate.public_key() == key.public_key()
    current.refresh_from_db()
    assert current.revocation_reason == Certificate.RevocationReason.SUPERSEDED
    assert AuditEvent.objects.filter(action="certificate.issued", details__via="取得（現在の証明書で更新）").exists()


def test_a_second_renewal_with_the_same_certificate_is_refused(client, current):
    client.post(PAGE, RENEW, **from_proxy(current.pem))
    again = client.post(PAGE, RENEW, **from_proxy(current.pem)).content.decode()
    assert "更新する</button>" not in again  # superseded: no offer any more, the page is as before
    assert Certificate.objects.filter(terminal=current.terminal).count() == 2


def test_a_wrong_password_confirmation_is_shown_beside_the_field(client, current):
    response = client.post(PAGE, {**RENEW, "renew-password_confirm": "different-2026"}, **from_proxy(current.pem))
    assert "確認用のパスワードが一致しません" in response.content.decode()
    current.refresh_from_db()
    assert current.revoked_at is None


def test_outside_the_window_the_page_is_as_before(client, terminal):
    current = certify(terminal, age_days=30)
    page = client.get(PAGE, **from_proxy(current.pem)).content.decode()
    assert "更新する</button>" not in page and 'name="auth_code1"' in page
    client.post(PAGE, RENEW, **from_proxy(current.pem))
    current.refresh_from_db()
    assert current.revoked_at is None


def test_without_a_certificate_the_page_is_as_before(client, current):
    assert "更新する</button>" not in client.get(PAGE).content.decode()
    client.post(PAGE, RENEW)
    current.refresh_from_db()
    assert current.revoked_at is None


def test_a_revoked_certificate_is_offered_nothing(client, current):
    revocation.revoke_certificate(certificate=current, reason=Certificate.RevocationReason.KEY_COMPROMISE)
    assert "更新する</button>" not in client.get(PAGE, **from_proxy(current.pem)).content.decode()


def test_a_header_not_from_the_proxy_is_offered_nothing(client, current):
    assert "更新する</button>" not in client.get(PAGE, **from_proxy(current.pem, secret="x")).content.decode()


@pytest.mark.parametrize("expired_for", [timedelta(minutes=1), timedelta(days=1)])
def test_a_certificate_that_has_just_expired_is_offered_nothing(client, terminal, expired_for):
    """After expiry a reissue is needed (manual ②): no 「更新する」, and a POST of it renews nothing."""
    expired = certify(terminal, expires_at=timezone.now() - expired_for)
    assert "更新する</button>" not in client.get(PAGE, **from_proxy(expired.pem)).content.decode()
    client.post(PAGE, RENEW, **from_proxy(expired.pem))
    assert Certificate.objects.filter(terminal=terminal).count() == 1
    expired.refresh_from_db()
    assert expired.revoked_at is None


@pytest.mark.parametrize(("days_left", "offered"), [(28, True), (29, False)])
def test_it_is_offered_from_28_days_before_expiry(client, terminal, days_left, offered):
    current = certify(terminal, expires_at=timezone.now() + timedelta(days=days_left))
    page = client.get(PAGE, **from_proxy(current.pem)).content.decode()
    assert ("更新する</button>" in page) is offered
