"""Issue 26 #11: logs as JSON lines with the request's id, opt-in by LOG_JSON."""

import io
import json
import logging
import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.test import Client

from naccs.lib.logs import JsonFormatter, RequestIdFilter

ROOT = Path(__file__).resolve().parents[3]


@pytest.fixture
def json_lines():
    """django.request's log lines, as LOG_JSON=1 writes them."""
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.addFilter(RequestIdFilter())
    handler.setFormatter(JsonFormatter())
    logger = logging.getLogger("django.request")
    logger.addHandler(handler)
    yield lambda: [json.loads(line) for line in stream.getvalue().splitlines()]
    logger.removeHandler(handler)


@pytest.mark.django_db
def test_a_log_line_of_a_request_carries_the_id_nginx_sent_and_the_response_returns_it(json_lines):
    response = Client().get("/no-such-page/", HTTP_X_REQUEST_ID="4f1c2a9be0d34c5e")
    assert response.status_code == 404 and response["X-Request-ID"] == "4f1c2a9be0d34c5e"
    (line,) = json_lines()
    assert line["request_id"] == "4f1c2a9be0d34c5e"
    assert line["level"] == "WARNING" and line["logger"] == "django.request" and "/no-such-page/" in line["message"]


@pytest.mark.django_db
def test_a_request_without_a_usable_id_gets_a_new_one(json_lines):
    response = Client().get("/no-such-page/", HTTP_X_REQUEST_ID='"}\n{"forged": 1')
    new_id = response["X-Request-ID"]
    assert len(new_id) == 32 and new_id.isalnum()
    assert [line["request_id"] for line in json_lines()] == [new_id]


def test_json_lines_are_opt_in_by_log_json():
    script = (
        "import django; django.setup(); from django.conf import settings; "
        "print(settings.LOGGING['handlers']['console'].get('formatter'))"
    )
    env = {**os.environ, "PYTHONPATH": str(ROOT), "DJANGO_SETTINGS_MODULE": "naccs.settings"}
    plain = subprocess.run([sys.executable, "-c", script], cwd=ROOT, env=env, capture_output=True, text=True)
    as_json = subprocess.run(
        [sys.executable, "-c", script], cwd=ROOT, env={**env, "LOG_JSON": "1"}, capture_output=True, text=True
    )
    assert plain.stdout.strip() == "None" and as_json.stdout.strip() == "json"
