"""Middleware of the portal: a Japanese retry page (503, Retry-After) when the database is away."""

import logging

from django.db import DatabaseError, InterfaceError, OperationalError, connection
from django.http import HttpResponse
from django.template.loader import render_to_string

from .context_processors import site_context

logger = logging.getLogger(__name__)

RETRY_AFTER_SECONDS = 30


def database_answers() -> bool:
    """Whether the database answers a query now (on this process's connection)."""
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
        return True
    except (DatabaseError, InterfaceError):
        return False


def unavailable() -> HttpResponse:
    # Rendered without the request: the context processors would ask the same database for the user.
    html = render_to_string("503.html", site_context())
    return HttpResponse(html, status=503, headers={"Retry-After": str(RETRY_AFTER_SECONDS)})


class DatabaseUnavailableMiddleware:
    """A database that is locked or gone is the system's state, not a bug: the user gets 503 with Retry-After (and
    load balancers and monitors can tell it from a 500), whether the view or a middleware below this one (the session,
    the signed-in user, the idle timeout) met it. Middleware below converts its exceptions into a 500 response before
    this one sees them, so a 500 is checked against the database itself."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        if response.status_code == 500 and not database_answers():
            logger.warning("database unavailable for %s (503)", request.path)
            return unavailable()
        return response

    def process_exception(self, request, exception):
        if not isinstance(exception, OperationalError | InterfaceError):
            return None
        logger.warning("database unavailable for %s: %s", request.path, exception)
        return unavailable()
