"""Liveness (/healthz) and readiness (/readyz) for load balancers and monitors, answered before the rest of the
middleware: no session, no signed-in user, no host check, no HTTPS redirect (issue 26 #11).

/healthz says that this process answers, and nothing else: it never reads the database, so a database outage does
not make a supervisor restart healthy processes. /readyz says whether this process can serve now: 200 when the
database answers and the CA opens, else 503, with each check in a JSON body. Redis, the task workers and the
scheduler are reported in the body but never make it 503: the portal works without Redis (naccs.lib.cache), and
neither a missing worker nor a missing scheduler is cured by sending users to another web host.
"""

import datetime
import json

import redis
from django.conf import settings
from django.db import DatabaseError, InterfaceError, connection
from django.db.models import Max
from django.http import HttpResponse
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from naccs.pki import ca

LIVENESS_PATH, READINESS_PATH = "/healthz", "/readyz"
# The scheduler enqueues tasks every minute and the workers start them within seconds: silence for longer than this
# means the part is down (or the database was, just now).
SILENCE = datetime.timedelta(minutes=3)


def database_check() -> dict:
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
    except (DatabaseError, InterfaceError) as error:
        return {"ok": False, "error": f"{type(error).__name__}: {str(error).strip().splitlines()[0]}"}
    return {"ok": True}


def ca_check() -> dict:
    try:
        authority = ca.get_authority()
    except Exception as error:  # a missing file, a wrong passphrase, an unreadable key: all mean no signing
        return {"ok": False, "error": f"{type(error).__name__}: {error}"}
    return {"ok": True, "subject": authority.certificate.subject.rfc4514_string()}


def cache_check() -> dict:
    if not settings.REDIS_URL:
        return {"ok": True, "backend": "local"}
    try:
        redis.Redis.from_url(settings.REDIS_URL, socket_connect_timeout=0.5, socket_timeout=0.5).ping()
    except redis.RedisError as error:
        return {
            "ok": False,
            "error": f"{type(error).__name__}: {error}",
            "effect": "degraded: sessions from the database",
        }
    return {"ok": True, "backend": "redis"}


def heartbeat(newest: datetime.datetime | None, now: datetime.datetime) -> dict:
    if newest is None:
        return {"ok": False, "newest": None}
    return {
        "ok": now - newest <= SILENCE,
        "newest": newest.isoformat(),
        "age_seconds": int((now - newest).total_seconds()),
    }


def tasks_checks(now: datetime.datetime) -> dict:
    """The newest task the scheduler enqueued (it enqueues two every tick) and the newest a worker started."""
    try:
        newest = DBTaskResult.objects.aggregate(enqueued=Max("enqueued_at"), started=Max("started_at"))
    except (DatabaseError, InterfaceError):
        return {"scheduler": {"ok": False, "error": "database"}, "worker": {"ok": False, "error": "database"}}
    return {"scheduler": heartbeat(newest["enqueued"], now), "worker": heartbeat(newest["started"], now)}


def readiness(now: datetime.datetime | None = None) -> tuple[bool, dict]:
    now = now or timezone.now()
    checks = {"database": database_check(), "ca": ca_check(), "cache": cache_check()}
    ready = checks["database"]["ok"] and checks["ca"]["ok"]
    if checks["database"]["ok"]:
        checks.update(tasks_checks(now))
    return ready, {"status": "ready" if ready else "unavailable", "checks": checks}


def no_store(response: HttpResponse) -> HttpResponse:
    response["Cache-Control"] = "no-store"
    return response


class HealthMiddleware:
    """First in MIDDLEWARE: /healthz and /readyz are answered here, before the HTTPS redirect, the host check, the
    session and the signed-in user (a probe sends no cookie and may use the host's address as Host)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if request.path == LIVENESS_PATH:
            return no_store(HttpResponse("ok\n", content_type="text/plain; charset=utf-8"))
        if request.path == READINESS_PATH:
            ready, body = readiness()
            return no_store(
                HttpResponse(
                    json.dumps(body, ensure_ascii=False, indent=1),
                    status=200 if ready else 503,
                    content_type="application/json",
                    headers={} if ready else {"Retry-After": "10"},
                )
            )
        return self.get_response(request)
