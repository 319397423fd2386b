"""The client's address: the one answer that the audit log, django-axes and every rate limit use.

Without a proxy (TRUSTED_PROXY_COUNT = 0, the default) it is the peer of the connection, REMOTE_ADDR; X-Forwarded-For
is then ignored, since any client can send it. Behind N trusted proxies, each appends the address it received the
request from to X-Forwarded-For, so the N-th entry from the right is the address the outermost trusted proxy saw:
the entries left of it are whatever the client sent and are never believed.
"""

import ipaddress

from django.conf import settings


def client_address(request) -> str:
    remote = request.META.get("REMOTE_ADDR", "")
    proxies = settings.TRUSTED_PROXY_COUNT
    if proxies <= 0:
        return remote
    forwarded = [entry.strip() for entry in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",")]
    forwarded = [entry for entry in forwarded if entry]
    if len(forwarded) < proxies:
        # Fewer entries than trusted proxies: the request did not come through all of them (a misconfiguration, or
        # a client reaching us directly); the peer is the only address we know.
        return remote
    try:
        return str(ipaddress.ip_address(forwarded[-proxies]))
    except ValueError:
        return remote
