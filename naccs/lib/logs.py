"""Logs as JSON lines with the request's id, for log collectors (opt-in: LOG_JSON=1; issue 26 #11).

Each request gets an id: the one nginx sends (`X-Request-ID: $request_id`, deploy/nginx/) or a new one; every log
line written while the request is handled carries it, and the response returns it, so that a user's report, nginx's
access log and the app's lines meet on one key.
"""

import contextvars
import datetime
import json
import logging
import re
import uuid

from django.core.signals import request_finished

REQUEST_ID_HEADER = "X-Request-ID"
ACCEPTED_ID = re.compile(
    r"[A-Za-z0-9._-]{1,64}"
)  # what nginx's $request_id and a UUID look like; anything else is replaced

current_request_id: contextvars.ContextVar[str] = contextvars.ContextVar("request_id", default="")


class RequestIdMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        sent = request.headers.get(REQUEST_ID_HEADER, "")
        request_id = sent if ACCEPTED_ID.fullmatch(sent) else uuid.uuid4().hex
        # Kept until the response is closed (clear_request_id), not reset when this returns: Django logs a 4xx or 5xx
        # (django.request) after the middleware, and that line must carry the id too.
        current_request_id.set(request_id)
        response = self.get_response(request)
        response[REQUEST_ID_HEADER] = request_id
        return response


def clear_request_id(**kwargs) -> None:
    current_request_id.set("")


request_finished.connect(clear_request_id, dispatch_uid="naccs.lib.logs.clear_request_id")


class RequestIdFilter(logging.Filter):
    """Gives every record the id of the request being handled (empty outside a request: a worker, the scheduler)."""

    def filter(self, record: logging.LogRecord) -> bool:
        record.request_id = current_request_id.get()
        return True


class JsonFormatter(logging.Formatter):
    """One JSON object per line: time (UTC, ISO 8601), level, logger, message, request_id, and the traceback."""

    def format(self, record: logging.LogRecord) -> str:
        line = {
            "time": datetime.datetime.fromtimestamp(record.created, datetime.UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
            "request_id": getattr(record, "request_id", ""),
            "process": record.process,
        }
        if record.exc_info:
            line["exception"] = self.formatException(record.exc_info)
        return json.dumps(line, ensure_ascii=False)
