import pytest
from django.core import mail
from django.test import Client
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from naccs.applications import lifecycle
from naccs.applications.models import Application, ReissueLine
from naccs.audit.models import AuditEvent
from naccs.mailer.models import OutboundMail
from naccs.portal.models import NewsItem

from .conftest import APPLICANT

pytestmark = pytest.mark.django_db
Status = Application.Status


def test_guidance_explains_the_reissue(user_client):
    html = user_client.get("/applications/reissue/").content.decode()
    assert "証明書再発行申込ガイダンス" in html
    assert "有効期限の28日前から有効期限までに取得する必要があります" in html
    for step in ["STEP1", "STEP2", "STEP3", "STEP4", "STEP5"]:
        assert step in html
    assert "申込担当者入力へ進む" in html


def test_the_guidance_and_the_completion_page_name_the_mails_as_they_arrive(user_client, walk):
    from naccs.mailer.models import OutboundMail

    guidance = user_client.get("/applications/reissue/").content.decode()
    pk = walk()
    user_client.post(f"/applications/reissue/{pk}/confirm/")
    done = user_client.get(f"/applications/reissue/{pk}/done/").content.decode()
    accepted = OutboundMail.objects.get().subject
    assert accepted.startswith("【NACCS】デジタル証明書の再発行受付完了")
    for page in (guidance, done):
        assert "「デジタル証明書の再発行受付完了」メール" in page and "「デジタル証明書の再発行完了」メール" in page


def test_starting_twice_resumes_the_same_draft(user_client):
    first = user_client.post("/applications/reissue/").url
    second = user_client.post("/applications/reissue/").url
    assert first == second
    assert Application.objects.count() == 1


def test_the_guidance_tells_of_the_users_own_draft_only(user_client, make_user, company, office):
    resume = "入力途中の申込があります"
    assert resume not in user_client.get("/applications/reissue/").content.decode()
    user_client.post("/applications/reissue/")
    assert resume in user_client.get("/applications/reissue/").content.decode()
    colleague = Client()
    colleague.force_login(make_user("colleague", company=company, office=office))
    assert resume not in colleague.get("/applications/reissue/").content.decode()


def test_the_draft_survives_logout(client, user, walk):
    from conftest import PASSWORD

    pk = walk(client)
    client.post("/accounts/logout/")
    client.post("/accounts/login/", {"username": user.username, "password": PASSWORD})
    assert client.post("/applications/reissue/").url == f"/applications/reissue/{pk}/applicant/"
    assert "11110A" in client.get(f"/applications/reissue/{pk}/confirm/").content.decode()


def test_applicant_step_is_prefilled_from_the_profile(user_client):
    url = user_client.post("/applications/reissue/").url
    html = user_client.get(url).content.decode()
    assert 'value="通関"' in html and 'value="hanako@example.jp"' in html


def test_applicant_errors_are_summarised_and_shown_beside_the_field(user_client):
    url = user_client.post("/applications/reissue/").url
    html = user_client.post(url, {**APPLICANT, "phone": "03-12", "department": ""}).content.decode()
    assert "入力内容に誤りがあります" in html
    assert 'href="#id_phone"' in html
    assert '<div class="field-error" id="id_phone_error"><p>電話番号は10桁または11桁' in html
    assert 'value="通関"' in html  # what was typed is kept


def test_hints_and_errors_carry_the_ids_their_field_names_for_screen_readers(user_client):
    import re

    url = user_client.post("/applications/reissue/").url
    html = user_client.post(url, {**APPLICANT, "phone": "03-12"}).content.decode()
    for field in re.findall(r'<input [^>]*aria-describedby="([^"]+)"', html):
        for described_by in field.split():
            assert f'id="{described_by}"' in html, described_by
    assert 'aria-describedby="id_phone_helptext id_phone_error"' in html
    assert "data-focus-on-load" in html.split('class="error-summary"')[1].split(">")[0]


def test_every_error_of_the_terminal_step_shows_at_once(user_client, terminals):
    from datetime import timedelta

    from naccs.lib.business_days import earliest_desired_date, is_business_day

    saturday = earliest_desired_date()
    while saturday.weekday() != 5:
        saturday += timedelta(days=1)
    assert not is_business_day(saturday)
    url = user_client.post("/applications/reissue/").url.replace("applicant", "terminals")
    html = user_client.post(url, {"desired_date": saturday.strftime("%Y%m%d"), "shown": [t.pk for t in terminals]})
    html = html.content.decode()
    assert "再発行希望日に土曜日・日曜日は指定できません。" in html
    assert "再発行理由を選択してください。" in html
    assert "再発行を希望する論理端末を1つ以上選択してください。" in html


def test_a_terminal_chosen_on_another_page_is_enough(user_client, terminals, desired):
    url = user_client.post("/applications/reissue/").url.replace("applicant", "terminals")
    user_client.post(url, {"shown": [terminals[0].pk], "terminals": [terminals[0].pk], "go": "2"})
    response = user_client.post(url, {"desired_date": desired, "reason": "replaced", "shown": [terminals[1].pk]})
    assert response.status_code == 302 and response.url.endswith("/confirm/")


def test_expired_is_refused_beside_the_reason_for_a_certificate_still_valid(user_client, terminals, desired, company):
    from naccs.tests.helpers import make_terminal

    expired = make_terminal(company, "11110X", certificate_age_days=400)
    url = user_client.post("/applications/reissue/").url
    user_client.post(url, APPLICANT)
    url = url.replace("applicant", "terminals")
    shown = [terminals[0].pk, expired.pk]
    response = user_client.post(
        url, {"desired_date": desired, "reason": "expired", "shown": shown, "terminals": [terminals[0].pk]}
    )
    html = response.content.decode()
    reason = html.split("<legend>再発行理由")[1].split("</fieldset>")[0]
    assert "論理端末11110Aのデジタル証明書は有効期限が切れていません。" in reason
    response = user_client.post(
        url, {"desired_date": desired, "reason": "expired", "shown": shown, "terminals": [expired.pk]}
    )
    assert response.status_code == 302 and response.url.endswith("/confirm/")


def test_a_lost_key_is_a_reason(user_client, walk, terminals, desired):
    pk = walk()
    user_client.post(
        f"/applications/reissue/{pk}/terminals/",
        {
            "desired_date": desired,
            "reason": "key_compromise",
            "shown": [terminals[0].pk],
            "terminals": [terminals[0].pk],
        },
    )
    assert "秘密鍵の紛失・漏えい" in user_client.get(f"/applications/reissue/{pk}/confirm/").content.decode()


def test_terminals_step_lists_the_company_terminals_only(user_client, terminals, other_terminal):
    url = user_client.post("/applications/reissue/").url.replace("applicant", "terminals")
    html = user_client.get(url).content.decode()
    assert all(t.name in html for t in terminals)
    assert "22220A" not in html
    assert "NAC11110A" in html and "ABCDE00001" in html


def test_the_whole_wizard_registers_one_application(user_client, walk, terminals):
    pk = walk()
    html = user_client.get(f"/applications/reissue/{pk}/confirm/").content.decode()
    assert "通関 花子" in html and "11110A" in html and "端末の入れ替え" in html
    assert "申込担当者の入力に戻る" in html and "論理端末の入力に戻る" in html

    response = user_client.post(f"/applications/reissue/{pk}/confirm/")
    assert response.url == f"/applications/reissue/{pk}/done/"
    application = Application.objects.get()
    assert application.status == Status.SUBMITTED
    assert len(application.receipt_number) == 11
    assert application.receipt_number in user_client.get(response.url).content.decode()
    assert AuditEvent.objects.filter(action="application.submitted", object_id=str(pk)).exists()
    news = NewsItem.objects.get(company=application.company)
    assert news.category == NewsItem.Category.APPLICATION and application.receipt_number in news.text


def test_the_confirmation_is_laid_out_as_manual_screen_5(user_client, walk, terminals):
    pk = walk()
    html = user_client.get(f"/applications/reissue/{pk}/confirm/").content.decode()
    assert "論理端末名 / デジタル証明書" in html
    assert '<th scope="col">発行日</th>' in html
    issued = terminals[0].certificates.get().issued_at
    assert f"<td>{timezone.localtime(issued):%Y/%m/%d}</td><td>再発行</td>" in html
    assert "入力内容を確認後に、「申込内容を登録する」ボタンをクリックしてください。" in html


def test_the_acceptance_mail_is_queued_for_the_worker_not_sent_in_the_request(
    user_client, walk, django_capture_on_commit_callbacks
):
    pk = walk()
    with django_capture_on_commit_callbacks(execute=True):
        user_client.post(f"/applications/reissue/{pk}/confirm/")
    queued = OutboundMail.objects.get()
    assert queued.to == "hanako@example.jp"
    assert queued.subject.startswith("【NACCS】デジタル証明書の再発行受付完了")
    assert queued.status == OutboundMail.Status.PENDING
    assert mail.outbox == []
    assert DBTaskResult.objects.filter(task_path="naccs.mailer.tasks.deliver_mail").count() == 1


def test_a_confirmation_left_open_while_another_tab_changed_the_draft_registers_nothing(
    user_client, walk, terminals, desired
):
    import re

    pk = walk(terminal_ids=[terminals[0].pk])
    tab_a = user_client.get(f"/applications/reissue/{pk}/confirm/").content.decode()
    shown_version = re.search(r'name="version" value="([^"]+)"', tab_a).group(1)
    user_client.post(  # tab B picks another terminal and goes on to its own 確認画面
        f"/applications/reissue/{pk}/terminals/",
        {
            "desired_date": desired,
            "reason": "replaced",
            "shown": [t.pk for t in terminals],
            "terminals": [terminals[1].pk],
        },
    )
    response = user_client.post(f"/applications/reissue/{pk}/confirm/", {"version": shown_version}, follow=True)
    html = response.content.decode()
    assert "申込内容が別の画面で変更されています" in html
    assert "<td>11110B</td>" in html and "申込内容を登録する" in html  # the current 確認画面
    assert Application.objects.get(pk=pk).status == Status.DRAFT
    current = re.search(r'name="version" value="([^"]+)"', html).group(1)
    user_client.post(f"/applications/reissue/{pk}/confirm/", {"version": current})
    registered = Application.objects.get(pk=pk)
    assert registered.status == Status.SUBMITTED
    assert list(registered.reissue_lines.values_list("terminal__name", flat=True)) == ["11110B"]


def test_registering_twice_gives_one_application_and_the_same_number(user_client, walk):
    pk = walk()
    first = user_client.post(f"/applications/reissue/{pk}/confirm/")
    second = user_client.post(f"/applications/reissue/{pk}/confirm/")
    assert first.url == second.url
    assert Application.objects.count() == 1
    assert OutboundMail.objects.count() == 1


def test_back_to_a_step_after_registering_shows_the_completion(user_client, walk):
    pk = walk()
    user_client.post(f"/applications/reissue/{pk}/confirm/")
    for step in ("applicant", "terminals", "confirm"):
        response = user_client.get(f"/applications/reissue/{pk}/{step}/")
        assert response.url == f"/applications/reissue/{pk}/done/"
    response = user_client.post(f"/applications/reissue/{pk}/applicant/", APPLICANT)
    assert response.url == f"/applications/reissue/{pk}/done/"


def test_an_incomplete_draft_cannot_be_registered(user_client):
    # The profile lacks a 所属部課名, so the first step to finish is the 申込担当者's.
    url = user_client.post("/applications/reissue/").url.replace("applicant", "confirm")
    response = user_client.post(url)
    assert response.status_code == 302 and response.url.endswith("/applicant/")
    assert not Application.objects.exclude(status=Status.DRAFT).exists()


def test_a_draft_with_its_applicant_done_goes_on_to_the_terminal_step(user_client):
    url = user_client.post("/applications/reissue/").url
    user_client.post(url, APPLICANT)
    response = user_client.post(url.replace("applicant", "confirm"))
    assert response.status_code == 302 and response.url.endswith("/terminals/")


def test_a_terminal_in_an_open_application_cannot_be_chosen(user_client, walk, terminals, desired):
    pk = walk(terminal_ids=[terminals[0].pk])
    user_client.post(f"/applications/reissue/{pk}/confirm/")
    second = int(user_client.post("/applications/reissue/").url.split("/")[3])
    url = f"/applications/reissue/{second}/terminals/"
    html = user_client.get(url).content.decode()
    assert f'name="terminals" value="{terminals[0].pk}"' not in html and "申込中" in html
    response = user_client.post(url, {"desired_date": desired, "reason": "replaced", "terminals": [terminals[0].pk]})
    assert "選択できない論理端末が含まれています" in response.content.decode()


def test_a_terminal_an_open_contract_change_removes_cannot_be_chosen(
    user_client, walk_contract_change, terminals, desired
):
    user_client.post(f"/applications/contract_change/{walk_contract_change()}/confirm/")  # removes terminals[1]
    draft = int(user_client.post("/applications/reissue/").url.split("/")[3])
    url = f"/applications/reissue/{draft}/terminals/"
    html = user_client.get(url).content.decode()
    assert f'name="terminals" value="{terminals[1].pk}"' not in html
    assert f'name="terminals" value="{terminals[0].pk}"' in html
    assert "削除申込中" in html and "契約内容の変更で削除の申込中のため、再発行の申込はできません。" in html
    response = user_client.post(url, {"desired_date": desired, "reason": "replaced", "terminals": [terminals[1].pk]})
    assert "選択できない論理端末が含まれています" in response.content.decode()
    assert not ReissueLine.objects.filter(application_id=draft).exists()


def test_registering_a_reissue_of_a_terminal_removed_meanwhile_is_refused(
    user_client, walk, walk_contract_change, terminals
):
    reissue = walk(terminal_ids=[terminals[1].pk])
    user_client.post(f"/applications/contract_change/{walk_contract_change()}/confirm/")  # removes terminals[1]
    response = user_client.post(f"/applications/reissue/{reissue}/confirm/", follow=True)
    assert "論理端末11110Bは契約内容の変更で削除の申込中のため、再発行できません。" in response.content.decode()
    assert Application.objects.get(pk=reissue).status == Status.DRAFT


def test_a_reissue_may_name_a_terminal_once_its_removal_is_withdrawn(
    user_client, user, walk, walk_contract_change, terminals
):
    change = walk_contract_change()
    user_client.post(f"/applications/contract_change/{change}/confirm/")
    lifecycle.withdraw(application=Application.objects.get(pk=change), user=user)
    reissue = walk(terminal_ids=[terminals[1].pk])
    user_client.post(f"/applications/reissue/{reissue}/confirm/")
    assert Application.objects.get(pk=reissue).status == Status.SUBMITTED


def test_registering_a_terminal_taken_meanwhile_is_refused(client, walk, terminals, make_user, company):
    colleague = make_user("colleague", company=company, is_company_administrator=True)
    other = Client()
    other.force_login(colleague)
    mine = walk(client)
    theirs = walk(other)
    other.post(f"/applications/reissue/{theirs}/confirm/")
    response = client.post(f"/applications/reissue/{mine}/confirm/", follow=True)
    assert "論理端末11110Aは既に再発行の申込中です" in response.content.decode()
    assert Application.objects.filter(status=Status.SUBMITTED).count() == 1


def test_another_company_cannot_open_the_draft(walk, other_user):
    pk = walk()
    other_client = Client()
    other_client.force_login(other_user)
    for step in ("applicant", "terminals", "confirm", "done"):
        assert other_client.get(f"/applications/reissue/{pk}/{step}/").status_code == 404
    assert other_client.post(f"/applications/reissue/{pk}/confirm/").status_code == 404


def test_receipt_numbers_keep_eleven_characters_past_the_thousandth_of_a_day(user, company):
    from datetime import datetime
    from zoneinfo import ZoneInfo

    from naccs.applications.lifecycle import _new_receipt_number

    now = datetime(2026, 11, 25, 10, tzinfo=ZoneInfo("Asia/Tokyo"))
    Application.objects.create(kind="reissue", company=company, created_by=user, receipt_number="26112500999")
    assert _new_receipt_number(now) == "26112501000"
