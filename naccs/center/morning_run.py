"""The morning run (午前中の処理) of each business day: every approved 申込 whose 希望日 has come is carried out by its
kind, one CRL is published for the run's revocations, and each 申込 is completed through the lifecycle (its mail and
新着情報 item). Safe to run again after a crash, and twice at once: what is done is never done twice. A run whose
worker dies is resumed by the scheduler when its lease runs out (naccs.jobs.leases); the dashboard shows a run late or
stuck (`run_health`).
"""

import logging
from collections import Counter
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta

from django.conf import settings
from django.db.models import CharField, Count, Exists, OuterRef, Q
from django.db.models.functions import Cast
from django.utils import timezone

from naccs.applications import lifecycle
from naccs.applications.kinds import kind_of
from naccs.applications.models import Application
from naccs.audit.models import AuditEvent
from naccs.audit.services import record
from naccs.jobs import leases
from naccs.jobs.models import ScheduledJob
from naccs.lib.business_days import is_business_day
from naccs.pki import revocation

logger = logging.getLogger(__name__)
Status = Application.Status
FAILED = "morning_run.failed"
MORNING_RUN = "morning_run"  # its ScheduledJob's name


@dataclass
class RunReport:
    day: date
    applications: int = 0
    completed: int = 0
    failed: list[str] = field(default_factory=list)
    units: Counter = field(default_factory=Counter)  # what each kind carried out (Kind.work_unit), by kind code

    def units_text(self) -> str:
        """「端末 2 台処理, 通関士 1 名処理」: what was carried out, in each kind's own words."""
        return ", ".join(
            f"{kind_of(kind).work_unit[0]} {count} {kind_of(kind).work_unit[1]}処理"
            for kind, count in sorted(self.units.items())
        )


def run_time() -> time:
    """MORNING_RUN_TIME (Asia/Tokyo), checked at start by the settings."""
    hour, minute = (int(part) for part in settings.MORNING_RUN_TIME.split(":"))
    return time(hour, minute)


def due_applications(day: date):
    """Approved 申込 whose 希望日 is `day` or earlier (one approved after its day's run is carried out by the next)."""
    return Application.objects.filter(status=Status.APPROVED, desired_date__lte=day)


def process_day(*, day: date, actor=None, progress=None, alive=None) -> RunReport:
    """The run for `day`. `progress(n)` is told of each unit of work a kind does (a terminal of a reissue); `alive()`
    is called after every step of any sort (the task renews its lease there)."""

    def step(units: int) -> None:
        if progress:
            progress(units)
        if alive:
            alive()

    due = list(due_applications(day).order_by("pk").values_list("pk", "kind"))
    report = RunReport(day=day, applications=len(due))
    carried_out = []
    for application_id, kind in due:

        def counted(units: int, kind: str = kind) -> None:
            report.units[kind] += units
            step(units)

        try:
            kind_of(kind).carry_out(application_id, actor=actor, progress=counted)
        except Exception as error:  # one bad 申込 must not stop the others; it is tried again next run
            report.failed.append(str(application_id))
            record_failure(application_id, error)
        else:
            carried_out.append(application_id)
    if due:
        # One CRL for the whole run (also after a restart, since the 申込 are not completed yet).
        revocation.rebuild_crl()
    for application_id in carried_out:
        try:
            outcome = lifecycle.complete(application_id, actor=actor)
        except Exception as error:
            report.failed.append(str(application_id))
            record_failure(application_id, error)
        else:
            report.completed += outcome.changed
        if alive:
            alive()
    return report


def record_failure(application_id: int, error: Exception) -> None:
    logger.exception("morning run: application %s failed", application_id)
    application = Application.objects.select_related("company").filter(pk=application_id).first()
    record(
        action=FAILED,
        company=application.company if application else None,
        obj=application,
        error=f"{type(error).__name__}: {error}"[:500],
    )


def by_hand(day: date) -> str:
    """What staff do when a run of `day` keeps dying (the dashboard says it)."""
    return f"manage.py process_reissues --date {day:%Y-%m-%d} で処理してください。"


def run_status(day: date) -> dict:
    """For the dashboard: the 申込 of a 希望日 done / to do / failed / still in review."""
    # One query whatever the day's size: the counts per status, and the approved ones whose carrying out failed (audit
    # rows name the 申込 by its id as text).
    failed_here = AuditEvent.objects.filter(
        action=FAILED, object_type=Application._meta.label, object_id=Cast(OuterRef("pk"), CharField())
    )
    counts = Application.objects.filter(desired_date=day).aggregate(
        done=Count("pk", filter=Q(status=Status.COMPLETED)),
        approved=Count("pk", filter=Q(status=Status.APPROVED)),
        failed=Count("pk", filter=Q(status=Status.APPROVED) & Q(Exists(failed_here))),
        pending_review=Count("pk", filter=Q(status__in=Application.UNDECIDED_STATUSES)),
    )
    failed_count = counts["failed"]
    return {
        "day": day,
        "business_day": is_business_day(day),
        "done": counts["done"],
        "todo": counts["approved"] - failed_count,
        "failed": failed_count,
        "pending_review": counts["pending_review"],
    }


def run_health(now: datetime | None = None) -> list[tuple[date, leases.Health]]:
    """For the dashboard: today's run (not yet due, late, running, stuck, finished) and any earlier run left
    unfinished, each with its day."""
    now = now or timezone.now()
    day = timezone.localtime(now).date()
    # The recent runs in one query (the dashboard shows this on every view): the earlier ones left unfinished, and
    # today's.
    recent = list(
        ScheduledJob.objects.filter(name=MORNING_RUN, run_date__gte=day - timedelta(days=leases.RESUME_DAYS))
        .filter(run_date__lte=day)
        .order_by("run_date")
    )
    earlier = [
        (job.run_date, leases.health(job, due_at=job.enqueued_at, now=now, by_hand=by_hand))
        for job in recent
        if job.run_date < day and job.finished_at is None
    ]
    if not is_business_day(day):
        return [*earlier, (day, leases.Health("closed", "休業日", "本日は営業日ではないため、処理はありません。"))]
    due_at = timezone.make_aware(datetime.combine(day, run_time()))
    today_job = next((job for job in recent if job.run_date == day), None)
    return [*earlier, (day, leases.health(today_job, due_at=due_at, now=now, by_hand=by_hand))]
