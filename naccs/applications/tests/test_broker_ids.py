"""通関士IDの追加 end to end through the test client: the wizard, the review, the logins and their first password."""

import re
from datetime import timedelta

import pytest
from django.core.management import call_command
from django.test import Client

from conftest import PASSWORD
from naccs.accounts.models import User
from naccs.applications import lifecycle
from naccs.applications.models import Application, BrokerLine
from naccs.audit.models import AuditEvent
from naccs.center.morning_run import process_day
from naccs.lib.business_days import earliest_desired_date
from naccs.mailer.models import OutboundMail
from naccs.portal.models import NewsItem

from .conftest import APPLICANT

pytestmark = pytest.mark.django_db
Status = Application.Status
NEW_PASSWORD = "kaizoku-ou-ni-2027"


def broker(at, number="10001", **changes):
    """A 通関士 of the office `at`, as typed into the form."""
    return {
        "last_name": "関税",
        "first_name": "一郎",
        "last_name_kana": "カンゼイ",
        "first_name_kana": "イチロウ",
        "registration_number": number,
        "office": at.pk,
        "email": f"ichiro{number}@example.jp",
        "email_confirm": f"ichiro{number}@example.jp",
        **changes,
    }


@pytest.fixture
def start_date(clock):
    clock.stand_still()  # so that it stays the earliest 利用開始希望日 while the test posts it
    return earliest_desired_date()


@pytest.fixture
def walk(user_client, office, start_date):
    """The wizard up to the 確認画面 with `numbers` 通関士; returns the draft's id."""

    def go(numbers=("10001",), client=user_client):
        pk = int(client.post("/applications/broker_ids/").url.split("/")[3])
        client.post(f"/applications/broker_ids/{pk}/applicant/", APPLICANT)
        url = f"/applications/broker_ids/{pk}/brokers/"
        day = start_date.strftime("%Y%m%d")
        for number in numbers:
            client.post(url, {"go": "add", "desired_date": day, **broker(office, number)})
        assert client.post(url, {"go": "confirm", "desired_date": day}).url == f"/applications/broker_ids/{pk}/confirm/"
        return pk

    return go


@pytest.fixture
def registered(user_client, walk):
    def go(numbers=("10001",)):
        pk = walk(numbers)
        user_client.post(f"/applications/broker_ids/{pk}/confirm/")
        return Application.objects.get(pk=pk)

    return go


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
    colleague = make_user("colleague", company=company)
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


def approve(application, staff_user):
    return lifecycle.approve(application=application, actor=staff_user)


def test_approval_makes_inactive_logins_with_the_next_free_ids(registered, staff_user, company, make_user, office):
    make_user(f"{company.code}001", company=company)  # 001 is taken; 002 is free
    make_user(f"{company.code}003", company=company)
    application = registered(numbers=("10001", "10002"))
    assert approve(application, staff_user).changed
    lines = list(application.broker_lines.select_related("user"))
    assert [line.user.username for line in lines] == ["12345678002", "12345678004"]
    for line in lines:
        assert line.user.is_customs_broker and not line.user.is_active and not line.user.has_usable_password()
        assert line.user.office == office and line.user.email == line.email


def test_the_approval_news_tells_the_company_to_check_the_added_users(registered, staff_user, company):
    application = registered()
    approve(application, staff_user)
    news = NewsItem.objects.filter(company=company).latest("pk")
    assert news.text == (
        f"通関士IDの追加申込の審査を終了しました。追加した利用者を確認してください。（申込受付番号：{application.receipt_number}）"
    )


def test_the_approval_mail_names_each_new_login(registered, staff_user):
    approve(registered(numbers=("10001", "10002")), staff_user)
    approved_mail = OutboundMail.objects.filter(subject__contains="審査終了").get()
    assert "12345678001 関税 一郎" in approved_mail.body and "12345678002 関税 一郎" in approved_mail.body


def test_the_approval_is_audited_with_each_login_made(registered, staff_user):
    application = registered(numbers=("10001", "10002"))
    approve(application, staff_user)
    assert AuditEvent.objects.filter(action="broker_ids.user_created").count() == 2
    assert AuditEvent.objects.filter(action="application.approved", object_id=str(application.pk)).exists()


def test_an_info_request_is_announced_in_the_news_and_by_mail(registered, staff_user, company):
    lifecycle.request_info(application=registered(), actor=staff_user, message="登録番号をご確認ください。")
    news = NewsItem.objects.filter(company=company).latest("pk")
    assert news.text.startswith(
        "通関士IDの追加申込に確認事項があります。通知内容をご確認の上、申込内容の修正、または取り下げを行ってください。"
    )
    assert OutboundMail.objects.filter(subject__contains="確認事項").exists()


def test_info_request_fix_and_resubmit(user_client, registered, staff_user, office):
    application = registered()
    lifecycle.request_info(application=application, actor=staff_user, message="登録番号をご確認ください。")
    line = application.broker_lines.get()
    url = f"/applications/broker_ids/{application.pk}/brokers/"
    user_client.post(url, {"go": f"remove-{line.pk}"})
    day = application.desired_date.strftime("%Y%m%d")
    user_client.post(url, {"go": "confirm", "desired_date": day, **broker(office, "10009")})
    user_client.post(f"/applications/broker_ids/{application.pk}/confirm/")
    application.refresh_from_db()
    assert application.status == Status.SUBMITTED
    assert list(application.broker_lines.values_list("registration_number", flat=True)) == ["10009"]
    assert AuditEvent.objects.filter(action="application.resubmitted").count() == 1


def test_a_rejection_makes_no_login_and_mails_the_decision(registered, staff_user):
    rejected = registered(numbers=("10001",))
    lifecycle.reject(application=rejected, actor=staff_user, reason="登録番号が確認できません。")
    assert not User.objects.filter(is_customs_broker=True).exists()
    assert OutboundMail.objects.filter(subject__contains="却下").exists()


def test_a_withdrawal_makes_no_login(user_client, registered):
    withdrawn = registered(numbers=("10002",))
    user_client.post(f"/applications/{withdrawn.pk}/withdraw/")
    withdrawn.refresh_from_db()
    assert withdrawn.status == Status.WITHDRAWN
    assert not User.objects.filter(is_customs_broker=True).exists()


def link_code(mail) -> str:
    """The part of a mailed set-password link after "#": the token, which no request ever carries in its URL."""
    return re.search(r"https?://[^/\s]+/accounts/set-password/#(\S+)", mail.body).group(1)


def open_link(client, code):
    """Open the link as a browser does: the landing page, then what its script posts, then the redirect."""
    client.get("/accounts/set-password/")
    return client.post("/accounts/set-password/", {"code": code}, follow=True)


def start_use(application, staff_user):
    approve(application, staff_user)
    return process_day(day=application.desired_date)


def test_the_morning_run_before_the_start_date_opens_no_login(registered, staff_user):
    application = registered(numbers=("10001", "10002"))
    approve(application, staff_user)
    process_day(day=application.desired_date - timedelta(days=1))
    assert not User.objects.filter(is_customs_broker=True, is_active=True).exists()


def test_the_morning_run_of_the_start_date_opens_the_logins_and_completes(registered, staff_user):
    application = registered(numbers=("10001", "10002"))
    report = start_use(application, staff_user)
    assert report.completed == 1
    application.refresh_from_db()
    assert application.status == Status.COMPLETED
    assert User.objects.filter(is_customs_broker=True, is_active=True).count() == 2


def test_the_morning_run_mails_each_broker_a_link_and_no_password(registered, staff_user):
    start_use(registered(numbers=("10001", "10002")), staff_user)
    links = OutboundMail.objects.filter(subject__contains="パスワード設定のご案内")
    assert sorted(mail.to for mail in links) == ["ichiro10001@example.jp", "ichiro10002@example.jp"]
    for mail in links:
        assert "72時間" in mail.body and PASSWORD not in mail.body


def test_a_second_run_of_the_start_date_mails_no_link_again(registered, staff_user):
    application = registered(numbers=("10001", "10002"))
    start_use(application, staff_user)
    process_day(day=application.desired_date)
    assert OutboundMail.objects.filter(subject__contains="パスワード設定のご案内").count() == 2


def test_the_morning_run_command_counts_the_brokers_as_brokers(registered, staff_user, clock, capsys):
    application = registered(numbers=("10001", "10002"))
    approve(application, staff_user)
    clock.at(f"{application.desired_date}T07:30")
    call_command("process_reissues", "--date", application.desired_date.isoformat())
    out = capsys.readouterr().out
    assert "申込 1 件, 通関士 2 名処理, 完了 1 件" in out and "端末" not in out


@pytest.fixture
def mailed_code(registered, staff_user):
    """The code of the set-password link mailed to the one 通関士 of an application carried out."""
    start_use(registered(), staff_user)
    return link_code(OutboundMail.objects.get(subject__contains="パスワード設定"))


def test_the_link_opens_the_form_for_the_new_login(client, mailed_code):
    opened = open_link(client, mailed_code)
    assert "利用者ID「12345678001」のパスワードを設定してください。" in opened.content.decode()


def test_a_weak_first_password_is_refused(client, mailed_code):
    form_url = open_link(client, mailed_code).redirect_chain[-1][0]
    weak = client.post(form_url, {"new_password1": "12345678", "new_password2": "12345678"})
    assert "このパスワードは短すぎます" in weak.content.decode() or "短すぎ" in weak.content.decode()


def test_the_new_broker_sets_a_password_once_and_logs_in(client, mailed_code):
    code = mailed_code
    form_url = open_link(client, code).redirect_chain[-1][0]
    done = client.post(form_url, {"new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD})
    assert done.url == "/accounts/set-password/done/"
    assert Client().post("/accounts/login/", {"username": "12345678001", "password": NEW_PASSWORD}).url == "/"
    # Single use: the same link opens nothing once the password is set.
    again = open_link(Client(), code).content.decode()
    assert "有効期限が切れているか、既に使用されています" in again


def test_the_token_never_travels_in_a_url(client, registered, staff_user):
    """Issue 24 #9: access logs hold URLs. The mailed link keeps the token after "#" (browsers never send it); it
    is posted, kept in the session, and every page is served under a URL without it."""
    application = registered()
    start_use(application, staff_user)
    mail = OutboundMail.objects.get(subject__contains="パスワード設定")
    code = link_code(mail)
    token = code.split("/")[1]
    url = re.search(r"https?://\S+", mail.body).group(0)
    assert url.split("#")[0].endswith("/accounts/set-password/") and token not in url.split("#")[0]
    opened = open_link(client, code)
    form_url = opened.redirect_chain[-1][0]
    assert "パスワードを設定してください" in opened.content.decode()
    done = client.post(form_url, {"new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD})
    for seen in ("/accounts/set-password/", form_url, done.url):
        assert token not in seen
    assert User.objects.get(username="12345678001").check_password(NEW_PASSWORD)


def test_a_mangled_code_is_told_beside_its_field(client):
    for code in ("", "no-slash", "MTA/bad token!", "#" + "x" * 300):
        response = client.post("/accounts/set-password/", {"code": code})
        assert response.status_code == 200 and "field-error" in response.content.decode(), code


@pytest.mark.parametrize(("hours", "valid"), [(71.9, True), (72.1, False)])
def test_the_link_is_valid_for_72_hours(registered, staff_user, clock, hours, valid):
    application = registered()
    start_use(application, staff_user)
    code = link_code(OutboundMail.objects.get(subject__contains="パスワード設定"))
    clock.advance(hours=hours)
    html = open_link(Client(), code).content.decode()
    assert ("パスワードを設定してください" in html) is valid


def test_an_expired_link_is_sent_again_from_the_contract_page(user_client, other_client, registered, staff_user):
    application = registered()
    start_use(application, staff_user)
    first = link_code(OutboundMail.objects.get(subject__contains="パスワード設定"))
    new_user = User.objects.get(username="12345678001")
    contract = user_client.get("/contract/").content.decode()
    assert "12345678001" in contract and "パスワード未設定" in contract and "案内を再送信" in contract
    assert other_client.post(f"/contract/users/{new_user.pk}/set-password-link/").status_code == 404
    user_client.post(f"/contract/users/{new_user.pk}/set-password-link/")
    mails = OutboundMail.objects.filter(subject__contains="パスワード設定").order_by("pk")
    assert mails.count() == 2
    second = link_code(mails.last())
    # The new link works; the one before it is spent.
    assert "有効期限が切れているか" in open_link(Client(), first).content.decode()
    assert "パスワードを設定してください" in open_link(Client(), second).content.decode()
    assert AuditEvent.objects.filter(action="broker_ids.set_password_link_sent").count() == 2


def test_no_link_is_sent_once_a_password_is_set(user_client, registered, staff_user):
    application = registered()
    start_use(application, staff_user)
    new_user = User.objects.get(username="12345678001")
    new_user.set_password(NEW_PASSWORD)
    new_user.save()
    user_client.post(f"/contract/users/{new_user.pk}/set-password-link/")
    assert OutboundMail.objects.filter(subject__contains="パスワード設定").count() == 1
    assert "/set-password-link/" not in user_client.get("/contract/").content.decode()


def test_the_contract_page_lists_the_companys_users(user_client, user, registered, staff_user, other_user):
    application = registered()
    approve(application, staff_user)
    html = user_client.get("/contract/").content.decode().split('id="users-title"')[1]
    assert "tsukan" in html and "通関 花子" in html and "東京事業所" in html
    assert "12345678001" in html and "関税 一郎" in html and "通関士" in html
    assert f"利用開始前（{application.desired_date:%Y/%m/%d}から）" in html
    assert other_user.username not in html


@pytest.fixture
def center(staff_user):
    """The back office in a browser of its own (user_client is the company's)."""
    client = Client()
    client.force_login(staff_user)
    return client


def test_the_back_office_resends_the_link(center, registered, staff_user):
    application = registered()
    start_use(application, staff_user)
    line = application.broker_lines.get()
    response = center.post(
        "/center/applications/brokerline/",
        {"action": "resend_set_password_link", "_selected_action": [line.pk]},
    )
    assert response.status_code == 302
    assert OutboundMail.objects.filter(subject__contains="パスワード設定").count() == 2


def test_the_back_office_filters_and_searches_by_kind(center, registered, make_application):
    make_application()
    application = registered()
    listing = center.get("/center/applications/application/?kind__exact=broker_ids").content.decode()
    assert application.receipt_number in listing
    assert (
        center.get("/center/applications/application/?q=10001").content.decode().count(application.receipt_number) >= 1
    )
    detail = center.get(f"/center/applications/application/{application.pk}/change/").content.decode()
    assert "関税" in detail and "10001" in detail


def take_all_ids_but(company, free: int):
    """Every 識別番号 001–999 of the company taken except the last `free` ones."""
    User.objects.bulk_create(
        User(username=f"{company.code}{number:03d}", company=company) for number in range(1, 1000 - free)
    )


def test_registration_is_refused_when_the_company_has_too_few_free_ids(user_client, walk, company):
    take_all_ids_but(company, free=1)
    pk = walk(numbers=("10001", "10002"))
    response = user_client.post(f"/applications/broker_ids/{pk}/confirm/", follow=True)
    assert "利用者ID（利用者コード＋識別番号3桁）の空きが足りません（追加2名、空き1件）。" in response.content.decode()
    assert Application.objects.get(pk=pk).status == Status.DRAFT


def test_an_approval_without_free_ids_is_refused_in_the_back_office(center, registered, company):
    application = registered(numbers=("10001",))
    take_all_ids_but(company, free=0)  # taken meanwhile, after the registration
    response = center.post(
        f"/center/applications/application/{application.pk}/decide/", {"decision": "approve"}, follow=True
    )
    assert response.status_code == 200
    assert "の空きが足りません（追加1名、空き0件）" in response.content.decode()
    application.refresh_from_db()
    assert application.status == Status.SUBMITTED
    assert not BrokerLine.objects.filter(user__isnull=False).exists()


def test_a_view_only_staff_member_cannot_resend_a_link(make_user, registered, staff_user):
    from django.contrib.auth.models import Permission

    application = registered()
    start_use(application, staff_user)
    viewer = make_user("viewer", is_staff=True)
    viewer.user_permissions.set(Permission.objects.filter(codename__startswith="view_"))
    client = Client()
    client.force_login(viewer)
    line = application.broker_lines.get()
    client.post(
        "/center/applications/brokerline/", {"action": "resend_set_password_link", "_selected_action": [line.pk]}
    )
    assert OutboundMail.objects.filter(subject__contains="パスワード設定").count() == 1
