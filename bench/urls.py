from django.http import HttpResponse
from django.urls import include, path

# A fixed 2 KB page: what bare Django on the same server costs, the yardstick for our pages.
BARE_HTML = "<!doctype html><html lang=ja><title>bare</title><body>" + "<p>" + "あ" * 640 + "</p></body></html>"


def bare(request):
    return HttpResponse(BARE_HTML)


urlpatterns = [
    path("bench/bare/", bare),
    path("", include("naccs.urls")),
]
