"""The one lifecycle: every transition checks its state under a lock, audits, and announces as its kind says."""

import re

import pytest

from naccs.applications import kinds, lifecycle
from naccs.applications.models import Application
from naccs.audit.models import AuditEvent
from naccs.mailer.models import OutboundMail
from naccs.portal.models import NewsItem

Status = Application.Status
pytestmark = pytest.mark.django_db


def test_approve_changes_state_audits_and_announces(make_application, staff_user):
    application = make_application()
    outcome = lifecycle.approve(application=application, actor=staff_user)
    application.refresh_from_db()
    assert outcome.changed and application.status == Status.APPROVED and application.decided_at
    event = AuditEvent.objects.get(action="application.approved")
    assert event.actor == staff_user and event.before == {"status": "submitted"}
    assert event.after == {"status": "approved"}
    news = NewsItem.objects.get(company=application.company, text__contains="審査が終了")
    assert application.receipt_number in news.text and news.link == f"/applications/{application.pk}/"
    assert OutboundMail.objects.filter(to="hanako@example.jp", subject__contains="審査終了").count() == 1


def test_repeated_or_stale_approve_changes_nothing(make_application, staff_user):
    application = make_application()
    lifecycle.approve(application=application, actor=staff_user)
    again = lifecycle.approve(application=application, actor=staff_user)
    assert not again.changed and "審査終了のため承認できません" in again.message
    withdrawn = make_application(status=Status.WITHDRAWN)
    assert not lifecycle.approve(application=withdrawn, actor=staff_user).changed
    assert AuditEvent.objects.filter(action="application.approved").count() == 1
    assert OutboundMail.objects.count() == 1


def test_request_info_needs_a_message_and_reaches_the_user(make_application, staff_user):
    application = make_application()
    with pytest.raises(lifecycle.TransitionRefused):
        lifecycle.request_info(application=application, actor=staff_user, message="  ")
    lifecycle.request_info(application=application, actor=staff_user, message="再発行理由を具体的にご記入ください。")
    application.refresh_from_db()
    assert application.status == Status.NEEDS_INFO
    assert application.center_message == "再発行理由を具体的にご記入ください。"
    news = NewsItem.objects.get(company=application.company, text__contains="確認事項")
    assert news.body == application.center_message
    mail = OutboundMail.objects.get(subject__contains="確認事項")
    assert "再発行理由を具体的にご記入ください。" in mail.body
    assert not lifecycle.request_info(application=application, actor=staff_user, message="x").changed


def test_reject_needs_a_reason(make_application, staff_user):
    application = make_application()
    with pytest.raises(lifecycle.TransitionRefused):
        lifecycle.reject(application=application, actor=staff_user, reason="")
    outcome = lifecycle.reject(application=application, actor=staff_user, reason="対象端末は利用終了しています。")
    application.refresh_from_db()
    assert outcome.changed and application.status == Status.REJECTED
    assert "利用終了" in AuditEvent.objects.get(action="application.rejected").details["message"]
    assert not lifecycle.approve(application=application, actor=staff_user).changed


def test_withdrawing_is_announced_like_every_other_transition(make_application, user):
    application = make_application()
    outcome = lifecycle.withdraw(application=application, user=user)
    assert outcome.changed
    assert AuditEvent.objects.filter(action="application.withdrawn", object_id=str(application.pk)).count() == 1
    news = NewsItem.objects.get(company=application.company)
    assert news.text == f"デジタル証明書の再発行申込を取り下げました。（申込受付番号：{application.receipt_number}）"
    mail = OutboundMail.objects.get()
    assert (
        mail.subject == f"【NACCS】デジタル証明書の再発行申込の取り下げ（申込受付番号：{application.receipt_number}）"
    )
    assert f"/applications/{application.pk}/" in mail.body
    assert not lifecycle.withdraw(application=application, user=user).changed  # a second click: nothing more
    assert OutboundMail.objects.count() == 1


def test_a_decided_application_cannot_be_withdrawn(make_application, user):
    application = make_application(status=Status.APPROVED)
    outcome = lifecycle.withdraw(application=application, user=user)
    assert not outcome.changed and outcome.message == "審査が終了した申込は取り下げできません。"


@pytest.mark.parametrize(
    ("status", "transition"),
    [
        (Status.DRAFT, lambda a, u: lifecycle.approve(application=a, actor=u)),
        (Status.APPROVED, lambda a, u: lifecycle.reject(application=a, actor=u, reason="遅い")),
        (Status.COMPLETED, lambda a, u: lifecycle.request_info(application=a, actor=u, message="?")),
        (Status.SUBMITTED, lambda a, u: lifecycle.complete(a, actor=u)),
        (Status.REJECTED, lambda a, u: lifecycle.submit(application=a, user=u)),
    ],
)
def test_a_transition_from_a_state_it_does_not_leave_changes_nothing(make_application, staff_user, status, transition):
    application = make_application(status=status)
    outcome = transition(application, staff_user)
    application.refresh_from_db()
    assert not outcome.changed and application.status == status
    assert not AuditEvent.objects.exists() and not OutboundMail.objects.exists() and not NewsItem.objects.exists()


def test_saving_a_step_of_a_registered_application_is_refused(make_application, user):
    application = make_application()
    with pytest.raises(lifecycle.TransitionRefused, match="受付済のため変更できません"):
        lifecycle.save_step(application=application, user=user, change=lambda locked: None)


def test_each_announced_event_of_a_kind_has_its_news_and_a_mail_template(make_application):
    from django.template.loader import select_template

    for kind in map(kinds.kind_of, kinds.KIND_CLASSES):
        for event in (
            kinds.SUBMITTED, kinds.RESUBMITTED, kinds.WITHDRAWN, kinds.APPROVED, kinds.INFO_REQUESTED,
            kinds.REJECTED, kinds.COMPLETED,
        ):  # fmt: skip
            assert kind.news.get(event), (kind.code, event)
            for part in ("subject", "body"):
                select_template([f"mail/{name}_{part}.txt" for name in kind.mail_templates(event)])


def test_the_user_sees_the_question_in_the_application_detail(make_application, staff_user, user_client):
    application = make_application()
    lifecycle.request_info(application=application, actor=staff_user, message="端末の入替日を教えてください。")
    response = user_client.get(f"/applications/{application.pk}/")
    assert response.status_code == 200 and "端末の入替日を教えてください。" in response.text


# A run of kanji or katakana written twice in a row: 「申込申込」, 「変更変更」.
DOUBLED = re.compile(r"([\u30a0-\u30ff\u4e00-\u9fff]{2,})\1")
ANNOUNCED = (
    kinds.SUBMITTED, kinds.RESUBMITTED, kinds.WITHDRAWN, kinds.APPROVED, kinds.INFO_REQUESTED, kinds.REJECTED,
    kinds.COMPLETED,
)  # fmt: skip


@pytest.mark.parametrize("code", list(kinds.KIND_CLASSES))
def test_no_mail_or_news_of_any_kind_doubles_a_word(user, code):
    application = lifecycle.start(kind=code, user=user)
    application.receipt_number = "20261201001"
    for event in ANNOUNCED:
        lifecycle._announce(application, event, message="確認事項の本文")
    texts = [
        *(f"{mail.subject}\n{mail.body}" for mail in OutboundMail.objects.all()),
        *NewsItem.objects.values_list("text", flat=True),
    ]
    assert len(texts) == 2 * len(ANNOUNCED)
    for text in texts:
        assert not DOUBLED.search(text), text
    kind = kinds.kind_of(code)
    assert all(kind.noun in kind.news[event] for event in (kinds.SUBMITTED, kinds.WITHDRAWN, kinds.REJECTED))


@pytest.mark.parametrize(
    "run_time, words", [("07:00", "の午前中に再発行処理を行います"), ("13:30", "の午後に再発行処理を行います")]
)
def test_the_approval_mail_says_when_in_the_day_the_run_carries_it_out(
    make_application, staff_user, settings, run_time, words
):
    settings.MORNING_RUN_TIME = run_time
    lifecycle.approve(application=make_application(), actor=staff_user)
    assert words in OutboundMail.objects.get(to="hanako@example.jp").body


@pytest.mark.parametrize("run_time, words", [("07:00", "午前中"), ("13:30", "午後")])
def test_the_done_page_says_when_in_the_day_the_run_carries_it_out(user_client, walk, settings, run_time, words):
    settings.MORNING_RUN_TIME = run_time
    pk = walk()
    user_client.post(f"/applications/reissue/{pk}/confirm/")
    html = user_client.get(f"/applications/reissue/{pk}/done/").content.decode()
    assert f"の{words}に再発行処理が完了しましたら" in html
