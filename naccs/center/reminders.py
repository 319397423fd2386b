"""The daily notices: certificates nearing their expiry (and just past it) and pickups closing.

The schedule is the one home of the reminder rule: when the renewal window opens (28 days before expiry) and at each
of EXPIRY_REMINDER_DAYS (60, 30, 14, 7 and 1 days before, 7 days after). A certificate gets the nearest reminder it
has reached, once: one that is first seen 10 days before expiry gets the 14-day reminder only, not 60, 30 and 28 at
once. A renewed certificate is revoked (superseded), so it is reminded no more; its successor starts afresh.

The scheduler's daily run holds a lease (naccs.jobs.leases) and is resumed when its worker dies: each company's notice
is its own transaction, checked under the certificates' row locks, so a resumed run sends only what is left.
"""

from dataclasses import dataclass
from datetime import date, datetime, timedelta

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from naccs.accounts.selectors import contact_addresses
from naccs.applications.models import Application
from naccs.audit.services import record
from naccs.lib.periods import end_of_day
from naccs.mailer.services import queue_mail
from naccs.pki.pickups import close_stale_pickups
from naccs.portal.models import NewsItem
from naccs.portal.services import post_news
from naccs.terminals.models import Certificate
from naccs.terminals.notices import notice_recipients
from naccs.terminals.renewal import days_until_expiry, renewal_window_opens_on, renewal_window_text

from .models import ExpiryNoticeOptIn, ExpiryReminder

DAILY_REMINDERS = "daily_reminders"  # its ScheduledJob's name
# An after-expiry reminder missed by a few days (the scheduler was down) still goes out; older expiries are left alone.
LATE_REMINDER_GRACE_DAYS = 7


@dataclass(frozen=True)
class Reminder:
    kind: str
    days: int  # before expiry; negative after

    @property
    def label(self) -> str:
        """「60日前」 or 「有効期限切れ7日後」, in the subject and the 新着情報."""
        return f"{self.days}日前" if self.days >= 0 else f"有効期限切れ{-self.days}日後"


def reminder_schedule() -> list[Reminder]:
    """Every reminder, the nearest to expiry first (the after-expiry ones before all)."""
    schedule = {Reminder(str(days), days) for days in settings.EXPIRY_REMINDER_DAYS}
    schedule.add(Reminder(ExpiryReminder.Kind.WINDOW_OPENS, settings.RENEWAL_WINDOW_DAYS))
    return sorted(schedule, key=lambda reminder: (reminder.days, reminder.kind))


def schedule_text() -> str:
    """「60日前、30日前、28日前（更新期間の開始）、…、有効期限切れ7日後」 for the page where users opt in."""
    return "、".join(
        reminder.label + ("（更新期間の開始）" if reminder.kind == ExpiryReminder.Kind.WINDOW_OPENS else "")
        for reminder in sorted(reminder_schedule(), key=lambda reminder: -reminder.days)
    )


def due_reminder(not_after: datetime, now: datetime, schedule: list[Reminder]) -> Reminder | None:
    """The reminder a certificate expiring at `not_after` has reached at `now`: the nearest one, counted in calendar
    days in Tokyo (the day of expiry is day 0)."""
    days_left = days_until_expiry(not_after, now)
    expired = not_after <= now
    for reminder in schedule:
        if reminder.days < 0:
            if days_left <= reminder.days and days_left > reminder.days - LATE_REMINDER_GRACE_DAYS:
                return reminder
        elif not expired and days_left <= reminder.days:
            return reminder
    return None


def candidates(now: datetime, schedule: list[Reminder]):
    """Unrevoked certificates that some reminder may concern at `now`, with the kinds they have had."""
    today = timezone.localtime(now).date()
    farthest = max(reminder.days for reminder in schedule)
    latest_after = min(min(reminder.days for reminder in schedule), 0) - LATE_REMINDER_GRACE_DAYS
    return (
        Certificate.objects.filter(
            revoked_at__isnull=True,
            terminal__is_active=True,
            not_after__lt=end_of_day(today + timedelta(days=farthest)),
            not_after__gte=end_of_day(today + timedelta(days=latest_after)),
        )
        .select_related("terminal__company")
        .only("serial", "not_after", "terminal__name", "terminal__company__code", "terminal__company__name")
        .order_by("terminal__company_id", "not_after", "pk")
    )


def send_expiry_reminders(*, now: datetime | None = None, alive=None) -> int:
    """Each certificate's due reminder, one notice per company and reminder; returns the certificates reminded.
    `alive()` is called after each notice (the task renews its lease there)."""
    now = now or timezone.now()
    schedule = reminder_schedule()
    due = candidates(now, schedule)
    certificates = list(due)
    sent = ExpiryReminder.objects.filter(certificate__in=due.order_by().values("pk"))
    sent_kinds = set(sent.values_list("certificate_id", "kind"))
    batches: dict[tuple, list[Certificate]] = {}
    for certificate in certificates:
        reminder = due_reminder(certificate.not_after, now, schedule)
        if reminder is not None and (certificate.pk, reminder.kind) not in sent_kinds:
            batches.setdefault((certificate.terminal.company, reminder), []).append(certificate)
    reminded = 0
    for (company, reminder), batch in batches.items():
        reminded += remind_company(company, batch, reminder=reminder, today=timezone.localtime(now).date())
        if alive:
            alive()
    return reminded


def reminder_recipients(company) -> list[str]:
    """The company's applicant (of its latest 申込) and every user of it who opted in; all its users when it has
    neither, so that a reminder always reaches someone; and the company's 通知先."""
    applicant = (
        Application.objects.filter(company=company)
        .exclude(applicant_email="")
        .order_by("-created_at")
        .values_list("applicant_email", flat=True)
        .first()
    )
    opted_in = ExpiryNoticeOptIn.objects.filter(user__company=company, user__is_active=True).exclude(user__email="")
    addresses = set(opted_in.values_list("user__email", flat=True)) | ({applicant} if applicant else set())
    return notice_recipients(company, sorted(addresses) or contact_addresses(company))


@transaction.atomic
def remind_company(company, certificates: list[Certificate], *, reminder: Reminder, today: date) -> int:
    """One notice for the company's certificates due `reminder`; each certificate is reminded of it once."""
    # Locked, so that two runs at once (two schedulers, a run by hand) remind each certificate once.
    locked = list(Certificate.objects.select_for_update().filter(pk__in=[c.pk for c in certificates]).order_by("pk"))
    done = set(
        ExpiryReminder.objects.filter(kind=reminder.kind, certificate__in=locked).values_list(
            "certificate_id", flat=True
        )
    )
    certificates = [certificate for certificate in certificates if certificate.pk not in done]
    if not certificates:
        return 0
    ExpiryReminder.objects.bulk_create(ExpiryReminder(certificate=c, kind=reminder.kind) for c in certificates)
    names = "、".join(certificate.terminal.name for certificate in certificates)
    expired = reminder.days < 0
    post_news(
        company=company,
        category=NewsItem.Category.CERTIFICATE,
        text=(
            f"デジタル証明書の有効期限が切れています（論理端末：{names}）。"
            if expired
            else f"デジタル証明書の有効期限が{reminder.days}日以内に迫っています（論理端末：{names}）。"
        )[:200],
        body=(
            "メニューの「デジタル証明書の再発行」から再発行の申込を行ってください。"
            if expired
            else f"{renewal_window_text()}に、新しいデジタル証明書を取得してください。"
        ),
    )
    context = {
        "company": company,
        "expired": expired,
        "label": reminder.label,
        "days": reminder.days,
        "renewal_window": renewal_window_text(),
        "lines": [
            {
                "name": certificate.terminal.name,
                "not_after": timezone.localtime(certificate.not_after),
                "window_opens_on": renewal_window_opens_on(certificate.not_after),
                "in_window_now": renewal_window_opens_on(certificate.not_after) <= today,
            }
            for certificate in certificates
        ],
    }
    for address in reminder_recipients(company):
        queue_mail(to=address, template="expiry_reminder", context=context, company=company)
    record(
        action="certificate.expiry_reminded",
        company=company,
        kind=reminder.kind,
        certificates=[certificate.serial for certificate in certificates],
    )
    return len(certificates)


def daily_reminders(*, now: datetime | None = None, alive=None) -> dict:
    return {"reminded": send_expiry_reminders(now=now, alive=alive), "closed": close_stale_pickups(now=now)}
