"""The client's address: the one answer that the audit log, django-axes and every rate limit use; and the one rule
for which peer is the trusted proxy.

Without a proxy (TRUSTED_PROXY_COUNT = 0, the default) it is the peer of the connection, REMOTE_ADDR; X-Forwarded-For
is then ignored, since any client can send it. Behind N trusted proxies, each appends the address it received the
request from to X-Forwarded-For, so the N-th entry from the right is the address the outermost trusted proxy saw:
the entries left of it are whatever the client sent and are never believed. And the header is believed only on a
request that came through the proxy (`from_trusted_proxy`): a process that reaches the app directly, even from the
proxy's host, is known by its own address (issue 24 #8).
"""

import hmac
import ipaddress

from django.conf import settings

SECRET_HEADER = "HTTP_X_TLS_PROXY_SECRET"  # nginx: proxy_set_header X-TLS-Proxy-Secret (deploy/nginx/)
# How TLS_PROXY_ADDRESSES names the app's unix socket (scripts/serve-app-socket): a peer over a unix socket has no
# address (gunicorn gives an empty REMOTE_ADDR), and only the proxy's group may open that socket.
UNIX_SOCKET_PEER = "unix"


def peer_of(request) -> str:
    """The connection's peer as TLS_PROXY_ADDRESSES names it: its address, or UNIX_SOCKET_PEER over a unix socket."""
    return request.META.get("REMOTE_ADDR") or UNIX_SOCKET_PEER


def from_trusted_proxy(request) -> bool:
    """The request came through the TLS proxy: from one of TLS_PROXY_ADDRESSES *and* with the TLS_PROXY_SECRET only
    the proxy knows (a local process can connect from 127.0.0.1 too). Without a secret configured, never."""
    secret = settings.TLS_PROXY_SECRET
    if not secret or peer_of(request) not in settings.TLS_PROXY_ADDRESSES:
        return False
    return hmac.compare_digest(request.META.get(SECRET_HEADER, "").encode(), secret.encode())


def client_address(request) -> str:
    remote = request.META.get("REMOTE_ADDR", "")
    proxies = settings.TRUSTED_PROXY_COUNT
    if proxies <= 0 or not from_trusted_proxy(request):
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
