"""The signed-in 取得 of 契約内容の確認 (issue 13, item 2): the company's own terminals, the file password alone, not
stopped by the anonymous page's limits, audited with the user and their address."""

import base64

import pytest
from cryptography.hazmat.primitives.serialization import pkcs12

from naccs.audit.models import AuditEvent
from naccs.pki import acquisition
from naccs.pki.tests.conftest import CODES, P12_PASSWORD, acquire, certify, uncertified_terminal
from naccs.tests.helpers import behind_the_proxy

pytestmark = pytest.mark.django_db
URL = "/contract/acquire/11110A/"
FORM = {"password": P12_PASSWORD, "password_confirm": P12_PASSWORD}


@pytest.fixture
def renewable(company):
    terminal = uncertified_terminal(company)
    certify(terminal, age_days=350)
    return terminal


def pkcs12_of(response):
    html = response.content.decode()
    encoded = html.split("data:application/x-pkcs12;base64,")[1].split('"')[0]
    return pkcs12.load_pkcs12(base64.b64decode(encoded), P12_PASSWORD.encode())


def test_the_contract_page_links_to_the_signed_in_acquisition(user_client, renewable):
    html = user_client.get("/contract/").content.decode()
    assert f'href="{URL}">取得する</a>' in html


def test_the_page_asks_for_the_file_password_only(user_client, renewable):
    html = user_client.get(URL).content.decode()
    assert "11110A" in html and "認証コードの入力は不要です" in html
    assert 'name="auth_code1"' not in html and 'name="password_confirm"' in html


def test_the_owner_acquires_while_the_anonymous_page_is_stopped_for_the_terminal(user_client, renewable, settings):
    settings.ACQUIRE_TERMINAL_ATTEMPT_LIMIT = 5
    for number in range(5):
        with pytest.raises(acquisition.AcquisitionRefused):
            acquire(codes=("WRONG", CODES[1], CODES[2]), address=f"198.51.100.{number}")
    with pytest.raises(acquisition.AcquisitionRefused, match="一時的に受付を停止しています"):
        acquire()
    response = user_client.post(URL, FORM, REMOTE_ADDR="192.0.2.10")
    assert response.status_code == 200 and response["Cache-Control"] == "no-store"
    assert pkcs12_of(response).cert.friendly_name == b"11110A"
    issued = AuditEvent.objects.get(action="certificate.issued", details__via="取得")
    assert issued.actor.username == "tsukan" and issued.company == renewable.company
    assert issued.details == {"terminal": "11110A", "via": "取得", "pickup": None, "address": "192.0.2.10"}


def test_behind_the_proxy_the_audit_names_the_real_client(user_client, renewable, settings):
    proxy = behind_the_proxy(settings)
    user_client.post(URL, FORM, **proxy, HTTP_X_FORWARDED_FOR="192.0.2.1, 203.0.113.9")
    assert AuditEvent.objects.get(action="certificate.issued", details__via="取得").details["address"] == "203.0.113.9"


def test_the_rules_still_apply(user_client, company):
    certify(uncertified_terminal(company), age_days=30)
    html = user_client.post(URL, FORM).content.decode()
    assert (
        "から行えます" in html
        and not AuditEvent.objects.filter(action="certificate.issued", details__via="取得").exists()
    )


def test_a_bad_password_is_told_beside_its_field(user_client, renewable):
    response = user_client.post(URL, {"password": "short", "password_confirm": "short"})
    assert response.status_code == 200 and "8文字以上で入力してください" in response.content.decode()


def test_another_companys_terminal_is_404(other_client, renewable):
    assert other_client.get(URL).status_code == 404
    assert other_client.post(URL, FORM).status_code == 404
    assert not AuditEvent.objects.filter(action="certificate.issued", details__via="取得").exists()
