"""The back office at /center/: staff only, list/search/detail, review actions, dashboard, audit CSV."""

import pytest

from naccs.applications import lifecycle
from naccs.applications.models import Application
from naccs.audit.models import AuditEvent

Status = Application.Status
pytestmark = pytest.mark.django_db
LIST = "/center/applications/application/"


def test_every_heading_of_the_back_office_index_is_japanese(staff_client):
    import re

    html = staff_client.get("/center/").content.decode()
    headings = [
        re.sub(r"<[^>]+>", "", heading).strip() for heading in re.findall(r"<caption>(.*?)</caption>", html, re.S)
    ]
    headings += [
        re.sub(r"<[^>]+>", "", cell).strip() for cell in re.findall(r'<th scope="row"[^>]*>(.*?)</th>', html, re.S)
    ]
    assert len(headings) > 10
    english = [heading for heading in headings if re.fullmatch(r"[ -~]+", heading)]
    assert english == [], english


def test_back_office_is_staff_only(user_client):
    for url in (LIST, "/center/dashboard/", "/center/audit/auditevent/"):
        response = user_client.get(url)
        assert response.status_code == 302 and "/login/" in response.url


def test_list_filters_and_search(staff_client, make_application):
    first, second = make_application(), make_application()
    terminal = second.reissue_lines.first().terminal.name
    response = staff_client.get(LIST, {"q": terminal})
    assert second.receipt_number in response.text and first.receipt_number not in response.text
    response = staff_client.get(LIST, {"q": first.receipt_number})
    assert first.receipt_number in response.text and second.receipt_number not in response.text
    response = staff_client.get(LIST, {"q": first.company.code, "status__exact": "submitted"})
    assert response.status_code == 200 and first.receipt_number in response.text
    staff_client.get(LIST, {"desired_date": first.desired_date.isoformat()})


def test_detail_shows_applicant_terminals_and_history(staff_client, make_application, staff_user):
    application = make_application()
    lifecycle.request_info(application=application, actor=staff_user, message="確認します")
    response = staff_client.get(f"{LIST}{application.pk}/change/")
    assert response.status_code == 200
    text = response.text
    assert "hanako@example.jp" in text and application.reissue_lines.first().terminal.name in text
    assert "確認事項の送信" in text and "受付済 → 確認事項あり" in text and "通知内容：確認します" in text
    assert "この申込は確認事項ありのため" in text
    # Nothing of the 申込 is edited here: the center decides through the review form only.
    for field in ("status", "applicant_email", "desired_date", "center_message", "receipt_number"):
        assert f'name="{field}"' not in text


def test_the_history_is_in_words_with_the_step_saves_as_one_row(staff_client, user):
    draft = lifecycle.start(kind="reissue", user=user)
    for _ in range(19):
        lifecycle.save_step(application=draft, user=user, change=lambda locked: None)
    html = staff_client.get(f"{LIST}{draft.pk}/change/").text
    history = html.split('id="history"', 1)[1].split("</table>", 1)[0]
    assert "入力開始" in history and "入力内容の保存（19回）" in history
    assert history.count("入力内容の保存") == 1
    assert "application." not in history and "{" not in history and "draft" not in history
    assert "申込種別：デジタル証明書の再発行" in history


def test_decide_view_approves_and_refuses_stale(staff_client, make_application):
    application = make_application()
    url = f"{LIST}{application.pk}/decide/"
    response = staff_client.post(url, {"decision": "approve"}, follow=True)
    assert "を承認しました" in response.text
    application.refresh_from_db()
    assert application.status == Status.APPROVED
    response = staff_client.post(url, {"decision": "reject", "message": "遅い"}, follow=True)
    assert "却下できません" in response.text
    application.refresh_from_db()
    assert application.status == Status.APPROVED


def test_a_question_sent_is_confirmed_in_plain_japanese(staff_client, make_application):
    application = make_application()
    url = f"{LIST}{application.pk}/decide/"
    response = staff_client.post(url, {"decision": "request_info", "message": "確認します"}, follow=True)
    assert f"{application.receipt_number}に確認事項を送信しました。" in response.text


def test_decide_view_needs_a_message(staff_client, make_application):
    application = make_application()
    for decision, label in (("request_info", "確認事項"), ("reject", "却下理由")):
        response = staff_client.post(f"{LIST}{application.pk}/decide/", {"decision": decision, "message": " "})
        assert response.status_code == 200 and f"{label}を入力してください。" in response.text
    response = staff_client.post(f"{LIST}{application.pk}/decide/", {"decision": "bogus"})
    assert response.status_code == 200
    application.refresh_from_db()
    assert application.status == Status.SUBMITTED
    assert staff_client.post(f"{LIST}999999/decide/", {"decision": "approve"}).status_code == 404


def test_bulk_approve(staff_client, make_application):
    applications = [make_application() for _ in range(3)]
    done = make_application(status=Status.REJECTED)
    response = staff_client.post(
        LIST,
        {"action": "approve_selected", "_selected_action": [a.pk for a in [*applications, done]]},
        follow=True,
    )
    assert "3件の申込を承認しました。" in response.text and "却下のため承認できません" in response.text
    assert Application.objects.filter(status=Status.APPROVED).count() == 3


def test_dashboard_counts_and_runs(staff_client, make_application):
    make_application(), make_application(status=Status.APPROVED)
    response = staff_client.get("/center/dashboard/")
    assert response.status_code == 200
    assert "受付済" in response.text and "本日" in response.text and "翌日" in response.text
    assert "/center/dashboard/" in staff_client.get("/center/").text


def test_audit_log_is_read_only_and_exports_csv(staff_client, make_application, staff_user):
    lifecycle.approve(application=make_application(), actor=staff_user)
    event = AuditEvent.objects.get()
    assert staff_client.get("/center/audit/auditevent/", {"action": "application.approved"}).status_code == 200
    response = staff_client.get(f"/center/audit/auditevent/{event.pk}/change/")
    assert response.status_code == 200 and 'name="_save"' not in response.text
    assert staff_client.post(f"/center/audit/auditevent/{event.pk}/delete/").status_code == 403
    response = staff_client.post("/center/audit/auditevent/", {"action": "export_csv", "_selected_action": [event.pk]})
    assert response["Content-Type"].startswith("text/csv")
    body = response.content.decode("utf-8-sig")
    assert "application.approved" in body and "center" in body and "日時" in body.splitlines()[0]
