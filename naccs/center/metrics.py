"""Prometheus metrics at /metrics (prometheus-client, gunicorn's multiprocess mode; issue 26 #11).

Requests are counted and timed in each gunicorn worker; with PROMETHEUS_MULTIPROC_DIR set (deploy/systemd/) every
worker writes its values there and any worker's /metrics answers for all of them. What the database knows (the task
queue, mail waiting, certificates expiring, the age of the CRL and of the oldest pre-produced OCSP answer, the morning
run) is read at each scrape, so it is the same whichever host is scraped. /metrics is for the local scraper only:
nginx does not serve it (deploy/nginx/).
"""

import datetime
import time

from django.db import DatabaseError, InterfaceError
from django.db.models import Max, Min, Sum
from django.http import HttpResponse
from django.utils import timezone
from django_tasks import TaskResultStatus
from django_tasks_db.models import DBTaskResult
from prometheus_client import CONTENT_TYPE_LATEST, Counter, Histogram
from prometheus_client.core import GaugeMetricFamily

from naccs.jobs.models import ScheduledJob
from naccs.lib.metrics import scrape
from naccs.mailer.models import OutboundMail
from naccs.pki.models import CertificateRevocationList, PreparedOCSPResponse
from naccs.pki.published import OCSP_ANSWERS
from naccs.terminals.models import Certificate

from .long_tasks import LONG_TASKS
from .morning_run import MORNING_RUN

METRICS_PATH = "/metrics"
UNMEASURED = {METRICS_PATH}
EXPIRY_WINDOWS = (7, 30)  # days

REQUESTS = Counter("naccs_http_requests", "HTTP requests answered, by view and status", ["view", "method", "status"])
LATENCY = Histogram(
    "naccs_http_request_duration_seconds",
    "Time to answer an HTTP request, by view",
    ["view"],
    buckets=(0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0),
)


def view_label(request) -> str:
    match = getattr(request, "resolver_match", None)
    if match is not None:
        return match.view_name
    return request.path if request.path in {"/healthz", "/readyz"} else "unresolved"


class DatabaseCollector:
    """Gauges read from the database at each scrape; none while the database is away (the scrape still answers)."""

    def collect(self):
        try:
            yield from self.gauges(timezone.now())
        except (DatabaseError, InterfaceError):
            return

    def gauges(self, now: datetime.datetime):
        waiting = DBTaskResult.objects.filter(status=TaskResultStatus.READY)
        oldest = waiting.aggregate(oldest=Min("enqueued_at"))["oldest"]
        yield gauge("naccs_task_queue_depth", "Tasks waiting for a worker", waiting.count())
        yield gauge(
            "naccs_task_oldest_waiting_seconds",
            "Age of the oldest task waiting for a worker (0: none waits)",
            (now - oldest).total_seconds() if oldest else 0,
        )
        mail = OutboundMail.objects.filter(status__in=[OutboundMail.Status.PENDING, OutboundMail.Status.SENDING])
        yield gauge("naccs_mail_waiting", "Mails queued and not sent yet", mail.count())

        expiring = GaugeMetricFamily(
            "naccs_certificates_expiring", "Certificates in force that expire within the days", labels=["within_days"]
        )
        in_force = Certificate.objects.filter(revoked_at__isnull=True, not_after__gt=now)
        for days in EXPIRY_WINDOWS:
            count = in_force.filter(not_after__lte=now + datetime.timedelta(days=days)).count()
            expiring.add_metric([str(days)], count)
        yield expiring

        newest_crl = CertificateRevocationList.objects.aggregate(at=Max("this_update"))["at"]
        if newest_crl is not None:
            yield gauge("naccs_crl_age_seconds", "Age of the newest CRL", (now - newest_crl).total_seconds())
        oldest_answer = PreparedOCSPResponse.objects.aggregate(at=Min("this_update"))["at"]
        if oldest_answer is not None:
            yield gauge(
                "naccs_ocsp_oldest_prepared_seconds",
                "Age of the oldest pre-produced OCSP answer",
                (now - oldest_answer).total_seconds(),
            )

        last_run = (
            ScheduledJob.objects.filter(name=MORNING_RUN, finished_at__isnull=False, started_at__isnull=False)
            .order_by("-run_date")
            .first()
        )
        if last_run is not None:
            yield gauge(
                "naccs_morning_run_duration_seconds",
                "Duration of the last finished morning run",
                (last_run.finished_at - last_run.started_at).total_seconds(),
            )
        week = timezone.localdate(now) - datetime.timedelta(days=7)
        runs = ScheduledJob.objects.filter(name=MORNING_RUN, run_date__gte=week)
        yield gauge(
            "naccs_morning_run_resumed_7d",
            "Morning runs of the last 7 days resumed after their worker died or failed (naccs.jobs.leases)",
            runs.aggregate(resumed=Sum("resumed"))["resumed"] or 0,
        )
        yield gauge(
            "naccs_morning_run_unfinished_7d",
            "Morning runs of the last 7 days not finished",
            runs.filter(finished_at__isnull=True).count(),
        )
        yield from long_task_gauges(week)


def long_task_gauges(week: datetime.date):
    """The monthly close and the daily reminders (long tasks under a lease, like the morning run): resumed, and left
    unfinished, in the last 7 days, by task name."""
    resumed = GaugeMetricFamily(
        "naccs_long_task_resumed_7d", "Long tasks of the last 7 days resumed after their worker died", labels=["task"]
    )
    unfinished = GaugeMetricFamily(
        "naccs_long_task_unfinished_7d", "Long tasks of the last 7 days not finished", labels=["task"]
    )
    for long_task in LONG_TASKS:
        jobs = ScheduledJob.objects.filter(name=long_task.name, run_date__gte=week)
        resumed.add_metric([long_task.name], jobs.aggregate(resumed=Sum("resumed"))["resumed"] or 0)
        unfinished.add_metric([long_task.name], jobs.filter(finished_at__isnull=True).count())
    yield resumed
    yield unfinished


def gauge(name: str, documentation: str, value: float) -> GaugeMetricFamily:
    return GaugeMetricFamily(name, documentation, value=value)


class MetricsMiddleware:
    """First in MIDDLEWARE: answers /metrics, and counts and times every other request."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if request.path == METRICS_PATH:
            # OCSP answers given by this portal's fast path (naccs.wsgi); the responder's own: its /metrics.
            text = scrape([REQUESTS, LATENCY, OCSP_ANSWERS], read_at_scrape=[DatabaseCollector()])
            response = HttpResponse(text, content_type=CONTENT_TYPE_LATEST)
            response["Cache-Control"] = "no-store"
            return response
        started = time.perf_counter()
        response = self.get_response(request)
        view = view_label(request)
        REQUESTS.labels(view=view, method=request.method, status=str(response.status_code)).inc()
        LATENCY.labels(view=view).observe(time.perf_counter() - started)
        return response
