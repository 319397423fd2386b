import pytest
from django.test import RequestFactory

from naccs.lib.client_address import client_address

PROXY = "10.0.0.5"


def request_from(remote, forwarded=None):
    extra = {"REMOTE_ADDR": remote}
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
    settings.TRUSTED_PROXY_COUNT = proxies
    assert client_address(request_from(PROXY, forwarded)) == expected
