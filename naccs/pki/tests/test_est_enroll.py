"""EST simpleenroll with the terminal's name and 認証コード as HTTP Basic (issue 29 item 3): the first 取得 without a
browser, on exactly the limits, pickup and audit rules of the 取得 page."""

import base64
from datetime import timedelta

import pytest
from cryptography.hazmat.primitives import serialization
from django.utils import timezone

from naccs.accounts import limits
from naccs.audit.models import AuditEvent
from naccs.pki import acquisition, pickups
from naccs.pki.models import CertificatePickup
from naccs.terminals.models import Certificate
from naccs.tests.helpers import CODES

from .conftest import acquire, certify, uncertified_terminal
from .est_helpers import csr_for, est_body, from_proxy
from .test_est import certificates_in, text_of

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("proxy_secret")]
ENROLL = "/.well-known/est/simpleenroll"
WRONG = ("WRONG", CODES[1], CODES[2])
# The issue 13 limit of the 取得 page: five wrong tries in 15 minutes per terminal and address.
LIMIT = 5


def basic(user: str, password: str) -> str:
    return "Basic " + base64.b64encode(f"{user}:{password}".encode()).decode()


def enroll(client, name="11110A", codes=CODES, *, csr_name=None, key=None, authorization=None, **proxy):
    key, csr = csr_for(csr_name or name, key)
    headers = from_proxy(None, verify="NONE", **proxy)
    headers["HTTP_AUTHORIZATION"] = authorization if authorization is not None else basic(name, "-".join(codes))
    response = client.post(ENROLL, est_body(csr), content_type="application/pkcs10", **headers)
    return key, response


def refusals() -> list[dict]:
    return list(AuditEvent.objects.filter(action="est.refused").values_list("details", flat=True))


@pytest.fixture
def picked(terminal):
    """A terminal added by a 契約内容の変更: no certificate yet, its pickup open."""
    pickups.open_pickup(terminal=terminal)
    return terminal


def test_the_codes_of_an_open_pickup_enroll_the_terminals_own_key(client, picked):
    key, response = enroll(client)
    assert response.status_code == 200, response.content.decode()
    (certificate,) = certificates_in(response)
    assert certificate.public_key() == key.public_key()
    row = Certificate.objects.get(terminal=picked)
    assert row.serial == f"{certificate.serial_number:x}"
    pickup = CertificatePickup.objects.get(terminal=picked)
    assert pickup.acquired_at is not None and pickup.certificate == row
    issued = AuditEvent.objects.get(action="certificate.issued")
    assert issued.details["via"] == "EST simpleenroll（認証コード）" and issued.actor_label == "127.0.0.1"


def test_codes_are_read_as_the_page_reads_them(client, picked):
    # Lower case and 全角, as a person may type them: the same as on the 取得 page.
    codes = (CODES[0].lower(), "ＡＢＣＤＥ００００１", CODES[2])
    _, response = enroll(client, "１１１１０ａ", codes, csr_name="11110A")
    assert response.status_code == 200, response.content.decode()


def test_wrong_codes_ask_again_with_basic_and_count_like_the_page(client, picked):
    _, response = enroll(client, codes=WRONG)
    assert response.status_code == 401
    assert response["WWW-Authenticate"] == 'Basic realm="NACCS EST", charset="UTF-8"'
    assert text_of(response).strip() == acquisition.WRONG_CODES
    assert limits.failures(acquisition.BY_TERMINAL_AND_ADDRESS, "11110A 127.0.0.1") == 1
    assert refusals() == [{"status": 401, "why": acquisition.WRONG_CODES, "via": "EST simpleenroll（認証コード）"}]
    assert not Certificate.objects.exists()


def test_wrong_tries_on_the_page_and_over_est_share_one_lockout(client, picked):
    for _ in range(LIMIT - 1):
        with pytest.raises(acquisition.AcquisitionRefused):
            acquire(codes=WRONG, address="127.0.0.1")
    _, last = enroll(client, codes=WRONG)
    assert last.status_code == 401
    _, locked = enroll(client)  # the right codes, but the terminal is stopped for this address
    assert locked.status_code == 429
    assert locked["Retry-After"] == "900"  # the 15 minutes of issue 13's window
    assert "一時的に受付を停止しています" in text_of(locked)
    assert not Certificate.objects.exists()
    with pytest.raises(acquisition.AcquisitionRefused, match="一時的に受付を停止しています"):
        acquire(address="127.0.0.1")  # and the page is stopped too
    assert sorted(details["status"] for details in refusals()) == [401, 429]


def test_no_credentials_or_a_password_of_another_shape_is_asked_again(client, picked):
    _, none = enroll(client, authorization="")
    assert none.status_code == 401 and "HTTP Basic 認証" in text_of(none)
    assert none["WWW-Authenticate"].startswith("Basic ")
    _, garbled = enroll(client, authorization="Basic !!!not-base64")
    assert garbled.status_code == 401
    _, two_codes = enroll(client, authorization=basic("11110A", f"{CODES[0]}-{CODES[1]}"))
    assert two_codes.status_code == 401 and text_of(two_codes).strip() == acquisition.WRONG_CODES
    assert limits.failures(acquisition.BY_TERMINAL_AND_ADDRESS, "11110A 127.0.0.1") == 1  # only the guess counts
    assert not Certificate.objects.exists()


def test_after_the_pickup_is_used_up_the_codes_get_nothing_more(client, picked):
    enroll(client)
    _, again = enroll(client)  # another key: not a lost answer sent again
    assert again.status_code == 403
    assert "現在のデジタル証明書は有効です" in text_of(again)
    assert Certificate.objects.filter(revoked_at__isnull=True).count() == 1


def test_a_lost_answer_sent_again_gets_the_same_certificate(client, picked, clock):
    key, first = enroll(client)
    clock.advance(minutes=9)
    _, again = enroll(client, key=key)  # the same key, signed anew
    assert again.status_code == 200, again.content.decode()
    assert certificates_in(again) == certificates_in(first)
    assert Certificate.objects.count() == 1
    assert AuditEvent.objects.filter(action="est.answered_again").count() == 1
    clock.advance(minutes=2)  # past the 10 minutes of docs/renewal.md
    _, late = enroll(client, key=key)
    assert late.status_code == 403 and Certificate.objects.count() == 1


@pytest.mark.clock("2027-01-15T10:00")
def test_a_pickup_past_its_two_months_is_refused(client, picked, clock):
    clock.at("2027-03-16T00:01")  # opened on 2027-01-15: open all of 2027-03-15 (pickups.pickup_deadline)
    _, response = enroll(client)
    assert response.status_code == 403
    assert "再発行" in text_of(response)
    assert not Certificate.objects.exists()


def test_a_key_outside_the_policy_is_refused_in_japanese(client, picked):
    from cryptography.hazmat.primitives.asymmetric import rsa

    short = rsa.generate_private_key(public_exponent=65537, key_size=1024)
    _, response = enroll(client, key=short)
    assert response.status_code == 400
    assert "RSA 1024ビットの鍵は短すぎます" in text_of(response)
    assert limits.failures(acquisition.BY_TERMINAL_AND_ADDRESS, "11110A 127.0.0.1") == 0
    assert refusals()[0]["status"] == 400


def test_another_terminals_name_in_the_request_is_refused(client, picked, company):
    from naccs.accounts.models import Company

    other = Company.objects.create(code="87654321", name="他社株式会社")
    pickups.open_pickup(terminal=uncertified_terminal(other, name="22220B", codes=("OTHER1", "OTHER2", "OTHER3")))
    _, response = enroll(client, csr_name="22220B")  # 11110A's codes, 22220B's name in the request
    assert response.status_code == 403
    assert "CN=22220B" in text_of(response)
    _, theirs = enroll(client, name="22220B")  # 11110A's codes as 22220B's
    assert theirs.status_code == 401
    assert not Certificate.objects.exists()


def test_only_through_the_tls_proxy(client, picked):
    _, direct = enroll(client, secret="")  # reached the app without nginx: the codes are not even read
    assert direct.status_code == 403
    assert "HTTPS" in text_of(direct)
    assert limits.failures(acquisition.BY_TERMINAL_AND_ADDRESS, "11110A 127.0.0.1") == 0


def test_inside_the_renewal_window_without_a_pickup_as_at_the_page(client, terminal):
    old = certify(terminal, expires_at=timezone.now() + timedelta(days=10))
    _, response = enroll(client)
    assert response.status_code == 200
    old.refresh_from_db()
    assert old.revocation_reason == Certificate.RevocationReason.SUPERSEDED
    renewed = Certificate.objects.get(revoked_at__isnull=True)
    assert renewed.pem.encode() == certificates_in(response)[0].public_bytes(serialization.Encoding.PEM)


def test_only_application_pkcs10(client, picked):
    response = client.post(ENROLL, b"x", content_type="text/plain", **from_proxy(None, verify="NONE"))
    assert response.status_code == 415
