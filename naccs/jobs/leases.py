"""One lease-and-resume mechanism for every long task (the morning run, the monthly close, the daily reminders): the
task renews its job's lease while it works, and the scheduler enqueues again a job whose lease ran out before it
finished, so a run whose worker was killed is resumed within minutes. The work itself must be idempotent (each step
checks under a row lock whether it is done), so a resumed run and another one at the same moment do each step once.

A job's row stands for the task last enqueued for it:
- decided (in the scheduler's transaction): heartbeat_at = now (the lease starts), started_at and finished_at cleared;
- enqueued (after the commit): the task's id, and the lease starts again;
- started by a worker: started_at = heartbeat_at = now;
- working: heartbeat_at renewed at most every HEARTBEAT;
- finished: finished_at, written only by the task that started last (it saw everything an earlier one saw).
"""

import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from django.db import transaction
from django.db.models import F
from django.utils import timezone
from django_tasks import TaskResultStatus
from django_tasks.base import Task
from django_tasks.exceptions import TaskResultDoesNotExist

from .models import ScheduledJob

LEASE = timedelta(minutes=3)  # a job silent this long while unfinished has lost its worker
HEARTBEAT = timedelta(seconds=20)  # how often a working job renews its lease (well inside LEASE)
LATE_AFTER = timedelta(minutes=5)  # a job not started this long after its time (or its enqueue) is late
RUNNING_TOO_LONG = timedelta(hours=1)  # a 3,000-terminal run or a 4,000-company close takes minutes, not an hour
MAX_RESUMES = 10  # a job that keeps failing is left to staff (the dashboard says so) instead of being retried forever
RESUME_DAYS = 7  # older unfinished jobs are not resumed (a morning run carries out every 申込 due by its day anyway)


class Lease:
    """Held by the task doing job `name` of `day`: `with Lease(...) as lease:` … `lease.renew()` after each step.
    With no job of that name and day (a task enqueued by hand, not by the scheduler) it holds nothing."""

    def __init__(self, name: str, day: date):
        self.job = ScheduledJob.objects.filter(name=name, run_date=day)
        self.started_at = None
        self.renewed = 0.0

    def __enter__(self) -> "Lease":
        self.started_at = timezone.now()
        self.job.update(started_at=self.started_at, heartbeat_at=self.started_at, finished_at=None)
        self.renewed = time.monotonic()
        return self

    def renew(self) -> None:
        if time.monotonic() - self.renewed >= HEARTBEAT.total_seconds():
            self.job.update(heartbeat_at=timezone.now())
            self.renewed = time.monotonic()

    def __exit__(self, error_type, error, traceback) -> None:
        # A job that raised stays unfinished: its lease runs out and the scheduler tries it again.
        if error_type is None:
            self.job.filter(started_at=self.started_at).update(finished_at=timezone.now())


def begins(name: str, day: date, now: datetime) -> None:
    """The lease starts in the transaction that decides to enqueue the job, before the enqueue itself (which runs
    after the commit): if the enqueue never happens (the scheduler killed or the database lost in between), the job
    is still a lease that runs out unfinished, and the next tick after LEASE enqueues it again (issue 26 #6)."""
    ScheduledJob.objects.filter(name=name, run_date=day).update(heartbeat_at=now, started_at=None, finished_at=None)


def enqueued(name: str, day: date, now: datetime, result_id: str) -> None:
    """Record that a task for the job was enqueued (its lease starts now)."""
    ScheduledJob.objects.filter(name=name, run_date=day).update(
        task_result_id=result_id, enqueued_at=now, heartbeat_at=now, started_at=None, finished_at=None
    )


@dataclass(frozen=True)
class LongTask:
    """A job the scheduler enqueues under a lease and resumes when its worker dies. `enqueue(day)` enqueues the task
    of the job of `day` (the task holds `Lease(name, day)`); `by_hand(day)` tells staff what to do themselves when
    resuming gave up (a Japanese sentence for the dashboard)."""

    name: str
    task: Task
    enqueue: Callable[[date], object]
    by_hand: Callable[[date], str]

    def start(self, day: date, now: datetime) -> None:
        """Start the lease of the job of `day` in the caller's transaction, and enqueue its task after the commit."""
        begins(self.name, day, now)

        def enqueue():
            enqueued(self.name, day, now, self.enqueue(day).id)

        transaction.on_commit(enqueue)


def resume_abandoned(long_tasks: list[LongTask], now: datetime) -> list[tuple[str, date]]:
    """Enqueue again each job whose worker died (its lease ran out unfinished); the (name, day) of each resumed."""
    by_name = {long_task.name: long_task for long_task in long_tasks}
    resumed = []
    for job in abandoned(by_name, now):
        long_task = by_name[job.name]
        if is_waiting_for_a_worker(long_task.task, job):
            continue  # still queued: no worker has taken it yet (the dashboard shows it late)
        with transaction.atomic():
            if take_over(job, now):
                long_task.start(job.run_date, now)
                resumed.append((job.name, job.run_date))
    return resumed


def is_waiting_for_a_worker(task, job: ScheduledJob) -> bool:
    """The job's task is still queued (READY): enqueuing it again would only queue a duplicate."""
    if not job.task_result_id or not task.get_backend().supports_get_result:
        return False
    try:
        return task.get_result(job.task_result_id).status == TaskResultStatus.READY
    except TaskResultDoesNotExist:
        return False


def abandoned(names, now: datetime):
    """Unfinished jobs whose lease ran out (the worker died, or the task raised), not given up on."""
    return ScheduledJob.objects.filter(
        name__in=names,
        run_date__gte=timezone.localdate(now) - timedelta(days=RESUME_DAYS),
        finished_at__isnull=True,
        heartbeat_at__lt=now - LEASE,
        resumed__lt=MAX_RESUMES,
    ).order_by("run_date", "name")


def take_over(job: ScheduledJob, now: datetime) -> bool:
    """Claim an abandoned job for enqueuing again. Conditional on the lease read: of two schedulers, one wins."""
    with transaction.atomic():
        return bool(
            ScheduledJob.objects.filter(pk=job.pk, heartbeat_at=job.heartbeat_at, finished_at__isnull=True).update(
                heartbeat_at=now, resumed=F("resumed") + 1
            )
        )


@dataclass(frozen=True)
class Health:
    """What the dashboard says about a job: `state` for the page's styling, `label` and `detail` in Japanese."""

    state: str  # scheduled, late, running, long, stuck, gave_up, finished, closed
    label: str
    detail: str = ""

    @property
    def is_problem(self) -> bool:
        return self.state in {"late", "long", "stuck", "gave_up"}


def _clock(moment: datetime) -> str:
    return timezone.localtime(moment).strftime("%H:%M")


def health(job: ScheduledJob | None, *, due_at: datetime, now: datetime, by_hand: Callable[[date], str]) -> Health:
    """The state of the job that was due at `due_at`, as staff need to know it; `by_hand(day)` what they do when
    resuming gave up."""
    if job is None:
        if now < due_at + LATE_AFTER:
            return Health("scheduled", "開始前", f"{_clock(due_at)}に開始します。")
        return Health(
            "late",
            "遅延",
            f"開始時刻（{_clock(due_at)}）を過ぎても開始されていません。run_scheduler が動いているか確認してください。",
        )
    if job.finished_at is not None:
        resumed = f"（自動再開{job.resumed}回）" if job.resumed else ""
        return Health("finished", "完了", f"{_clock(job.finished_at)}に終了しました{resumed}。")
    resumed = f"自動再開{job.resumed}回目。" if job.resumed else ""
    if job.started_at is None:
        if now < job.enqueued_at + LATE_AFTER:
            return Health("scheduled", "開始待ち", f"{resumed}{_clock(job.enqueued_at)}に実行を登録しました。")
        return Health(
            "late",
            "遅延",
            f"{_clock(job.enqueued_at)}に実行を登録しましたが、開始されていません。"
            "run_worker（タスクワーカー）が動いているか確認してください。",
        )
    if now >= job.heartbeat_at + LEASE:
        if job.resumed >= MAX_RESUMES:
            return Health(
                "gave_up",
                "停止",
                f"{_clock(job.heartbeat_at)}以降応答がなく、自動再開を{job.resumed}回行っても終了していません。"
                + by_hand(job.run_date),
            )
        return Health(
            "stuck",
            "停止",
            f"{_clock(job.heartbeat_at)}以降応答がありません（処理が中断されました）。"
            "run_scheduler が動いていれば1分以内に自動で再開します。",
        )
    elapsed = int((now - job.started_at).total_seconds() // 60)
    if now >= job.started_at + RUNNING_TOO_LONG:
        return Health(
            "long",
            "長時間実行中",
            f"{_clock(job.started_at)}に開始し、{elapsed}分経過しています（最終応答 {_clock(job.heartbeat_at)}）。",
        )
    return Health(
        "running", "実行中", f"{resumed}{_clock(job.started_at)}に開始しました（最終応答 {_clock(job.heartbeat_at)}）。"
    )
