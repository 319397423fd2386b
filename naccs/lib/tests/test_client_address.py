import pytest
from django.test import RequestFactory

from naccs.lib.client_address import client_address
from naccs.tests.helpers import PROXY_SECRET_FOR_TESTS, behind_the_proxy

PROXY = "10.0.0.5"


def request_from(remote, forwarded=None, *, secret=PROXY_SECRET_FOR_TESTS):
    extra = {"REMOTE_ADDR": remote, "HTTP_X_TLS_PROXY_SECRET": secret}
    if forwarded is not None:
        extra["HTTP_X_FORWARDED_FOR"] = forwarded
    return RequestFactory().get("/", **extra)


def test_without_a_trusted_proxy_the_header_is_ignored(settings):
    settings.TRUSTED_PROXY_COUNT = 0
    assert client_address(request_from("198.51.100.7", "203.0.113.9")) == "198.51.100.7"


@pytest.mark.parametrize(
    ("proxies", "forwarded", "expected"),
    [
        (1, "203.0.113.9", "203.0.113.9"),
        # What the client sent itself is left of what the trusted proxy appended, and never believed.
        (1, "192.0.2.1, 203.0.113.9", "203.0.113.9"),
        (2, "192.0.2.1, 203.0.113.9, 10.0.0.4", "203.0.113.9"),
        (1, " 2001:DB8::1 ", "2001:db8::1"),
        # Fewer entries than trusted proxies, or garbage: the peer is the only address known.
        (2, "203.0.113.9", PROXY),
        (1, "", PROXY),
        (1, "not-an-address", PROXY),
    ],
)
def test_behind_trusted_proxies_the_right_most_entries_are_skipped(settings, proxies, forwarded, expected):
    behind_the_proxy(settings, PROXY)
    settings.TRUSTED_PROXY_COUNT = proxies
    assert client_address(request_from(PROXY, forwarded)) == expected


def test_the_header_is_ignored_from_a_peer_that_is_not_the_proxy(settings):
    behind_the_proxy(settings, PROXY)
    assert client_address(request_from("198.51.100.7", "203.0.113.9")) == "198.51.100.7"


@pytest.mark.parametrize("secret", ["", "a-guess"])
def test_the_header_is_ignored_from_the_proxys_address_without_its_secret(settings, secret):
    """A local process connects from the proxy's own address; only the proxy knows the secret."""
    behind_the_proxy(settings, "127.0.0.1")
    assert client_address(request_from("127.0.0.1", "203.0.113.9", secret=secret)) == "127.0.0.1"


def test_the_header_is_ignored_when_no_secret_is_configured(settings):
    behind_the_proxy(settings, PROXY)
    settings.TLS_PROXY_SECRET = ""
    assert client_address(request_from(PROXY, "203.0.113.9", secret="")) == PROXY


def test_over_the_apps_unix_socket_the_proxy_is_believed(settings):
    """gunicorn bound to a unix socket gives an empty REMOTE_ADDR: the socket, which only the proxy's group may open
    (scripts/serve-app-socket), is the proxy's peer."""
    behind_the_proxy(settings, "unix")
    assert client_address(request_from("", "203.0.113.9")) == "203.0.113.9"


def test_the_unix_socket_is_not_the_proxy_unless_listed(settings):
    behind_the_proxy(settings, "127.0.0.1")
    assert client_address(request_from("", "203.0.113.9")) == ""


def test_the_unix_socket_still_needs_the_secret(settings):
    behind_the_proxy(settings, "unix")
    assert client_address(request_from("", "203.0.113.9", secret="a-guess")) == ""
