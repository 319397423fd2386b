"""通関士IDの追加 through the test client: the guidance, the 通関士 step, the 確認画面 and registration (what follows
it: test_broker_ids_logins.py)."""

# The fixtures imported from brokers.py are the tests' parameters, which ruff would read as redefinitions.
# ruff: noqa: F811

import re

import pytest
from django.test import Client

from naccs.applications.models import Application, BrokerLine
from naccs.lib.business_days import earliest_desired_date
from naccs.mailer.models import OutboundMail

from .brokers import broker, registered, start_date, walk  # noqa: F401 (fixtures among them)
from .conftest import APPLICANT

pytestmark = pytest.mark.django_db
Status = Application.Status


def test_guidance_leads_to_the_applicant_step_prefilled(user_client, user):
    html = user_client.get("/applications/broker_ids/").content.decode()
    assert "通関士ID追加申込ガイダンス" in html and "72時間" in html
    response = user_client.post("/applications/broker_ids/")
    assert re.fullmatch(r"/applications/broker_ids/\d+/applicant/", response.url)
    page = user_client.get(response.url).content.decode()
    assert 'value="花子"' in page and "通関士の入力へ進む" in page


def test_brokers_step_normalises_names_as_the_applicant_step(user_client, walk, office, start_date):
    pk = int(user_client.post("/applications/broker_ids/").url.split("/")[3])
    user_client.post(f"/applications/broker_ids/{pk}/applicant/", APPLICANT)
    typed = broker(office, "２００２", last_name="ｶﾝｾﾞｲ", first_name_kana="いちろう", last_name_kana="ｶﾝｾﾞｲ")
    user_client.post(f"/applications/broker_ids/{pk}/brokers/", {"go": "add", **typed})
    line = BrokerLine.objects.get(application_id=pk)
    assert (line.last_name, line.last_name_kana, line.first_name_kana) == ("カンゼイ", "カンゼイ", "イチロウ")
    assert line.registration_number == "2002"


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"last_name": "Müller"}, "氏名（姓）は全角で入力してください。"),
        ({"first_name_kana": "一郎"}, "フリガナ（名）は全角カナで入力してください。"),
        ({"email_confirm": "other@example.jp"}, "確認用のE-mailアドレスが登録用と一致しません。"),
        (
            {"email": "not-an-address", "email_confirm": "not-an-address"},
            "E-mailアドレス（登録用）の形式が正しくありません",
        ),
        ({"registration_number": "123456789"}, "通関士登録番号は半角数字8桁以内で入力してください。"),
        ({"office": "999999"}, "所属事業所を一覧から選択してください。"),
        ({"office": ""}, "所属事業所を入力してください。"),
    ],
)
def test_each_broker_field_says_what_is_wrong(user_client, office, changes, message):
    pk = int(user_client.post("/applications/broker_ids/").url.split("/")[3])
    response = user_client.post(f"/applications/broker_ids/{pk}/brokers/", {"go": "add", **broker(office, **changes)})
    assert response.status_code == 200
    assert message in response.content.decode()
    assert not BrokerLine.objects.exists()


def test_an_office_of_another_company_cannot_be_chosen(user_client, office, other_company):
    elsewhere = other_company.offices.create(name="大阪事業所")
    pk = int(user_client.post("/applications/broker_ids/").url.split("/")[3])
    response = user_client.post(
        f"/applications/broker_ids/{pk}/brokers/", {"go": "add", **broker(office, office=elsewhere.pk)}
    )
    assert "所属事業所を一覧から選択してください。" in response.content.decode()
    assert not BrokerLine.objects.exists()


@pytest.mark.parametrize(
    ("day", "message"),
    [
        ("2026-12-05", "利用開始希望日に土曜日・日曜日は指定できません。"),
        ("20261229", "利用開始希望日にセンター休業日（年末年始）は指定できません。"),
        ("20261201", "利用開始希望日は翌営業日（2026/12/02）以降の日付を入力してください。"),
        ("2026123", "利用開始希望日はYYYYMMDDの形式（半角数字8桁）で入力してください。"),
        ("20261131", "利用開始希望日に存在しない日付が入力されています。"),
    ],
)
@pytest.mark.clock("2026-12-01T10:00")  # a Tuesday: the next business day is 12/02, 12/05 a Saturday, 12/29 closed
def test_the_start_date_follows_the_business_day_rules(user_client, office, day, message):
    pk = int(user_client.post("/applications/broker_ids/").url.split("/")[3])
    response = user_client.post(
        f"/applications/broker_ids/{pk}/brokers/", {"go": "confirm", "desired_date": day, **broker(office)}
    )
    assert message in response.content.decode()
    assert not BrokerLine.objects.exists()


def test_several_brokers_in_one_application_and_removing_one(user_client, office, walk):
    pk = walk(numbers=("10001", "10002", "10003"))
    lines = list(BrokerLine.objects.filter(application_id=pk))
    assert [line.registration_number for line in lines] == ["10001", "10002", "10003"]
    user_client.post(f"/applications/broker_ids/{pk}/brokers/", {"go": f"remove-{lines[1].pk}"})
    assert list(BrokerLine.objects.filter(application_id=pk).values_list("registration_number", flat=True)) == [
        "10001",
        "10003",
    ]


def test_the_same_registration_number_twice_is_refused(user_client, office, walk):
    pk = walk(numbers=("10001",))
    response = user_client.post(f"/applications/broker_ids/{pk}/brokers/", {"go": "add", **broker(office, "10001")})
    assert "この通関士登録番号の通関士は既にこの申込に追加されています。" in response.content.decode()
    assert BrokerLine.objects.filter(application_id=pk).count() == 1


def field_error(html, field):
    """The message shown next to a field of the 通関士 form."""
    found = re.search(rf'<div class="field-error" id="id_{field}_error"><p>([^<]+)</p>', html)
    return found and found.group(1)


def test_the_same_person_twice_in_one_application_is_refused_next_to_the_email(user_client, office, walk):
    """Same name and E-mail, another 登録番号 (upper case this time): one person, two IDs and two mails."""
    pk = walk(numbers=("10001",))
    again = broker(office, "10002", email="ICHIRO10001@example.jp", email_confirm="ICHIRO10001@example.jp")
    response = user_client.post(f"/applications/broker_ids/{pk}/brokers/", {"go": "add", **again})
    html = response.content.decode()
    assert field_error(html, "email") == "このE-mailアドレスの通関士は既にこの申込に追加されています。"
    assert BrokerLine.objects.filter(application_id=pk).count() == 1


def test_a_person_who_already_has_a_login_is_refused_next_to_the_field(user_client, office, walk, make_user, company):
    make_user("12345678101", company=company, email="ichiro10001@example.jp")
    make_user("12345678102", company=company, is_customs_broker=True, broker_registration_number="10002")
    pk = int(user_client.post("/applications/broker_ids/").url.split("/")[3])
    url = f"/applications/broker_ids/{pk}/brokers/"
    html = user_client.post(url, {"go": "add", **broker(office, "10001")}).content.decode()
    assert field_error(html, "email") == "このE-mailアドレスの方は利用者ID 12345678101 で既に登録されています。"
    html = user_client.post(url, {"go": "add", **broker(office, "10002")}).content.decode()
    assert (
        field_error(html, "registration_number")
        == "この通関士登録番号の方は利用者ID 12345678102 で既に登録されています。"
    )
    assert not BrokerLine.objects.filter(application_id=pk).exists()


def test_another_company_may_add_the_same_person(user_client, office, walk, make_user, other_company):
    make_user("87654321101", company=other_company, email="ichiro10001@example.jp")
    pk = walk(numbers=("10001",))
    assert BrokerLine.objects.filter(application_id=pk).count() == 1


def test_a_person_in_another_open_application_is_refused_beside_the_field(user_client, office, registered):
    first = registered(numbers=("10001",))
    pk = int(user_client.post("/applications/broker_ids/").url.split("/")[3])
    html = user_client.post(
        f"/applications/broker_ids/{pk}/brokers/", {"go": "add", **broker(office, "10001")}
    ).content.decode()
    expected = f"この通関士は申込受付番号 {first.receipt_number} の申込で追加を申し込んでいます。"
    assert field_error(html, "registration_number") == expected


def test_a_person_added_by_another_application_registered_meanwhile_is_refused_at_registration(
    user_client, office, walk, make_user, company
):
    # Added before the other 申込 was registered: refused when this one is.
    draft = walk(numbers=("10001",))
    colleague = make_user("colleague", company=company, is_company_administrator=True)
    other = Client()
    other.force_login(colleague)
    again = int(other.post("/applications/broker_ids/").url.split("/")[3])
    other.post(f"/applications/broker_ids/{again}/applicant/", APPLICANT)
    day = earliest_desired_date().strftime("%Y%m%d")
    other.post(
        f"/applications/broker_ids/{again}/brokers/", {"go": "add", "desired_date": day, **broker(office, "10001")}
    )
    assert other.post(f"/applications/broker_ids/{again}/confirm/").status_code == 302
    assert Application.objects.get(pk=again).status == Status.SUBMITTED
    response = user_client.post(f"/applications/broker_ids/{draft}/confirm/", follow=True)
    assert "通関士関税 一郎：この通関士は申込受付番号" in response.content.decode()
    assert Application.objects.get(pk=draft).status == Status.DRAFT


def test_going_on_without_any_broker_is_refused(user_client, office, start_date):
    pk = int(user_client.post("/applications/broker_ids/").url.split("/")[3])
    user_client.post(f"/applications/broker_ids/{pk}/applicant/", APPLICANT)
    response = user_client.post(
        f"/applications/broker_ids/{pk}/brokers/", {"go": "confirm", "desired_date": start_date.strftime("%Y%m%d")}
    )
    assert response.url == f"/applications/broker_ids/{pk}/brokers/"
    assert "追加する通関士を1名以上入力し" in user_client.get(response.url).content.decode()
    assert user_client.get(f"/applications/broker_ids/{pk}/confirm/").url.endswith("/brokers/")


def test_going_on_with_a_filled_form_adds_that_broker(user_client, office, start_date):
    pk = int(user_client.post("/applications/broker_ids/").url.split("/")[3])
    user_client.post(f"/applications/broker_ids/{pk}/applicant/", APPLICANT)
    response = user_client.post(
        f"/applications/broker_ids/{pk}/brokers/",
        {"go": "confirm", "desired_date": start_date.strftime("%Y%m%d"), **broker(office)},
    )
    assert response.url == f"/applications/broker_ids/{pk}/confirm/"
    assert BrokerLine.objects.filter(application_id=pk).count() == 1


def test_the_confirmation_page_has_a_way_back_per_section(user_client, walk, start_date):
    pk = walk(numbers=("10001", "10002"))
    html = user_client.get(f"/applications/broker_ids/{pk}/confirm/").content.decode()
    assert "申込担当者の入力に戻る" in html and "通関士の入力に戻る" in html
    assert f'href="/applications/broker_ids/{pk}/brokers/"' in html
    assert start_date.strftime("%Y/%m/%d") in html and "10002" in html and "審査終了後に表示" in html


def test_registering_twice_makes_one_application_and_one_mail(user_client, walk):
    pk = walk()
    first = user_client.post(f"/applications/broker_ids/{pk}/confirm/")
    second = user_client.post(f"/applications/broker_ids/{pk}/confirm/")
    assert first.url == second.url == f"/applications/broker_ids/{pk}/done/"
    application = Application.objects.get(pk=pk)
    assert application.status == Status.SUBMITTED and len(application.receipt_number) == 11
    mail = OutboundMail.objects.get()
    assert mail.subject.startswith("【NACCS】通関士IDの追加受付完了")


def test_the_done_page_shows_the_receipt_number_and_the_password_mail_to_come(user_client, walk):
    pk = walk()
    done = user_client.get(user_client.post(f"/applications/broker_ids/{pk}/confirm/").url).content.decode()
    assert Application.objects.get(pk=pk).receipt_number in done and "パスワード設定の案内" in done


def test_back_to_a_step_of_a_registered_application_shows_where_it_stands(user_client, walk):
    pk = walk()
    registered_at = user_client.post(f"/applications/broker_ids/{pk}/confirm/").url
    assert user_client.get(f"/applications/broker_ids/{pk}/brokers/").url == registered_at


def test_the_list_shows_every_kind_with_a_filter(user_client, registered, make_application):
    make_application()
    broker_ids = registered()
    html = user_client.get("/applications/").content.decode()
    assert "通関士IDの追加" in html and "デジタル証明書の再発行" in html and "関税 一郎" in html
    only = user_client.get("/applications/?kind=broker_ids").content.decode()
    assert broker_ids.receipt_number in only and "デジタル証明書の再発行</td>" not in only
    assert user_client.get("/applications/?kind=nonsense").status_code == 200
