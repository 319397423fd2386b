"""/.well-known/est/ (RFC 7030 §3.2.2): the operation names are fixed by the RFC."""

from django.urls import path

from . import est_views

app_name = "est"

urlpatterns = [
    path("cacerts", est_views.cacerts, name="cacerts"),
    path("csrattrs", est_views.csrattrs, name="csrattrs"),
    path("simpleenroll", est_views.simpleenroll, name="simpleenroll"),
    path("simplereenroll", est_views.simplereenroll, name="simplereenroll"),
    path("serverkeygen", est_views.serverkeygen, name="serverkeygen"),
]
