import pytest

from naccs.applications.models import ReissueApplication
from naccs.pki import services
from naccs.terminals.models import Certificate

from .conftest import CODES, P12_PASSWORD, certify, make_terminal

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


def test_contract_page_shows_every_status(user_client, company, user):
    statuses = {}
    for name, age in [("11110A", 40), ("11110B", 350), ("11110C", 400), ("11110D", 100), ("11110E", 100)]:
        statuses[name] = make_terminal(company, name, codes=(f"NAC{name}", "X", "Y"))
        certify(statuses[name], age_days=age)
    application = ReissueApplication.objects.create(
        company=company, created_by=user, status=ReissueApplication.Status.SUBMITTED, receipt_number="20261125001"
    )
    application.lines.create(terminal=statuses["11110D"])
    services.open_pickup(terminal=statuses["11110E"])

    html = user_client.get("/terminals/contract/").content.decode()
    rows = {name: html.split(f"<td>{name}</td>")[1].split("</tr>")[0] for name in statuses}
    assert "有効" in rows["11110A"] and "日</td>" in rows["11110A"]
    assert "更新期間中" in rows["11110B"] and "取得する" in rows["11110B"]
    assert "期限切れ" in rows["11110C"] and "再発行を申し込む" in rows["11110C"]
    assert "再発行手続中" in rows["11110D"] and "取得する" not in rows["11110D"]
    assert "取得待ち" in rows["11110E"] and "取得する" in rows["11110E"]


def test_contract_page_shows_serial_and_dates(user_client, company):
    terminal = make_terminal(company)
    certificate = certify(terminal, age_days=10)
    html = user_client.get("/terminals/contract/").content.decode()
    assert certificate.serial in html
    assert f"{certificate.not_after.astimezone():%Y/%m/%d}" in html


def test_contract_page_never_shows_another_company(user_client, other_company):
    certify(make_terminal(other_company, "22220A"), age_days=10)
    assert "22220A" not in user_client.get("/terminals/contract/").content.decode()


def test_contract_page_queries_do_not_grow_with_terminals(user_client, company, django_assert_max_num_queries):
    for number in range(30):
        certify(make_terminal(company, f"T{number:05d}"), age_days=number * 10)
    with django_assert_max_num_queries(8):
        user_client.get("/terminals/contract/")


def test_contract_page_lists_fifty_terminals_a_page_with_a_filter(user_client, company):
    for number in range(60):
        make_terminal(company, f"T{number:05d}")
    first = user_client.get("/terminals/contract/").content.decode()
    assert "60台中 1〜50台目" in first and "<td>T00049</td>" in first and "<td>T00050</td>" not in first
    assert '<a href="?page=2">次へ</a>' in first
    second = user_client.get("/terminals/contract/?page=2").content.decode()
    assert "<td>T00050</td>" in second and "<td>T00049</td>" not in second
    filtered = user_client.get("/terminals/contract/?q=t0005").content.decode()
    assert "10台中 1〜10台目" in filtered and "<td>T00055</td>" in filtered and "<td>T00049</td>" not in filtered
    assert "「ZZZ」を含む論理端末はありません。" in user_client.get("/terminals/contract/?q=ZZZ").content.decode()
