"""The one lifecycle of every 申込, whatever its kind.

    draft ─submit→ submitted (受付済) ─approve→ approved (審査終了) ─complete→ completed
      │              │   ↑ submit (resubmitted)
      │              ↓   │
      │            needs_info (確認事項あり)      withdraw (取下げ) from submitted or needs_info
      │                                           reject (却下) from submitted
      └ save_step while draft or needs_info

Every transition goes through `_transition`, which does the same five things each time, in one transaction: lock
the 申込's row, check its from-states, write the audit event, post the 新着情報 item and queue the mail (the last two
as its kind says: drafts announce nothing). The back office and the morning run call these functions; nothing here
knows who calls.
"""

from dataclasses import dataclass, field

from django.db import IntegrityError, transaction
from django.utils import timezone

from naccs.accounts.models import User
from naccs.audit.services import record
from naccs.lib.business_days import run_time_words
from naccs.mailer.services import queue_mail
from naccs.portal.services import post_news
from naccs.terminals.notices import notice_recipients

from . import kinds
from .applicant import applicant_defaults, applicant_is_complete
from .models import Application
from .selectors import draft_of

Status = Application.Status
RECEIPT_SEQUENCE_DIGITS = 5


class TransitionRefused(Exception):
    """What the user asked cannot be done as the 申込 stands; the message says why, for the user."""


@dataclass(frozen=True)
class Outcome:
    application: Application
    changed: bool
    message: str = ""


@dataclass(frozen=True)
class Transition:
    event: str  # kinds.SUBMITTED …: the audit action application.<event> and the notices of the kind
    allowed_from: tuple[str, ...]
    to: str | None  # None: the status stays (a step of a draft saved)
    verb: str  # in the refusal: 「…は受付済のため承認できません。」
    # Asking again for what is already done (double click, a second tab) is no error: nothing changes.
    repeatable: bool = False
    refusal: str = ""  # a refusal in words of its own, instead of the one made from `verb`
    events_by_origin: dict[str, str] = field(default_factory=dict)  # a different event from these states


SAVE_STEP = Transition(kinds.STEP_SAVED, Application.EDITABLE_STATUSES, None, "変更")
SUBMIT = Transition(
    kinds.SUBMITTED,
    Application.EDITABLE_STATUSES,
    Status.SUBMITTED,
    "登録",
    repeatable=True,
    events_by_origin={Status.NEEDS_INFO: kinds.RESUBMITTED},
)
WITHDRAW = Transition(
    kinds.WITHDRAWN,
    Application.UNDECIDED_STATUSES,
    Status.WITHDRAWN,
    "取り下げ",
    repeatable=True,
    refusal="審査が終了した申込は取り下げできません。",
)
APPROVE = Transition(kinds.APPROVED, (Status.SUBMITTED,), Status.APPROVED, "承認")
REQUEST_INFO = Transition(kinds.INFO_REQUESTED, (Status.SUBMITTED,), Status.NEEDS_INFO, "確認事項を送信")
REJECT = Transition(kinds.REJECTED, (Status.SUBMITTED,), Status.REJECTED, "却下")
COMPLETE = Transition(kinds.COMPLETED, (Status.APPROVED,), Status.COMPLETED, "完了")
# Events that stay between the company user and the draft.
UNANNOUNCED = {kinds.STARTED, kinds.STEP_SAVED}


def _transition(application, transition: Transition, *, actor=None, change=None, message: str = "") -> Outcome:
    """Lock, check the from-state, apply `change(locked)` and the new status, audit, announce."""
    pk = application.pk if isinstance(application, Application) else application
    locked = Application.objects.select_for_update(of=("self",)).select_related("company").get(pk=pk)
    if transition.repeatable and locked.status == transition.to:
        return Outcome(locked, False)
    if locked.status not in transition.allowed_from:
        refusal = transition.refusal or f"{locked}は{locked.get_status_display()}のため{transition.verb}できません。"
        return Outcome(locked, False, refusal)
    before = locked.status
    event = transition.events_by_origin.get(before, transition.event)
    if change is not None:
        change(locked)
    if transition.to is not None:
        locked.status = transition.to
    locked.revision += 1
    locked.save()
    details = {"message": message} if message else {}
    record(
        action=f"application.{event}",
        actor=actor,
        company=locked.company,
        obj=locked,
        before={"status": before},
        after={"status": locked.status},
        receipt_number=locked.receipt_number,
        **details,
    )
    _announce(locked, event, message=message)
    return Outcome(locked, True)


def _announce(application: Application, event: str, *, message: str = "") -> None:
    """The 新着情報 item and the mail of `event`, in the words of the 申込's kind."""
    if event in UNANNOUNCED:
        return
    kind = kinds.kind_of(application.kind)
    if notice := kind.notice(event, application):
        text, link = notice
        post_news(
            company=application.company,
            category=kind.news_category(event),
            text=f"{text}（申込受付番号：{application.receipt_number}）",
            body=message,
            link=link,
        )
    context = {
        "application": application,
        "kind": kind,
        "message": message,
        "resubmitted": event == kinds.RESUBMITTED,
        "run_time_words": run_time_words(),
        **kind.mail_context(application),
    }
    # The applicant, and the company's 通知先 (a copy of the same notice).
    for address in notice_recipients(application.company, [application.applicant_email]):
        queue_mail(to=address, template=kind.mail_templates(event), context=context, company=application.company)


# --- the company's side -----------------------------------------------------------------------------------------


@transaction.atomic
def start(*, kind: str, user) -> Application:
    """The user's draft of this kind: the one already started (resumable after logout), else a new one."""
    # The user's row is the lock: two tabs starting at the same moment get the same draft.
    User.objects.select_for_update().only("pk").get(pk=user.pk)
    if draft := draft_of(user, kind):
        return draft
    application = Application.objects.create(
        kind=kind,
        company=user.company,
        created_by=user,
        **{f"applicant_{name}": value for name, value in applicant_defaults(user).items()},
    )
    kinds.kind_of(kind).start(application)
    record(action=f"application.{kinds.STARTED}", actor=user, company=user.company, obj=application, kind=kind)
    return application


def save_step(*, application, user, change) -> Application:
    """Save one input page of a draft (or of a 申込 the center asked about): `change(locked)` sets what it holds."""
    with transaction.atomic():
        outcome = _transition(application, SAVE_STEP, actor=user, change=change)
    if not outcome.changed:
        raise TransitionRefused(outcome.message)
    return outcome.application


def is_complete(application: Application) -> bool:
    """Every step filled in: 申込担当者 and the kind's own."""
    return applicant_is_complete(application) and kinds.kind_of(application.kind).is_complete(application)


STALE_CONFIRMATION = (
    "申込内容が別の画面で変更されています。変更後の内容を表示しましたので、確認の上、もう一度登録してください。"
)


def version_of(application: Application) -> str:
    """What a 確認画面 showed: every change of a draft goes through save_step, which counts it (a counter, not the
    time of the change: two changes within one clock tick, or on hosts whose clocks differ, stay two versions)."""
    return str(application.revision)


@transaction.atomic
def submit(*, application, user, shown_version: str | None = None) -> Outcome:
    """申込内容を登録する (and, after 確認事項, 再送信). Registering again (double click, second tab, Back) changes
    nothing and returns the same 申込. `shown_version`, the version_of the 申込 the 確認画面 showed, must still be
    its version: a page left open while another tab changed the draft registers nothing."""

    def register(locked: Application) -> None:
        if shown_version is not None and shown_version != version_of(locked):
            raise TransitionRefused(STALE_CONFIRMATION)
        if not is_complete(locked):
            raise TransitionRefused("入力されていない項目があります。各画面の入力内容をご確認ください。")
        kinds.kind_of(locked.kind).check_submittable(locked)
        now = timezone.now()
        if not locked.receipt_number:
            _assign_receipt_number(locked, now)
        locked.submitted_at = locked.submitted_at or now

    return _transition(application, SUBMIT, actor=user, change=register)


@transaction.atomic
def withdraw(*, application, user) -> Outcome:
    """取り下げる: only while the center has not decided (受付済 or 確認事項あり)."""
    return _transition(application, WITHDRAW, actor=user)


def why_not_withdrawable(application: Application) -> str:
    """Why 取り下げ cannot succeed now, in the user's words; "" when it can."""
    if application.can_be_withdrawn:
        return ""
    if application.status == WITHDRAW.to:
        return f"申込（申込受付番号：{application.receipt_number}）は取り下げ済みです。"
    if application.status == Status.DRAFT:
        return "登録前の申込は取り下げできません。"
    return WITHDRAW.refusal


# --- the center's side ------------------------------------------------------------------------------------------


@transaction.atomic
def approve(*, application, actor) -> Outcome:
    """承認: 受付済 → 審査終了. The morning run of the 希望日 carries it out (one already past: the next run)."""

    def decide(locked: Application) -> None:
        locked.decided_at = timezone.now()
        locked.center_message = ""
        kinds.kind_of(locked.kind).approved(locked, actor=actor)

    return _transition(application, APPROVE, actor=actor, change=decide)


@transaction.atomic
def request_info(*, application, actor, message: str) -> Outcome:
    """確認事項を送る: 受付済 → 確認事項あり; the user reads the question in 申込内容の確認, 新着情報 and mail."""
    return _decide_with_message(application, REQUEST_INFO, actor=actor, message=message)


@transaction.atomic
def reject(*, application, actor, reason: str) -> Outcome:
    """却下: 受付済 → 却下, with the reason shown to the user."""
    return _decide_with_message(application, REJECT, actor=actor, message=reason)


def _decide_with_message(application, transition: Transition, *, actor, message: str) -> Outcome:
    message = (message or "").strip()
    if not message:
        raise TransitionRefused("内容を入力してください。")

    def decide(locked: Application) -> None:
        locked.decided_at = timezone.now()
        locked.center_message = message

    return _transition(application, transition, actor=actor, change=decide, message=message)


@transaction.atomic
def complete(application, *, actor=None) -> Outcome:
    """完了, once the morning run has carried the 申込 out; its completion mail and 新着情報 item go with it."""

    def finish(locked: Application) -> None:
        if not kinds.kind_of(locked.kind).is_carried_out(locked):
            raise TransitionRefused(f"{locked}はまだ処理が終わっていません。")
        locked.completed_at = timezone.now()

    return _transition(application, COMPLETE, actor=actor, change=finish)


# --- 申込受付番号 ---------------------------------------------------------------------------------------------


def _new_receipt_number(now) -> str:
    """申込受付番号: the day (YYMMDD) and a 5-digit number within it, 11 characters, up to 99,999 a day."""
    prefix = timezone.localtime(now).strftime("%y%m%d")
    last = (
        Application.objects.filter(receipt_number__startswith=prefix)
        .order_by("-receipt_number")
        .values_list("receipt_number", flat=True)
        .first()
    )
    sequence = int(last[len(prefix) :]) + 1 if last else 1
    if sequence >= 10**RECEIPT_SEQUENCE_DIGITS:
        raise TransitionRefused("本日の申込受付番号が上限に達しました。ヘルプデスクにお問い合わせください。")
    return f"{prefix}{sequence:0{RECEIPT_SEQUENCE_DIGITS}d}"


def _assign_receipt_number(application: Application, now) -> None:
    for _ in range(10):
        application.receipt_number = _new_receipt_number(now)
        try:
            with transaction.atomic():
                Application.objects.filter(pk=application.pk).update(receipt_number=application.receipt_number)
            return
        except IntegrityError:  # another 申込 took the number at the same moment
            continue
    raise TransitionRefused("申込受付番号を採番できませんでした。もう一度登録してください。")
