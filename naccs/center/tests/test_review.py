"""承認 / 確認事項を送る / 却下: state checked under a lock, audited, announced; stale actions change nothing."""

from datetime import datetime, time
from zoneinfo import ZoneInfo

import pytest
from django_tasks_db.models import DBTaskResult

from naccs.applications.models import ReissueApplication
from naccs.audit.models import AuditEvent
from naccs.center import services
from naccs.mailer.models import OutboundMail
from naccs.portal.models import NewsItem

Status = ReissueApplication.Status
pytestmark = pytest.mark.django_db


def test_approve_changes_state_audits_and_announces(make_application, staff_user):
    application = make_application()
    outcome = services.approve(application=application, actor=staff_user)
    application.refresh_from_db()
    assert outcome.changed and application.status == Status.APPROVED and application.decided_at
    event = AuditEvent.objects.get(action="application.approved")
    assert event.actor == staff_user and event.before == {"status": "submitted"}
    assert event.after == {"status": "approved"}
    assert NewsItem.objects.filter(company=application.company, text__contains="審査が終了").count() == 1
    assert OutboundMail.objects.filter(to="hanako@example.jp", subject__contains="審査終了").count() == 1


def test_repeated_or_stale_approve_changes_nothing(make_application, staff_user):
    application = make_application()
    services.approve(application=application, actor=staff_user)
    again = services.approve(application=application, actor=staff_user)
    assert not again.changed and "審査終了のため承認できません" in again.message
    withdrawn = make_application(status=Status.WITHDRAWN)
    assert not services.approve(application=withdrawn, actor=staff_user).changed
    assert AuditEvent.objects.filter(action="application.approved").count() == 1
    assert OutboundMail.objects.count() == 1


def test_request_info_needs_a_message_and_reaches_the_user(make_application, staff_user):
    application = make_application()
    with pytest.raises(services.ReviewError):
        services.request_info(application=application, actor=staff_user, message="  ")
    services.request_info(application=application, actor=staff_user, message="再発行理由を具体的にご記入ください。")
    application.refresh_from_db()
    assert application.status == Status.NEEDS_INFO
    assert application.center_message == "再発行理由を具体的にご記入ください。"
    news = NewsItem.objects.get(company=application.company, text__contains="確認事項")
    assert news.body == application.center_message
    mail = OutboundMail.objects.get(subject__contains="確認事項")
    assert "再発行理由を具体的にご記入ください。" in mail.body
    assert not services.request_info(application=application, actor=staff_user, message="x").changed


def test_reject_needs_a_reason(make_application, staff_user):
    application = make_application()
    with pytest.raises(services.ReviewError):
        services.reject(application=application, actor=staff_user, reason="")
    outcome = services.reject(application=application, actor=staff_user, reason="対象端末は利用終了しています。")
    application.refresh_from_db()
    assert outcome.changed and application.status == Status.REJECTED
    assert "利用終了" in AuditEvent.objects.get(action="application.rejected").details["message"]
    assert not services.approve(application=application, actor=staff_user).changed


def test_approving_after_the_run_time_on_the_desired_date_processes_at_once(
    make_application, staff_user, run_day, monkeypatch, django_capture_on_commit_callbacks
):
    application = make_application()
    late = datetime.combine(run_day, time(9, 30), tzinfo=ZoneInfo("Asia/Tokyo"))
    monkeypatch.setattr("django.utils.timezone.now", lambda: late)
    with django_capture_on_commit_callbacks(execute=True):
        services.approve(application=application, actor=staff_user)
    task = DBTaskResult.objects.get(task_path__endswith="process_reissues_task")
    assert task.args_kwargs["args"] == [run_day.isoformat()]


def test_approving_before_the_run_day_waits_for_the_morning_run(
    make_application, staff_user, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        services.approve(application=make_application(), actor=staff_user)
    assert not DBTaskResult.objects.filter(task_path__endswith="process_reissues_task").exists()


def test_the_user_sees_the_question_in_the_application_detail(make_application, staff_user, user_client):
    application = make_application()
    services.request_info(application=application, actor=staff_user, message="端末の入替日を教えてください。")
    response = user_client.get(f"/applications/{application.pk}/")
    assert response.status_code == 200 and "端末の入替日を教えてください。" in response.text
