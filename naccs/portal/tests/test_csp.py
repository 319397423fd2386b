"""The Content-Security-Policy header, built once per process, is the one django-csp builds."""

from csp.utils import build_policy
from django.http import HttpResponse
from django.test import RequestFactory

from naccs.portal.middleware import StaticCSPMiddleware


def middleware():
    return StaticCSPMiddleware(lambda request: HttpResponse("page"))


def test_every_page_gets_the_policy_of_the_settings(client, db):
    response = client.get("/accounts/login/")
    assert response.headers["Content-Security-Policy"] == build_policy()
    assert "frame-ancestors 'none'" in response.headers["Content-Security-Policy"]


def test_a_response_with_its_own_policy_goes_the_library_way():
    response = HttpResponse("page")
    response._csp_update = {"img-src": ["https://example.jp"]}
    answered = middleware().process_response(RequestFactory().get("/"), response)
    assert "https://example.jp" in answered.headers["Content-Security-Policy"]


def test_an_exempt_response_gets_no_header():
    response = HttpResponse("page")
    response._csp_exempt = True
    answered = middleware().process_response(RequestFactory().get("/"), response)
    assert "Content-Security-Policy" not in answered.headers


def test_a_response_that_set_its_header_keeps_it():
    response = HttpResponse("page", headers={"Content-Security-Policy": "default-src 'none'"})
    answered = middleware().process_response(RequestFactory().get("/"), response)
    assert answered.headers["Content-Security-Policy"] == "default-src 'none'"
