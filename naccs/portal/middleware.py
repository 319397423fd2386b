"""Middleware of the portal: a Japanese retry page when the database is away."""

import logging

from django.db import InterfaceError, OperationalError
from django.http import HttpResponse
from django.template.loader import render_to_string

from .context_processors import site_context

logger = logging.getLogger(__name__)


class DatabaseUnavailableMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_exception(self, request, exception):
        if not isinstance(exception, OperationalError | InterfaceError):
            return None
        logger.warning("database unavailable for %s: %s", request.path, exception)
        # Rendered without the request: the context processors would ask the same database for the user.
        html = render_to_string("503.html", site_context())
        return HttpResponse(html, status=503, headers={"Retry-After": "30"})
