"""Center work: review (承認 / 確認事項を送る / 却下), the morning reissue run, expiry reminders.

Every change locks its rows, checks the state, changes it and audits it in one transaction; mail and 新着情報
are written in the same transaction, so a change and its notices happen together or not at all.
"""

import logging
import secrets
import string
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from naccs.applications.models import ReissueApplication, ReissueApplicationTerminal
from naccs.audit.services import record
from naccs.lib.business_days import is_business_day
from naccs.mailer.services import queue_mail
from naccs.portal.models import NewsItem
from naccs.portal.services import post_news
from naccs.terminals.models import Certificate

from .models import ExpiryReminder

logger = logging.getLogger(__name__)
Status = ReissueApplication.Status
SYSTEM = "system"

# 再発行理由 → the CRL reason of the certificate being replaced.
REVOCATION_REASONS = {
    ReissueApplication.Reason.EXPIRED: Certificate.RevocationReason.SUPERSEDED,
    ReissueApplication.Reason.REPLACED: Certificate.RevocationReason.CESSATION,
    ReissueApplication.Reason.OTHER: Certificate.RevocationReason.UNSPECIFIED,
}
COMPLETED_NEWS = "デジタル証明書を再発行しました。NACCS掲示板よりデジタル証明書を取得の上、適用作業を実施願います。"


class ReviewError(Exception):
    """A review action the application's current state does not allow (stale page, second click)."""


@dataclass
class Outcome:
    application: ReissueApplication
    changed: bool
    message: str


def _pki():
    from naccs.pki import services

    return services


def _lock(application) -> ReissueApplication:
    pk = application.pk if isinstance(application, ReissueApplication) else application
    return ReissueApplication.objects.select_for_update().select_related("company").get(pk=pk)


def run_time() -> time:
    hour, minute = (int(part) for part in settings.MORNING_RUN_TIME.split(":"))
    return time(hour, minute)


def is_after_run_time(day: date, now: datetime | None = None) -> bool:
    local = timezone.localtime(now or timezone.now())
    return local.date() > day or (local.date() == day and local.time() >= run_time())


def _detail_link(application) -> str:
    return f"/applications/{application.pk}/"


# --- review -------------------------------------------------------------------------------------------


@transaction.atomic
def approve(*, application, actor) -> Outcome:
    """承認: 受付済 → 審査終了. Approving after the run time on (or past) the 希望日 processes at once."""
    application = _lock(application)
    if application.status != Status.SUBMITTED:
        return Outcome(application, False, f"{application}は{application.get_status_display()}のため承認できません。")
    before = application.status
    application.status = Status.APPROVED
    application.decided_at = timezone.now()
    application.center_message = ""
    application.save(update_fields=["status", "decided_at", "center_message", "updated_at"])
    record(
        action="application.approved",
        actor=actor,
        company=application.company,
        obj=application,
        before={"status": before},
        after={"status": application.status},
    )
    post_news(
        company=application.company,
        category=NewsItem.Category.APPLICATION,
        text=f"デジタル証明書の再発行申込の審査が終了しました。（申込受付番号：{application.receipt_number}）",
        link=_detail_link(application),
    )
    queue_mail(
        to=application.applicant_email,
        template="center_approved",
        context={"application": application},
        company=application.company,
    )
    day = application.desired_date
    if day and is_after_run_time(day):
        from .tasks import process_reissues_task

        transaction.on_commit(lambda: process_reissues_task.enqueue(day.isoformat()))
    return Outcome(application, True, f"{application}を承認しました。")


def _decide_with_message(*, application, actor, message, to_status, action, template, news, verb) -> Outcome:
    message = (message or "").strip()
    if not message:
        raise ReviewError("内容を入力してください。")
    application = _lock(application)
    if application.status != Status.SUBMITTED:
        return Outcome(application, False, f"{application}は{application.get_status_display()}のため{verb}できません。")
    before = application.status
    application.status = to_status
    application.center_message = message
    application.decided_at = timezone.now()
    application.save(update_fields=["status", "center_message", "decided_at", "updated_at"])
    record(
        action=action,
        actor=actor,
        company=application.company,
        obj=application,
        before={"status": before},
        after={"status": application.status},
        message=message,
    )
    post_news(
        company=application.company,
        category=NewsItem.Category.APPLICATION,
        text=f"{news}（申込受付番号：{application.receipt_number}）",
        body=message,
        link=_detail_link(application),
    )
    queue_mail(
        to=application.applicant_email,
        template=template,
        context={"application": application, "message": message},
        company=application.company,
    )
    return Outcome(application, True, f"{application}を{verb}しました。")


@transaction.atomic
def request_info(*, application, actor, message: str) -> Outcome:
    """確認事項を送る: 受付済 → 確認事項あり; the user sees the message in 申込内容の確認, 新着情報 and mail."""
    return _decide_with_message(
        application=application,
        actor=actor,
        message=message,
        to_status=Status.NEEDS_INFO,
        action="application.info_requested",
        template="center_question",
        news="デジタル証明書の再発行申込について確認事項があります。",
        verb="確認事項を送信",
    )


@transaction.atomic
def reject(*, application, actor, reason: str) -> Outcome:
    """却下: 受付済 → 却下, with the reason shown to the user."""
    return _decide_with_message(
        application=application,
        actor=actor,
        message=reason,
        to_status=Status.REJECTED,
        action="application.rejected",
        template="center_rejected",
        news="デジタル証明書の再発行申込を却下しました。",
        verb="却下",
    )


# --- the morning run ----------------------------------------------------------------------------------


@dataclass
class RunReport:
    day: date
    applications: int = 0
    lines_processed: int = 0
    completed: int = 0
    failed: list[str] = field(default_factory=list)


def new_auth_code() -> str:
    alphabet = string.ascii_uppercase + string.digits
    return "".join(secrets.choice(alphabet) for _ in range(8))


def _after_line_hook(line_id: int) -> None:
    """Called after each committed line; tests replace it to kill the worker mid-run."""


def process_line(line_id: int, *, actor=None) -> bool:
    """One terminal: new 認証コード2, current certificate revoked, pickup opened. False when already done."""
    pki = _pki()
    with transaction.atomic():
        line = (
            ReissueApplicationTerminal.objects.select_for_update()
            .select_related("application", "terminal")
            .get(pk=line_id)
        )
        application = line.application
        if line.processed_at is not None or application.status != Status.APPROVED:
            return False
        terminal = line.terminal
        terminal.auth_code2 = new_auth_code()
        terminal.save(update_fields=["auth_code2"])
        reason = REVOCATION_REASONS.get(application.reason, Certificate.RevocationReason.UNSPECIFIED)
        revoked = []
        for certificate in Certificate.objects.select_for_update().filter(terminal=terminal, revoked_at__isnull=True):
            pki.revoke_certificate(certificate=certificate, reason=reason, actor=actor, rebuild_crl=False)
            revoked.append(certificate.serial)
        pki.open_pickup(terminal=terminal, application=application, actor=actor)
        line.processed_at = timezone.now()
        line.save(update_fields=["processed_at"])
        record(
            action="reissue.terminal_processed",
            actor=actor,
            company=application.company,
            obj=line,
            after={"terminal": terminal.name, "revoked": revoked},
            application=application.receipt_number,
        )
    return True


@transaction.atomic
def complete_application(application_id: int, *, actor=None) -> bool:
    """Per 申込: 再発行済, the ⑦ mail and the 新着情報 item, once. False when not (yet) completable."""
    application = _lock(application_id)
    if application.status != Status.APPROVED:
        return False
    if application.lines.filter(processed_at__isnull=True).exists():
        return False
    before = application.status
    application.status = Status.COMPLETED
    application.completed_at = timezone.now()
    application.save(update_fields=["status", "completed_at", "updated_at"])
    record(
        action="application.completed",
        actor=actor,
        company=application.company,
        obj=application,
        before={"status": before},
        after={"status": application.status},
    )
    post_news(
        company=application.company,
        category=NewsItem.Category.CERTIFICATE,
        text=COMPLETED_NEWS,
        link=_detail_link(application),
    )
    queue_mail(
        to=application.applicant_email,
        template="center_reissue_completed",
        context={"application": application},
        company=application.company,
    )
    return True


def _record_failure(application_id: int, error: Exception, line_id: int | None = None) -> None:
    logger.exception("reissue of application %s failed", application_id)
    application = ReissueApplication.objects.select_related("company").filter(pk=application_id).first()
    record(
        action="reissue.failed",
        company=application.company if application else None,
        obj=application,
        error=f"{type(error).__name__}: {error}"[:500],
        line=line_id,
    )


def due_applications(day: date):
    return ReissueApplication.objects.filter(status=Status.APPROVED, desired_date=day)


def process_reissues(*, day: date, actor=None, progress=None) -> RunReport:
    """The morning run for `day`; safe to run again after a crash: what is done is never done twice."""
    report = RunReport(day=day)
    application_ids = list(due_applications(day).order_by("pk").values_list("pk", flat=True))
    report.applications = len(application_ids)
    if not application_ids:
        return report
    lines = list(
        ReissueApplicationTerminal.objects.filter(application_id__in=application_ids)
        .order_by("application_id", "pk")
        .values_list("pk", "application_id", "processed_at")
    )
    failed_applications: set[int] = set()
    for line_id, application_id, processed_at in lines:
        if processed_at is None and application_id not in failed_applications:
            try:
                if process_line(line_id, actor=actor):
                    report.lines_processed += 1
            except Exception as error:  # one bad terminal must not stop the others
                failed_applications.add(application_id)
                _record_failure(application_id, error, line_id)
            _after_line_hook(line_id)
        if progress:
            progress(1)
    # One CRL for the whole run (also after a restart, since the 申込 are not yet completed).
    _pki().rebuild_crl()
    for application_id in application_ids:
        if application_id in failed_applications:
            report.failed.append(str(application_id))
            continue
        try:
            if complete_application(application_id, actor=actor):
                report.completed += 1
        except Exception as error:
            report.failed.append(str(application_id))
            _record_failure(application_id, error)
    return report


def run_status(day: date) -> dict:
    """For the dashboard: 申込 of a run day done / to do / failed."""
    qs = ReissueApplication.objects.filter(desired_date=day)
    failed_ids = set(_failure_ids(day))
    return {
        "day": day,
        "business_day": is_business_day(day),
        "done": qs.filter(status=Status.COMPLETED).count(),
        "todo": qs.filter(status=Status.APPROVED).count() - len(failed_ids),
        "failed": len(failed_ids),
        "pending_review": qs.filter(status__in=[Status.SUBMITTED, Status.NEEDS_INFO]).count(),
    }


def _failure_ids(day: date) -> list[int]:
    from naccs.audit.models import AuditEvent

    ids = ReissueApplication.objects.filter(desired_date=day, status=Status.APPROVED).values_list("pk", flat=True)
    return [
        int(object_id)
        for object_id in AuditEvent.objects.filter(
            action="reissue.failed", object_id__in=[str(pk) for pk in ids]
        ).values_list("object_id", flat=True)
    ]


# --- expiry reminders and pickup closing --------------------------------------------------------------


def _company_addresses(company) -> list[str]:
    return sorted(set(company.users.filter(is_active=True).exclude(email="").values_list("email", flat=True)))


def send_expiry_reminders(*, now: datetime | None = None) -> int:
    """Tell each company about certificates entering the 28-day window and, again, 7 days before expiry."""
    now = now or timezone.now()
    sent = 0
    for kind, days in ((ExpiryReminder.Kind.DAYS_28, 28), (ExpiryReminder.Kind.DAYS_7, 7)):
        due = (
            Certificate.objects.filter(revoked_at__isnull=True, not_after__gt=now, not_after__lte=now + timedelta(days))
            .exclude(pk__in=ExpiryReminder.objects.filter(kind=kind).values("certificate_id"))
            .select_related("terminal__company")
            .order_by("terminal__company_id", "not_after")
        )
        by_company: dict = {}
        for certificate in due:
            by_company.setdefault(certificate.terminal.company, []).append(certificate)
        for company, certificates in by_company.items():
            with transaction.atomic():
                locked = list(
                    Certificate.objects.select_for_update().filter(pk__in=[c.pk for c in certificates]).order_by("pk")
                )
                done = set(
                    ExpiryReminder.objects.filter(kind=kind, certificate__in=locked).values_list(
                        "certificate_id", flat=True
                    )
                )
                certificates = [c for c in certificates if c.pk not in done]
                if not certificates:
                    continue
                ExpiryReminder.objects.bulk_create(ExpiryReminder(certificate=c, kind=kind) for c in certificates)
                names = "、".join(c.terminal.name for c in certificates)
                post_news(
                    company=company,
                    category=NewsItem.Category.CERTIFICATE,
                    text=f"デジタル証明書の有効期限が{days}日以内に迫っています（論理端末：{names}）。"[:200],
                    body="有効期限までにデジタル証明書を取得してください。",
                )
                for address in _company_addresses(company):
                    queue_mail(
                        to=address,
                        template="center_expiry_reminder",
                        context={"company": company, "certificates": certificates, "days": days},
                        company=company,
                    )
                record(
                    action="certificate.expiry_reminded",
                    company=company,
                    kind=kind.value,
                    certificates=[c.serial for c in certificates],
                )
                sent += len(certificates)
    return sent


def close_stale_pickups(*, now: datetime | None = None) -> int:
    """Close each reissue pickup not acquired by its deadline (two months after the run), with notice."""
    from naccs.pki.models import CertificatePickup

    now = now or timezone.now()
    closed = 0
    stale = CertificatePickup.objects.unused().filter(expires_at__lte=now).values_list("pk", flat=True)
    for pickup_id in list(stale):
        with transaction.atomic():
            # Only the pickup row: 取得 locks the terminal before its pickup, so locking both here could deadlock.
            pickup = (
                CertificatePickup.objects.select_for_update(of=("self",))
                .select_related("terminal__company")
                .get(pk=pickup_id)
            )
            if pickup.acquired_at is not None or pickup.closed_at is not None:
                continue
            pickup.closed_at = now
            pickup.save(update_fields=["closed_at"])
            company = pickup.terminal.company
            record(
                action="pickup.closed",
                company=company,
                obj=pickup,
                before={"closed_at": None},
                after={"closed_at": now.isoformat()},
                terminal=pickup.terminal.name,
            )
            post_news(
                company=company,
                category=NewsItem.Category.CERTIFICATE,
                text=(
                    f"論理端末{pickup.terminal.name}のデジタル証明書は、再発行から2か月以内に取得されなかったため"
                    "取得を締め切りました。再度、再発行の申込を行ってください。"
                ),
            )
            for address in _company_addresses(company):
                queue_mail(
                    to=address,
                    template="center_pickup_closed",
                    context={"company": company, "terminal": pickup.terminal, "pickup": pickup},
                    company=company,
                )
            closed += 1
    return closed


def daily_reminders(*, now: datetime | None = None) -> dict:
    result = {"reminded": send_expiry_reminders(now=now)}
    try:
        result["closed"] = close_stale_pickups(now=now)
    except ImportError:  # the CA app is not there: nothing to close
        result["closed"] = 0
    return result
