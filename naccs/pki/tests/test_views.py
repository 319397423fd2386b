import pytest

from naccs.terminals.models import Certificate

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


def test_acquiring_downloads_a_p12_named_after_the_terminal(client, renewable):
    response = client.post("/pki/acquire/", FORM)
    assert response["Content-Type"] == "application/x-pkcs12"
    assert response["Content-Disposition"] == 'attachment; filename="11110A.p12"'
    assert response["Cache-Control"] == "no-store"


def test_fullwidth_input_is_normalised(client, renewable):
    response = client.post("/pki/acquire/", {**FORM, "terminal_name": "１１１１０ａ"})
    assert response["Content-Type"] == "application/x-pkcs12"


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
