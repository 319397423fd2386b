"""ScheduledJob's move from center to jobs keeps every row: the morning runs' history and their leases (issue 26 #5)."""

from datetime import date

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.utils import timezone

pytestmark = pytest.mark.django_db(transaction=True)
BEFORE = [("center", "0005_staff_roles")]
AFTER = [("jobs", "0002_finish_unleased_jobs")]


def migrate(targets):
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(targets)
    return executor.loader.project_state(targets).apps


def test_the_jobs_and_their_leases_survive_the_move_and_unleased_ones_are_finished():
    old = migrate(BEFORE)
    job = old.get_model("center", "ScheduledJob")
    now = timezone.now()
    finished = job.objects.create(
        name="morning_run", run_date=date(2026, 12, 1), started_at=now, heartbeat_at=now, finished_at=now, resumed=2
    )
    running = job.objects.create(name="morning_run", run_date=date(2026, 12, 2), started_at=now, heartbeat_at=now)
    unleased = job.objects.create(name="monthly_close", run_date=date(2026, 12, 1))
    try:
        moved = migrate(AFTER).get_model("jobs", "ScheduledJob").objects
        assert moved.count() == 3
        kept = moved.get(pk=finished.pk)
        assert (kept.name, kept.run_date, kept.finished_at, kept.resumed) == ("morning_run", date(2026, 12, 1), now, 2)
        # A morning run left unfinished is still a lease that can run out (and be resumed)…
        assert moved.get(pk=running.pk).finished_at is None
        # … but a close enqueued before it held a lease is over: nothing says whether it ran.
        assert moved.get(pk=unleased.pk).finished_at is not None
        # The name + day key still holds.
        assert moved.filter(name="morning_run").count() == 2
        assert "jobs_scheduledjob" in connection.introspection.table_names()
    finally:
        migrate(MigrationExecutor(connection).loader.graph.leaf_nodes())
