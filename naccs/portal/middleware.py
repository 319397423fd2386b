"""Middleware of the portal: a Japanese retry page when the database is away, the CSP header built once, the CSRF
cookie sent only when the browser does not hold it yet."""

import logging

from csp.constants import HEADER, HEADER_REPORT_ONLY
from csp.middleware import CSPMiddleware
from csp.utils import build_policy
from django.conf import settings
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


class StaticCSPMiddleware(CSPMiddleware):
    """django-csp's middleware with the policy built once per process.

    No page of ours asks for a nonce or changes its own policy, so every response gets the same header; django-csp
    would build it anew for each response, which cost more than rendering a small page's template. A response that
    does change it (csp decorators, a nonce), DEBUG pages and excluded prefixes go the library's way."""

    PER_RESPONSE_PARTS = ("_csp_config", "_csp_update", "_csp_replace", "_csp_exempt")

    def __init__(self, get_response):
        super().__init__(get_response)
        policy = getattr(settings, "CONTENT_SECURITY_POLICY", None) or {}
        self.static = not settings.DEBUG and not policy.get("EXCLUDE_URL_PREFIXES")
        self.headers = {HEADER: build_policy(), HEADER_REPORT_ONLY: build_policy(report_only=True)}

    def process_response(self, request, response):
        own_policy = any(hasattr(response, part) or hasattr(response, part + "_ro") for part in self.PER_RESPONSE_PARTS)
        if not self.static or own_policy or getattr(request, "_csp_nonce", None):
            return super().process_response(request, response)
        for header, value in self.headers.items():
            if value and header not in response:
                response[header] = value
        return response


class CsrfCookieOnceMiddleware:
    """Lets Django's CsrfViewMiddleware, which it must follow in MIDDLEWARE, send the CSRF cookie only to a browser that
    does not hold it yet; the protection itself is Django's, unchanged.

    Django sends the cookie again with every page that shows a form, only to push its expiry a year further; building
    that Set-Cookie (an HTTP date, a Morsel) cost more than rendering the 確認画面's own template. It is still sent
    when it is new or changed: a first visit, a malformed or pre-4.0 cookie, and every login (Django rotates the
    secret then), so a signed-in user's cookie always has about a year to run, and a session lasts 12 hours."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        # Runs before CsrfViewMiddleware.process_response, which reads this flag.
        secret = request.META.get("CSRF_COOKIE")
        if secret is not None and request.COOKIES.get(settings.CSRF_COOKIE_NAME) == secret:
            request.META["CSRF_COOKIE_NEEDS_UPDATE"] = False
        return response
