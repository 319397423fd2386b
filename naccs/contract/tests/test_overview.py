"""契約内容の確認: every terminal of the company with its certificate, its status and what can be done about it."""

from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
from django.utils import timezone

from naccs.applications.models import Application
from naccs.pki import pickups
from naccs.pki.tests.conftest import certify, uncertified_terminal
from naccs.terminals.models import LogicalTerminal

pytestmark = pytest.mark.django_db


def test_contract_page_shows_every_status(user_client, company, user):
    statuses = {}
    for name, age in [("11110A", 40), ("11110B", 350), ("11110C", 400), ("11110D", 100), ("11110E", 100)]:
        statuses[name] = uncertified_terminal(company, name, codes=(f"NAC{name}", "X", "Y"))
        certify(statuses[name], age_days=age)
    application = Application.objects.create(
        kind="reissue",
        company=company,
        created_by=user,
        status=Application.Status.SUBMITTED,
        receipt_number="20261125001",
    )
    application.reissue_lines.create(terminal=statuses["11110D"])
    pickups.open_pickup(terminal=statuses["11110E"])

    html = user_client.get("/contract/").content.decode()
    rows = {name: html.split(f"<td>{name}</td>")[1].split("</tr>")[0] for name in statuses}
    assert "有効" in rows["11110A"] and "日</td>" in rows["11110A"]
    assert "更新期間中" in rows["11110B"] and "取得する" in rows["11110B"]
    assert "期限切れ" in rows["11110C"] and "再発行を申し込む" in rows["11110C"]
    assert "再発行手続中" in rows["11110D"] and "取得する" not in rows["11110D"]
    assert "取得待ち" in rows["11110E"] and "取得する" in rows["11110E"]


def test_contract_page_shows_serial_and_dates(user_client, company):
    terminal = uncertified_terminal(company)
    certificate = certify(terminal, age_days=10)
    html = user_client.get("/contract/").content.decode()
    assert certificate.serial in html
    assert f"{timezone.localtime(certificate.not_after):%Y/%m/%d}" in html


def days_left_of(html: str, name: str) -> str:
    row = html.split(f"<td>{name}</td>")[1].split("</tr>")[0]
    return row.split('<td class="days-left">')[1].split("</td>")[0]


@pytest.mark.clock("2026-12-07T15:00")
@pytest.mark.parametrize(
    ("expires", "shown"),
    [
        ("2026-12-07T23:59", "0日"),  # expires later today
        ("2026-12-08T00:00", "1日"),  # tomorrow, though less than a day away
        ("2026-12-17T09:00", "10日"),  # calendar days, not whole 24-hour periods (was 「9日」)
        ("2027-01-04T09:00", "28日"),  # the renewal window opens today
        ("2027-12-07T15:00", "365日"),  # acquired today
        ("2026-12-06T23:59", "—"),  # expired yesterday: 期限切れ
    ],
)
def test_days_left_are_calendar_days_in_tokyo_to_the_expiry_date(user_client, company, expires, shown):
    certify(
        uncertified_terminal(company), expires_at=datetime.fromisoformat(expires).replace(tzinfo=ZoneInfo("Asia/Tokyo"))
    )
    assert days_left_of(user_client.get("/contract/").content.decode(), "11110A") == shown


def test_contract_page_names_the_category_and_device_type_as_users_say_them(user_client, company):
    uncertified_terminal(company, "11110A")
    LogicalTerminal.objects.filter(name="11110A").update(category="air", device_type="package")
    row = user_client.get("/contract/").content.decode().split("<td>11110A</td>")[1].split("</tr>")[0]
    assert "<td>航空</td>" in row and "<td>パッケージソフト</td>" in row


def test_contract_page_never_shows_another_company(user_client, other_company):
    certify(uncertified_terminal(other_company, "22220A"), age_days=10)
    assert "22220A" not in user_client.get("/contract/").content.decode()


def test_contract_page_queries_do_not_grow_with_terminals(user_client, company, django_assert_max_num_queries):
    for number in range(30):
        certify(uncertified_terminal(company, f"T{number:05d}"), age_days=number * 10)
    # One query per block, none per terminal: session, user, the page of terminals (count, rows), their システム設定,
    # the contract details, the pending changes, the company's users, the renewal banner, the 通知先.
    with django_assert_max_num_queries(10):
        user_client.get("/contract/")


def test_contract_page_lists_fifty_terminals_a_page_with_a_filter(user_client, company):
    for number in range(60):
        uncertified_terminal(company, f"T{number:05d}")
    first = user_client.get("/contract/").content.decode()
    assert "60台中 1〜50台目" in first and "<td>T00049</td>" in first and "<td>T00050</td>" not in first
    assert '<a href="?page=2">次へ</a>' in first
    second = user_client.get("/contract/?page=2").content.decode()
    assert "<td>T00050</td>" in second and "<td>T00049</td>" not in second
    filtered = user_client.get("/contract/?q=t0005").content.decode()
    assert "10台中 1〜10台目" in filtered and "<td>T00055</td>" in filtered and "<td>T00049</td>" not in filtered
    assert "「ZZZ」を含む論理端末はありません。" in user_client.get("/contract/?q=ZZZ").content.decode()


def test_the_rules_link_to_the_acquire_page_and_that_page_says_this_page(user_client, client):
    contract = user_client.get("/contract/").content.decode()
    assert '<a href="/pki/acquire/">デジタル証明書の取得</a>画面から' in contract and "この取得画面" not in contract
    assert "この取得画面から" in client.get("/pki/acquire/").content.decode()


def test_the_old_address_of_the_page_still_leads_to_it(user_client):
    response = user_client.get("/terminals/contract/?q=111")
    assert response.status_code == 301 and response.url == "/contract/?q=111"
