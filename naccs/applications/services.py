"""State changes of a reissue 申込: draft, register (受付), correct and send again, withdraw."""

from django.db import IntegrityError, transaction
from django.utils import timezone

from naccs.audit.services import record
from naccs.mailer.services import queue_mail
from naccs.portal.models import NewsItem
from naccs.portal.services import post_news
from naccs.terminals.models import LogicalTerminal

from .models import ReissueApplication, ReissueApplicationTerminal

Status = ReissueApplication.Status
APPLICANT_FIELDS = [
    "last_name",
    "first_name",
    "last_name_kana",
    "first_name_kana",
    "department",
    "job_title",
    "phone",
    "fax",
    "email",
]


class ApplicationError(Exception):
    """A change the current state does not allow; the message is for the user."""


def applicant_defaults(user) -> dict:
    """Prefill 申込担当者 from the user's last 申込, else from the profile."""
    last = (
        ReissueApplication.objects.filter(created_by=user)
        .exclude(status=Status.DRAFT)
        .order_by("-submitted_at")
        .first()
    )
    if last is not None:
        return {field: getattr(last, f"applicant_{field}") for field in APPLICANT_FIELDS}
    profile = {
        "last_name": user.last_name,
        "first_name": user.first_name,
        "last_name_kana": user.last_name_kana,
        "first_name_kana": user.first_name_kana,
        "department": user.department,
        "job_title": user.job_title,
        "phone": user.phone,
        "fax": user.fax,
        "email": user.email,
    }
    return profile


@transaction.atomic
def start_draft(*, user) -> ReissueApplication:
    """The user's draft: the one already started (resumable after logout), else a new one."""
    draft = ReissueApplication.objects.filter(created_by=user, company=user.company, status=Status.DRAFT).first()
    if draft is not None:
        return draft
    defaults = applicant_defaults(user)
    return ReissueApplication.objects.create(
        company=user.company,
        created_by=user,
        **{f"applicant_{field}": value or "" for field, value in defaults.items()},
    )


def _lock_editable(application_id: int) -> ReissueApplication:
    application = ReissueApplication.objects.select_for_update().get(pk=application_id)
    if application.status not in (Status.DRAFT, Status.NEEDS_INFO):
        raise ApplicationError("この申込は既に登録されているため、変更できません。")
    return application


@transaction.atomic
def save_applicant(*, application, data: dict) -> ReissueApplication:
    application = _lock_editable(application.pk)
    for field in APPLICANT_FIELDS:
        setattr(application, f"applicant_{field}", data.get(field) or "")
    application.save()
    return application


@transaction.atomic
def save_terminals(*, application, desired_date, reason, reason_text, terminals, shown=None) -> ReissueApplication:
    """Save the 論理端末 step (manual ④).

    `terminals` are the chosen ones among `shown`, the terminals the user saw on one page of the list; the choice
    on other pages is kept. Without `shown`, `terminals` is the whole choice. A header field given as None (the user
    moved to another page without filling it in) keeps its saved value.
    """
    application = _lock_editable(application.pk)
    if desired_date is not None:
        application.desired_date = desired_date
    if reason:
        application.reason = reason
        application.reason_text = reason_text
    application.save()  # also retires the cached lines, changed below (lib.versions.company_version_key)
    chosen = {terminal.pk for terminal in terminals}
    lines = application.lines.all()
    if shown is not None:
        lines = lines.filter(terminal_id__in=[terminal.pk for terminal in shown])
    lines.exclude(terminal_id__in=chosen).delete()
    existing = set(application.lines.filter(terminal_id__in=chosen).values_list("terminal_id", flat=True))
    ReissueApplicationTerminal.objects.bulk_create(
        ReissueApplicationTerminal(application=application, terminal_id=pk) for pk in sorted(chosen - existing)
    )
    return application


def is_complete(application, lines=None) -> bool:
    """Every step filled in. `lines`: the draft's lines when the caller has them already (no query then)."""
    required = ["last_name", "first_name", "last_name_kana", "first_name_kana", "department", "phone", "email"]
    return (
        all(getattr(application, f"applicant_{field}") for field in required)
        and application.desired_date is not None
        and bool(application.reason)
        and (bool(lines) if lines is not None else application.lines.exists())
    )


RECEIPT_SEQUENCE_DIGITS = 5


def _new_receipt_number(now) -> str:
    """申込受付番号: the day (YYMMDD) and a 5-digit number within it, 11 characters, up to 99,999 a day."""
    prefix = timezone.localtime(now).strftime("%y%m%d")
    last = (
        ReissueApplication.objects.filter(receipt_number__startswith=prefix)
        .order_by("-receipt_number")
        .values_list("receipt_number", flat=True)
        .first()
    )
    sequence = int(last[len(prefix) :]) + 1 if last else 1
    if sequence >= 10**RECEIPT_SEQUENCE_DIGITS:
        raise ApplicationError("本日の申込受付番号が上限に達しました。ヘルプデスクにお問い合わせください。")
    return f"{prefix}{sequence:0{RECEIPT_SEQUENCE_DIGITS}d}"


def _assign_receipt_number(application, now) -> None:
    for _ in range(10):
        application.receipt_number = _new_receipt_number(now)
        try:
            with transaction.atomic():
                ReissueApplication.objects.filter(pk=application.pk).update(receipt_number=application.receipt_number)
            return
        except IntegrityError:  # another 申込 took the number at the same moment
            continue
    raise ApplicationError("申込受付番号を採番できませんでした。もう一度登録してください。")


@transaction.atomic
def submit(*, application, user) -> ReissueApplication:
    """申込内容を登録する. Registering again (double click, second tab, Back) returns the same 申込."""
    application = ReissueApplication.objects.select_for_update().get(pk=application.pk)
    if application.status not in (Status.DRAFT, Status.NEEDS_INFO):
        return application
    if not is_complete(application):
        raise ApplicationError("入力されていない項目があります。各画面の入力内容をご確認ください。")
    terminal_ids = list(application.lines.values_list("terminal_id", flat=True))
    # Lock the terminals so that two 申込 naming the same terminal cannot both be registered.
    list(LogicalTerminal.objects.select_for_update().filter(pk__in=terminal_ids).order_by("pk"))
    busy = ReissueApplicationTerminal.objects.filter(
        terminal_id__in=terminal_ids, application__status__in=ReissueApplication.OPEN_STATUSES
    ).exclude(application=application)
    if busy.exists():
        names = ", ".join(sorted(busy.values_list("terminal__name", flat=True)))
        raise ApplicationError(f"論理端末{names}は既に再発行の申込中です。論理端末の入力に戻って選択し直してください。")

    now = timezone.now()
    before = application.status
    resubmitted = before == Status.NEEDS_INFO
    if not application.receipt_number:
        _assign_receipt_number(application, now)
    application.status = Status.SUBMITTED
    application.submitted_at = application.submitted_at or now
    application.save(update_fields=["status", "submitted_at", "updated_at"])
    record(
        action="application.resubmitted" if resubmitted else "application.submitted",
        actor=user,
        company=application.company,
        obj=application,
        before={"status": before},
        after={"status": application.status, "receipt_number": application.receipt_number},
    )
    post_news(
        company=application.company,
        category=NewsItem.Category.APPLICATION,
        text=(
            "デジタル証明書の再発行申込を修正して再送信しました。"
            if resubmitted
            else "デジタル証明書の再発行申込を受け付けました。"
        )
        + f"（申込受付番号：{application.receipt_number}）",
        link=f"/applications/{application.pk}/",
    )
    queue_mail(
        to=application.applicant_email,
        template="reissue_accepted",
        context={"application": application, "terminals": _terminals(application), "resubmitted": resubmitted},
        company=application.company,
    )
    return application


def _terminals(application):
    return [line.terminal for line in application.lines.select_related("terminal")]


@transaction.atomic
def withdraw(*, application, user) -> ReissueApplication:
    """取り下げる: only while the center has not decided (受付済 or 確認事項あり)."""
    application = ReissueApplication.objects.select_for_update().get(pk=application.pk)
    if application.status == Status.WITHDRAWN:
        return application
    if application.status not in (Status.SUBMITTED, Status.NEEDS_INFO):
        raise ApplicationError("審査が終了した申込は取り下げできません。")
    before = application.status
    application.status = Status.WITHDRAWN
    application.save(update_fields=["status", "updated_at"])
    record(
        action="application.withdrawn",
        actor=user,
        company=application.company,
        obj=application,
        before={"status": before},
        after={"status": application.status},
    )
    return application
