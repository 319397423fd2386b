"""契約内容の変更 end to end: the wizard, the review, the morning run of the 変更希望日 and 契約内容の確認."""

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.utils import timezone

from naccs.accounts.models import Office
from naccs.applications import lifecycle
from naccs.applications.models import Application, ContractChangeLine
from naccs.audit.models import AuditEvent
from naccs.center import morning_run
from naccs.lib.business_days import earliest_desired_date, next_business_day
from naccs.mailer.models import OutboundMail
from naccs.pki import pickups
from naccs.pki.models import CertificatePickup
from naccs.portal.models import NewsItem
from naccs.terminals.models import Certificate, LogicalTerminal

from .conftest import make_terminal

pytestmark = pytest.mark.django_db
Status = Application.Status


def register(client, pk):
    return client.post(f"/applications/contract_change/{pk}/confirm/")


def test_the_confirmation_shows_each_section_with_its_way_back(user_client, walk_contract_change, terminals):
    pk = walk_contract_change()
    html = user_client.get(f"/applications/contract_change/{pk}/confirm/").content.decode()
    for back in ("申込担当者の入力に戻る", "契約者情報の入力に戻る", "事業所・論理端末の入力に戻る"):
        assert back in html
    assert "新通関商事株式会社" in html and "0311112222" in html
    assert "論理端末の追加" in html and "航空 / webNACCS" in html
    assert "論理端末の削除" in html and terminals[1].name in html


def test_registering_gives_a_receipt_number_and_the_acceptance_mail_once(user_client, walk_contract_change):
    pk = walk_contract_change()
    first, second = register(user_client, pk), register(user_client, pk)
    assert first.url == second.url == f"/applications/contract_change/{pk}/done/"
    application = Application.objects.get(pk=pk)
    assert application.status == Status.SUBMITTED and len(application.receipt_number) == 11
    done = user_client.get(first.url).content.decode()
    assert application.receipt_number in done
    assert OutboundMail.objects.get().subject.startswith("【NACCS】契約内容の変更受付完了")
    assert AuditEvent.objects.filter(action="application.submitted", object_id=str(pk)).count() == 1
    # Back to a step of the registered 申込 changes nothing.
    assert user_client.get(f"/applications/contract_change/{pk}/details/").status_code == 302


def test_the_change_date_follows_the_business_day_rules(user_client):
    pk = int(user_client.post("/applications/contract_change/").url.split("/")[3])
    saturday = earliest_desired_date()
    while saturday.weekday() != 5:
        saturday += timedelta(days=1)
    response = user_client.post(
        f"/applications/contract_change/{pk}/details/", {"desired_date": saturday.strftime("%Y%m%d")}
    )
    assert "変更希望日に土曜日・日曜日は指定できません。" in response.content.decode()
    response = user_client.post(f"/applications/contract_change/{pk}/details/", {"desired_date": "20260231"})
    assert "変更希望日に存在しない日付が入力されています。" in response.content.decode()


def test_an_office_is_closed_only_with_its_terminals(user_client, walk_contract_change, office, terminals):
    for terminal in terminals:
        terminal.office = office
        terminal.save()
    pk = walk_contract_change()
    items = f"/applications/contract_change/{pk}/items/"
    user_client.post(items, {"go": "close_office", "close_office-office": office.pk})
    response = user_client.post(items, {"go": "confirm"}, follow=True)
    html = response.content.decode()
    assert f"事業所{office.name}には利用中の論理端末（{terminals[0].name}、{terminals[2].name}）があります。" in html
    for terminal in (terminals[0], terminals[2]):
        user_client.post(items, {"go": "remove_terminal", "remove_terminal-terminal_name": terminal.name.lower()})
    assert user_client.post(items, {"go": "confirm"}).url.endswith("/confirm/")


def test_another_companys_terminal_cannot_be_removed(user_client, walk_contract_change, other_terminal):
    pk = walk_contract_change()
    response = user_client.post(
        f"/applications/contract_change/{pk}/items/",
        {"go": "remove_terminal", "remove_terminal-terminal_name": other_terminal.name},
    )
    assert f"論理端末{other_terminal.name}は利用中の論理端末にありません。" in response.content.decode()
    assert not ContractChangeLine.objects.filter(terminal=other_terminal).exists()


def test_a_line_can_be_taken_out_again(user_client, walk_contract_change):
    pk = walk_contract_change()
    line = ContractChangeLine.objects.get(application_id=pk, action="remove_terminal")
    user_client.post(f"/applications/contract_change/{pk}/items/", {"go": "remove", "line": line.pk})
    assert not ContractChangeLine.objects.filter(pk=line.pk).exists()


def test_nothing_to_change_cannot_go_on(user_client, desired):
    pk = int(user_client.post("/applications/contract_change/").url.split("/")[3])
    user_client.post(f"/applications/contract_change/{pk}/details/", {"desired_date": desired})
    response = user_client.post(f"/applications/contract_change/{pk}/items/", {"go": "confirm"}, follow=True)
    assert "変更する内容を1つ以上入力してください。" in response.content.decode()


def test_each_decision_posts_the_manuals_news_and_a_mail(user_client, walk_contract_change, staff_user):
    pk = walk_contract_change()
    register(user_client, pk)
    lifecycle.request_info(application=pk, actor=staff_user, message="追加する論理端末の設置場所をご記入ください。")
    asked = NewsItem.objects.latest("published_at")
    assert asked.category == NewsItem.Category.APPLICATION
    assert asked.text.startswith(
        "利用申込内容に確認事項があります。通知内容をご確認の上、申込内容の修正、または取り下げを行ってください。"
    )
    # Fixed and sent again, then approved.
    user_client.post(f"/applications/contract_change/{pk}/details/", {"desired_date": Application.objects.get(pk=pk)
                     .desired_date.strftime("%Y%m%d"), "representative": "代表　一郎"})  # fmt: skip
    assert register(user_client, pk).url.endswith("/done/")
    assert Application.objects.get(pk=pk).contract_change.representative == "代表　一郎"
    lifecycle.approve(application=pk, actor=staff_user)
    approved = NewsItem.objects.latest("published_at")
    assert approved.text.startswith("利用申込の審査を終了しました。通知内容をご確認してください。")
    assert approved.category == NewsItem.Category.APPLICATION
    subjects = list(OutboundMail.objects.order_by("pk").values_list("subject", flat=True))
    assert len(subjects) == 4  # 受付完了, 確認事項, 受付完了 (再送信), 審査終了
    events = AuditEvent.objects.filter(object_id=str(pk), action__startswith="application.").values_list(
        "action", flat=True
    )
    for event in ("submitted", "info_requested", "resubmitted", "approved"):
        assert f"application.{event}" in events


def test_withdrawing_and_rejecting(user_client, walk_contract_change, staff_user, make_user, company, office):
    pk = walk_contract_change()
    register(user_client, pk)
    user_client.post(f"/applications/{pk}/withdraw/")
    assert Application.objects.get(pk=pk).status == Status.WITHDRAWN
    assert NewsItem.objects.latest("published_at").text.startswith("利用申込（契約内容の変更）を取り下げました。")
    pk = walk_contract_change()
    register(user_client, pk)
    lifecycle.reject(application=pk, actor=staff_user, reason="代表者の変更には登記簿の写しが必要です。")
    assert Application.objects.get(pk=pk).status == Status.REJECTED
    assert "却下" in OutboundMail.objects.latest("pk").subject


@pytest.fixture
def approved_change(user_client, walk_contract_change, staff_user):
    pk = walk_contract_change()
    register(user_client, pk)
    lifecycle.approve(application=pk, actor=staff_user)
    return Application.objects.get(pk=pk)


def test_until_its_date_the_contract_page_shows_the_pending_change(user_client, approved_change, terminals):
    html = user_client.get("/contract/").content.decode()
    assert "変更予定の契約内容" in html
    assert "新通関商事株式会社" in html and approved_change.desired_date.strftime("%Y/%m/%d") in html
    assert "論理端末の削除" in html and terminals[1].name in html
    assert "通関商事株式会社" in html  # the current contract stays next to it


def test_the_morning_run_of_its_date_makes_the_change_once(approved_change, company, office, terminals, staff_user):
    removed = terminals[1]
    day = approved_change.desired_date
    assert morning_run.process_day(day=day - timedelta(days=1)).applications == 0
    report = morning_run.process_day(day=day)
    assert report.completed == 1
    company.refresh_from_db()
    assert company.name == "新通関商事株式会社" and company.contract_details.phone == "0311112222"
    # The new terminal: the next name of the company's scheme, three codes, an open pickup for its first 取得.
    added = LogicalTerminal.objects.get(company=company, category="air", device_type="webNACCS")
    assert added.name == "11110D" and added.office == office
    assert all(len(code) == 8 for code in (added.auth_code1, added.auth_code2, added.auth_code3))
    assert CertificatePickup.objects.open(timezone.now()).filter(terminal=added).exists()
    # The removed terminal: out of use, its certificate revoked as cessationOfOperation.
    removed.refresh_from_db()
    assert removed.is_active is False
    certificate = Certificate.objects.get(terminal=removed)
    assert certificate.revoked_at is not None and certificate.revocation_reason == "cessation_of_operation"
    assert AuditEvent.objects.filter(action="contract_change.carried_out").count() == 1
    assert Application.objects.get(pk=approved_change.pk).status == Status.COMPLETED
    assert NewsItem.objects.latest("published_at").text.startswith("契約内容を変更しました。")
    completed_mail = OutboundMail.objects.latest("pk")
    assert "11110D" in completed_mail.body and "2か月" in completed_mail.body
    # A second run of the same day changes nothing more.
    morning_run.process_day(day=next_business_day(day))
    assert LogicalTerminal.objects.filter(company=company).count() == 4
    assert AuditEvent.objects.filter(action="contract_change.carried_out").count() == 1


def test_the_removed_terminals_certificate_shows_revoked_on_the_crl_and_ocsp(approved_change, terminals, client):
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.x509 import ocsp

    from naccs.pki import ca, issuance, revocation

    key = issuance.new_terminal_key()
    signed = issuance.issue_certificate(terminal=terminals[1], public_key=key.public_key())
    morning_run.process_day(day=approved_change.desired_date)

    crl = x509.load_der_x509_crl(bytes(revocation.current_crl().der))
    entry = crl.get_revoked_certificate_by_serial_number(int(signed.serial, 16))
    assert entry is not None
    assert (
        entry.extensions.get_extension_for_class(x509.CRLReason).value.reason == x509.ReasonFlags.cessation_of_operation
    )
    leaf = x509.load_pem_x509_certificate(Certificate.objects.get(pk=signed.pk).pem.encode())
    request = ocsp.OCSPRequestBuilder().add_certificate(leaf, ca.get_authority().certificate, hashes.SHA1()).build()
    der = request.public_bytes(serialization.Encoding.DER)
    answer = ocsp.load_der_ocsp_response(client.post("/pki/ocsp", der, content_type="application/ocsp-request").content)
    assert answer.certificate_status == ocsp.OCSPCertStatus.REVOKED
    assert answer.revocation_reason == x509.ReasonFlags.cessation_of_operation


@pytest.mark.clock("2026-12-31T10:00")
def test_a_first_certificate_not_acquired_in_two_months_is_closed_like_a_reissue(approved_change, company):
    morning_run.process_day(day=approved_change.desired_date)
    pickup = CertificatePickup.objects.get(terminal__name="11110D")
    assert f"{timezone.localtime(pickup.opened_at):%Y-%m-%d}" == "2026-12-31"
    # The manual's 2か月 from 12/31 end with February's last day: open on 2027/02/28, closed from 03/01.
    tokyo = ZoneInfo("Asia/Tokyo")
    assert pickups.close_stale_pickups(now=datetime(2027, 2, 28, 23, 59, tzinfo=tokyo)) == 0
    assert pickups.close_stale_pickups(now=datetime(2027, 3, 1, 0, 1, tzinfo=tokyo)) == 1
    notice = NewsItem.objects.latest("published_at").text
    assert notice.startswith("論理端末11110Dのデジタル証明書は、利用開始から2か月以内に取得されなかったため")
    assert "利用開始から2か月以内に取得されなかった" in OutboundMail.objects.latest("pk").body


def test_the_name_scheme_of_a_company_without_terminals(db, company):
    from naccs.terminals.provisioning import next_terminal_name

    assert next_terminal_name(company) == "12345A"
    make_terminal(company, "12345A")
    assert next_terminal_name(company) == "12345B"


def test_an_office_added_and_closed(user_client, staff_user, office, desired, company):
    pk = int(user_client.post("/applications/contract_change/").url.split("/")[3])
    from .conftest import APPLICANT

    user_client.post(f"/applications/contract_change/{pk}/applicant/", APPLICANT)
    user_client.post(f"/applications/contract_change/{pk}/details/", {"desired_date": desired})
    items = f"/applications/contract_change/{pk}/items/"
    user_client.post(items, {"go": "add_office", "add_office-office_name": "大阪事業所"})
    response = user_client.post(items, {"go": "add_office", "add_office-office_name": office.name})
    assert f"事業所{office.name}は既に登録されています。" in response.content.decode()
    user_client.post(items, {"go": "close_office", "close_office-office": office.pk})
    register(user_client, pk)
    lifecycle.approve(application=pk, actor=staff_user)
    morning_run.process_day(day=Application.objects.get(pk=pk).desired_date)
    assert Office.objects.filter(company=company, name="大阪事業所", closure__isnull=True).exists()
    assert Office.objects.filter(pk=office.pk, closure__isnull=False).exists()
