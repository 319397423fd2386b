"""Issue 26 #11: Prometheus metrics at /metrics, from every gunicorn worker (multiprocess mode) and the database."""

import time
import urllib.request
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
from django.test import Client

from naccs.mailer.tasks import deliver_due_mail
from naccs.tests import outage
from naccs.tests.helpers import database_url, make_terminal

pytestmark = pytest.mark.layout

ROOT = Path(__file__).resolve().parents[3]


def sample(text: str, name: str, **labels) -> float | None:
    """The value of the sample `name` with exactly `labels` in an exposition text."""
    wanted = ",".join(f'{key}="{value}"' for key, value in sorted(labels.items()))
    prefix = f"{name}{{{wanted}}} " if labels else f"{name} "
    for line in text.splitlines():
        if line.startswith(prefix):
            return float(line[len(prefix) :])
    return None


@pytest.mark.django_db
def test_the_scrape_has_requests_by_view_and_status_and_what_the_database_knows(company):
    client = Client()
    before = sample(client.get("/metrics").content.decode(), "naccs_http_requests_total", method="GET",
                    status="200", view="accounts:login") or 0  # fmt: skip
    assert client.get("/accounts/login/").status_code == 200
    deliver_due_mail.enqueue()
    make_terminal(company, "11110A", certificate_age_days=360)  # expires in 5 days

    response = client.get("/metrics")
    text = response.content.decode()
    assert response.status_code == 200 and response["Content-Type"].startswith("text/plain")
    assert sample(text, "naccs_http_requests_total", method="GET", status="200", view="accounts:login") == before + 1
    assert 'naccs_http_request_duration_seconds_bucket{le="0.25",view="accounts:login"}' in text
    assert sample(text, "naccs_task_queue_depth") == 1
    assert sample(text, "naccs_certificates_expiring", within_days="7") == 1
    assert sample(text, "naccs_certificates_expiring", within_days="30") == 1
    assert sample(text, "naccs_mail_waiting") == 0
    assert sample(text, "naccs_morning_run_unfinished_7d") == 0
    assert sample(text, "naccs_long_task_unfinished_7d", task="monthly_close") == 0


@pytest.mark.django_db
def test_a_close_killed_and_resumed_shows_in_the_long_task_gauges():
    from django.utils import timezone

    from naccs.jobs.models import ScheduledJob

    now = timezone.now()
    ScheduledJob.objects.create(
        name="monthly_close", run_date=timezone.localdate(now), started_at=now, heartbeat_at=now, resumed=2
    )
    text = Client().get("/metrics").content.decode()
    assert sample(text, "naccs_long_task_resumed_7d", task="monthly_close") == 2
    assert sample(text, "naccs_long_task_unfinished_7d", task="monthly_close") == 1
    assert sample(text, "naccs_long_task_unfinished_7d", task="daily_reminders") == 0


@pytest.mark.django_db(transaction=True)
def test_every_gunicorn_worker_is_counted_in_one_scrape(test_ca, tmp_path):
    metrics_dir = tmp_path / "metrics"
    metrics_dir.mkdir()
    env = outage.environment(
        database_url(), test_ca, tmp_path / "var", LOG_LEVEL="WARNING", PROMETHEUS_MULTIPROC_DIR=str(metrics_dir)
    )
    server, url = outage.gunicorn(
        env, "naccs.wsgi", tmp_path / "gunicorn.log", "-c", "deploy/gunicorn/naccs.conf.py", "--workers", "3"
    )
    try:

        def get_login_page(_):
            # Generous: three workers booting at once on two busy cores may take seconds to take the first requests.
            with urllib.request.urlopen(f"{url}/accounts/login/", timeout=60) as response:
                return response.status

        # Six clients at once, so that the three sync workers share the requests; on a loaded machine one worker
        # may boot seconds before the others and take a whole batch, so batches go on until two workers have counted.
        sent, deadline = 0, time.monotonic() + 60
        with ThreadPoolExecutor(max_workers=6) as clients:
            while sent < 30 or (len(list(metrics_dir.glob("counter_*.db"))) < 2 and time.monotonic() < deadline):
                assert list(clients.map(get_login_page, range(30))) == [200] * 30
                sent += 30
        files = list(metrics_dir.glob("counter_*.db"))
        with urllib.request.urlopen(f"{url}/metrics", timeout=10) as response:
            text = response.read().decode()
    finally:
        outage.stop(server)
    assert sample(text, "naccs_http_requests_total", method="GET", status="200", view="accounts:login") == sent
    assert len(files) >= 2  # the requests were spread over several workers, each writing its own file
