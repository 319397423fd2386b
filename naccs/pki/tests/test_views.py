import base64
import re

import pytest
from cryptography.hazmat.primitives.serialization import pkcs12
from django.utils import timezone

from naccs.accounts.models import FailureCount
from naccs.audit.models import AuditEvent
from naccs.terminals.models import Certificate
from naccs.tests.helpers import behind_the_proxy

from .conftest import CODES, P12_PASSWORD, certify

pytestmark = pytest.mark.django_db
FORM = {
    "terminal_name": "11110A",
    "auth_code1": CODES[0],
    "auth_code2": CODES[1],
    "auth_code3": CODES[2],
    "password": P12_PASSWORD,
    "password_confirm": P12_PASSWORD,
}


def test_the_acquire_page_needs_no_login(client):
    html = client.get("/pki/acquire/?terminal=11110A").content.decode()
    assert "デジタル証明書の取得" in html and 'value="11110A"' in html
    assert "有効期限の28日前から有効期限までの間" in html


def saved_file(html: str) -> tuple[str, bytes]:
    """The file the page after 取得 saves: its name and its bytes."""
    link = re.search(r'href="data:application/x-pkcs12;base64,([^"]+)" download="([^"]+)"', html)
    return link.group(2), base64.b64decode(link.group(1))


def test_acquiring_shows_what_was_acquired_and_saves_the_file(client, renewable):
    response = client.post("/pki/acquire/", FORM)
    assert response.status_code == 200 and response["Cache-Control"] == "no-store"
    html = response.content.decode()
    name, data = saved_file(html)
    assert name == "11110A.p12"
    bundle = pkcs12.load_pkcs12(data, P12_PASSWORD.encode())
    assert bundle.cert.friendly_name == b"11110A"
    certificate = Certificate.objects.get(terminal=renewable, revoked_at__isnull=True)
    assert "デジタル証明書を取得しました" in html
    assert f"<dd>{timezone.localtime(certificate.not_after):%Y/%m/%d}</dd>" in html
    assert "日常の業務で使うWindowsのアカウント" in html and "証明書ファイルのパスワード" in html
    assert "正しくありません" not in html and P12_PASSWORD not in html


def test_reloading_the_page_after_acquiring_acquires_nothing(client, renewable):
    html = client.post("/pki/acquire/", FORM).content.decode()
    again = re.search(r'data-replace-url="([^"]+)"', html).group(1)
    certificates = Certificate.objects.count()
    reloaded = client.get(again)
    assert reloaded.status_code == 200 and "デジタル証明書を取得しました" in reloaded.content.decode()
    assert "data:application/x-pkcs12" not in reloaded.content.decode()
    assert Certificate.objects.count() == certificates
    assert client.get(again[:-3] + "xx/").status_code == 404


def test_fullwidth_input_is_normalised(client, renewable):
    response = client.post("/pki/acquire/", {**FORM, "terminal_name": "１１１１０ａ"})
    assert saved_file(response.content.decode())[0] == "11110A.p12"


@pytest.mark.parametrize(
    "typed",
    [
        ("nac11110a", "abcde00001", "naccs"),  # lower case
        ("ＮＡＣ１１１１０Ａ", "ａｂｃｄｅ００００１", "ＮＡＣＣＳ"),  # 全角
        (" NAC 11110A ", "ABCDE 00001", "NA　CCS"),  # spaces, also 全角 ones, anywhere
    ],
)
def test_auth_codes_are_read_whatever_their_case_width_and_spaces(client, renewable, typed):
    codes = dict(zip(("auth_code1", "auth_code2", "auth_code3"), typed, strict=True))
    response = client.post("/pki/acquire/", {**FORM, **codes})
    assert saved_file(response.content.decode())[0] == "11110A.p12"


def test_a_code_stored_in_lower_case_before_stays_valid(client, renewable):
    renewable.auth_code3 = "naccs"
    renewable.save(update_fields=["auth_code3"])
    assert saved_file(client.post("/pki/acquire/", FORM).content.decode())[0] == "11110A.p12"


def test_look_alikes_are_not_taken_for_each_other(client, renewable):
    """Codes made before the alphabet left out O/0 and 1/I stay exact: 「NAC11110A」 is not 「NAC1111OA」."""
    response = client.post("/pki/acquire/", {**FORM, "auth_code1": "NAC1111OA"})
    assert "論理端末名または認証コードが正しくありません。" in response.content.decode()


def test_the_page_says_case_and_width_do_not_matter(client):
    assert "英字の大文字・小文字、全角・半角は区別しません。" in client.get("/pki/acquire/").content.decode()


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"terminal_name": ""}, "論理端末名を入力してください。"),
        ({"password": "short", "password_confirm": "short"}, "パスワードは8文字以上で入力してください。"),
        ({"password_confirm": "different-2026"}, "確認用のパスワードが一致しません。"),
        (
            {"password": "パスワード日本語", "password_confirm": "パスワード日本語"},
            "パスワードは半角英数字記号で入力してください。",
        ),
    ],
)
def test_form_errors_are_in_japanese(client, renewable, changes, message):
    html = client.post("/pki/acquire/", {**FORM, **changes}).content.decode()
    assert message in html
    assert Certificate.objects.filter(terminal=renewable).count() == 1


def test_a_refusal_is_shown_on_the_page(client, terminal):
    certify(terminal, age_days=400)
    html = client.post("/pki/acquire/", FORM).content.decode()
    assert "再発行の申込を行ってください" in html


def test_revocation_data_is_served_over_plain_http_when_the_rest_redirects_to_https(settings, db):
    from django.test import Client, override_settings

    with override_settings(SECURE_SSL_REDIRECT=True):
        client = Client()  # its middleware is built with the redirect on
        assert client.get("/accounts/login/").status_code == 301
        for path in ("/pki/ca", "/pki/ca.pem", "/pki/crl", "/pki/crl.pem"):
            assert client.get(path).status_code == 200, path
        answer = client.post("/pki/ocsp", b"not a request", content_type="application/ocsp-request")
        assert answer.status_code == 200 and answer["Content-Type"] == "application/ocsp-response"
        assert client.get("/pki/ocsp/MAA=").status_code == 200
        assert client.get("/pki/acquire/").status_code == 301  # a form with passwords: https only


def test_a_caller_reaching_the_app_directly_cannot_choose_its_address(client, renewable, settings):
    """Issue 24 #8: eight wrong 取得 straight to the app from the proxy's host, a different X-Forwarded-For each
    time, are counted against the caller's own address and refused after the limit."""
    behind_the_proxy(settings, "127.0.0.1")
    for number in range(settings.ACQUIRE_ATTEMPT_LIMIT):
        client.post("/pki/acquire/", {**FORM, "auth_code1": "WRONG"}, HTTP_X_FORWARDED_FOR=f"203.0.113.{number}")
    stopped = client.post("/pki/acquire/", FORM, HTTP_X_FORWARDED_FOR="203.0.113.99")
    assert "一時的に受付を停止しています" in stopped.content.decode()
    assert not FailureCount.objects.filter(key__contains="203.0.113.").exists()


def test_behind_the_proxy_one_clients_typos_do_not_stop_the_others(client, renewable, settings):
    """Issue 13 item 1: behind the TLS proxy every request comes from its address; the limits, and the audit, must
    see the client that the proxy appended to X-Forwarded-For."""
    through_proxy = behind_the_proxy(settings)
    for _ in range(5):
        client.post(
            "/pki/acquire/", {**FORM, "auth_code1": "WRONG"}, **through_proxy, HTTP_X_FORWARDED_FOR="203.0.113.66"
        )
    stopped = client.post("/pki/acquire/", FORM, **through_proxy, HTTP_X_FORWARDED_FOR="203.0.113.66")
    assert "一時的に受付を停止しています" in stopped.content.decode()
    response = client.post("/pki/acquire/", FORM, **through_proxy, HTTP_X_FORWARDED_FOR="203.0.113.66, 192.0.2.10")
    assert "data:application/x-pkcs12;base64," in response.content.decode()
    assert AuditEvent.objects.get(action="certificate.issued", details__via="取得").actor_label == "192.0.2.10"
    assert set(FailureCount.objects.values_list("scope", "key")) >= {
        ("acquire.address", "203.0.113.66"),
        ("acquire.terminal+address", "11110A 203.0.113.66"),
    }
    assert not FailureCount.objects.filter(key__contains="10.0.0.5").exists()
