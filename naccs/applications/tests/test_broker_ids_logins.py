"""通関士IDの追加 after registration, through the test client: the review, the logins made at the approval, the
morning run of the 利用開始希望日 and the first password."""

# The fixtures imported from brokers.py are the tests' parameters, which ruff would read as redefinitions.
# ruff: noqa: F811

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
from naccs.mailer.models import OutboundMail
from naccs.portal.models import NewsItem

from .brokers import NEW_PASSWORD, approve, broker, link_code, open_link, registered, start_date, start_use, walk  # noqa: F401 (fixtures among them)

pytestmark = pytest.mark.django_db
Status = Application.Status


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
