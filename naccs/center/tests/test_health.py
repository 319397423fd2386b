"""Issue 26 #11: /healthz and /readyz answer before the session middleware, the host check and the HTTPS redirect."""

import json

import pytest
from django.test import Client
from django.utils import timezone

from naccs.mailer.tasks import deliver_due_mail

pytestmark = pytest.mark.django_db


def test_liveness_answers_without_the_session_the_database_or_an_allowed_host(user_client, django_assert_num_queries):
    with django_assert_num_queries(0):  # a signed-in session's cookie is sent, and never read
        response = user_client.get("/healthz", HTTP_HOST="10.0.0.5")  # a load balancer's probe by address
    assert response.status_code == 200 and response.content == b"ok\n"
    assert not response.cookies and response["Cache-Control"] == "no-store"


def test_readiness_is_ready_with_the_database_and_the_ca_and_reports_every_check():
    deliver_due_mail.enqueue()  # what the scheduler does every minute
    response = Client().get("/readyz", HTTP_HOST="10.0.0.5")
    assert response.status_code == 200 and not response.cookies
    body = json.loads(response.content)
    checks = body["checks"]
    assert body["status"] == "ready"
    assert checks["database"]["ok"] and checks["ca"]["ok"] and checks["cache"]["ok"]
    assert checks["scheduler"]["ok"] and checks["scheduler"]["age_seconds"] < 60
    assert not checks["worker"]["ok"]  # no worker has started a task yet: reported, not fatal


def test_readiness_is_unavailable_when_the_ca_cannot_be_opened(settings, tmp_path):
    settings.CA_DIR = tmp_path  # no CA files
    response = Client().get("/readyz")
    assert response.status_code == 503 and response["Retry-After"] == "10"
    checks = json.loads(response.content)["checks"]
    assert checks["database"]["ok"] and not checks["ca"]["ok"] and "ca_create" in checks["ca"]["error"]


def test_a_silent_scheduler_is_reported_after_three_minutes():
    from naccs.center import health

    deliver_due_mail.enqueue()
    later = timezone.now() + health.SILENCE + timezone.timedelta(seconds=5)
    ready, body = health.readiness(now=later)
    assert ready and not body["checks"]["scheduler"]["ok"]
