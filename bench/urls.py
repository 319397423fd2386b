"""The page benchmark's URLs (bench.settings only, never production's naccs.urls): two floors to measure pages
against, then the portal's own URLs."""

from django.http import HttpResponse
from django.template import engines
from django.urls import include, path

from naccs.accounts.decorators import company_user_required

# A fixed 2 KB page: what bare Django on the same server costs, the yardstick for our pages.
BARE_HTML = "<!doctype html><html lang=ja><title>bare</title><body>" + "<p>" + "あ" * 640 + "</p></body></html>"
# The base layout with nothing in it: what every signed-in page pays before its own work.
EMPTY_PAGE = engines["jinja2"].from_string('{% extends "base.html" %}{% block title %}計測{% endblock %}')


def bare(request):
    return HttpResponse(BARE_HTML)


@company_user_required
def signed_in(request):
    """The signed-in floor: the session and the user read (as every company page reads them), the base layout
    rendered with its context processors (header, navigation, footer) and no content."""
    return HttpResponse(EMPTY_PAGE.render({}, request))


urlpatterns = [
    path("bench/bare/", bare),
    path("bench/signed-in/", signed_in),
    path("", include("naccs.urls")),
]
