"""A monthly close whose worker (a real `manage.py db_worker`) is SIGKILLed mid-way is resumed by the scheduler's lease
check, and every company gets its invoice exactly once, numbered without gaps (issue 26 #5: the close stayed RUNNING
for ever and thousands of invoices were missing)."""

from datetime import timedelta

import pytest
from django.db import connection
from django.db.models import Count
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from naccs.accounts.models import Company
from naccs.billing.models import Invoice
from naccs.billing.months import previous_month
from naccs.center.long_tasks import CLOSE, LONG_TASKS
from naccs.jobs import leases
from naccs.jobs.models import ScheduledJob
from naccs.terminals.models import LogicalTerminal
from naccs.tests import outage
from naccs.tests.helpers import database_url

pytestmark = [
    pytest.mark.layout,
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(connection.vendor != "postgresql", reason="a real worker shares the database with the test"),
]
COMPANIES = 1500  # a close of a few seconds on a worker
KILL_AFTER = 300  # invoices made when the worker is killed


def many_companies(count: int) -> None:
    companies = Company.objects.bulk_create(Company(code=f"{20000000 + n}", name=f"締め商事{n}") for n in range(count))
    LogicalTerminal.objects.bulk_create(
        LogicalTerminal(
            company=company, name=f"{n:05d}A", category="sea", device_type="netNACCS", auth_code1="A",
            auth_code2="B", auth_code3="C",
        )
        for n, company in enumerate(companies)
    )  # fmt: skip


def test_a_close_whose_worker_is_killed_is_resumed_and_makes_every_invoice_once(
    tariff, test_ca, tmp_path, django_capture_on_commit_callbacks
):
    many_companies(COMPANIES)
    env = outage.environment(database_url(), test_ca, tmp_path, LOG_LEVEL="WARNING")
    log = tmp_path / "workers.log"
    # What the scheduler's tick does on the 1st (test_schedule.py): the job and its lease, then the task. Here on
    # today, whatever the day: only jobs of the last RESUME_DAYS are resumed.
    first = timezone.localdate()
    month = previous_month(first)
    with django_capture_on_commit_callbacks(execute=True):
        ScheduledJob.objects.create(name="monthly_close", run_date=first)
        CLOSE.start(first, timezone.now())

    outage.worker_killed_when(env, log, lambda: Invoice.objects.count() >= KILL_AFTER)
    made_when_killed = Invoice.objects.count()
    assert made_when_killed < COMPANIES, "the close ended before the kill: nothing was tested"
    assert DBTaskResult.objects.get().status == "RUNNING"  # what django-tasks shows of a dead worker, for ever
    job = ScheduledJob.objects.get(name="monthly_close", run_date=first)
    assert job.started_at is not None and job.finished_at is None

    # The scheduler's next tick after the lease ran out (its first step) enqueues the close again, once.
    later = timezone.now() + leases.LEASE + timedelta(minutes=1)
    with django_capture_on_commit_callbacks(execute=True):
        assert leases.resume_abandoned(LONG_TASKS, later) == [("monthly_close", first)]
        assert leases.resume_abandoned(LONG_TASKS, later + timedelta(minutes=1)) == []
    outage.batch_workers(env, log, 2)

    invoices = Invoice.objects.filter(month=month)
    assert invoices.count() == COMPANIES
    assert not invoices.values("company").annotate(n=Count("pk")).filter(n__gt=1).exists()
    numbers = sorted(int(number[-6:]) for number in invoices.values_list("number", flat=True))
    assert numbers == list(range(numbers[0], numbers[0] + COMPANIES))  # no number lost to the kill
    assert set(invoices.values_list("issued_on", flat=True)) == {first}  # the job's day, though resumed later
    job.refresh_from_db()
    assert job.finished_at is not None and job.resumed == 1
    resumed = DBTaskResult.objects.filter(status="SUCCESSFUL").get()
    assert resumed.return_value["made"] == COMPANIES - made_when_killed
