"""What /pki/ocsp and /pki/crl answer (status, headers, bytes), for Django's views and for the WSGI fast path.

In production (naccs.wsgi) `RevocationPaths` answers these paths before Django's request cycle: every TLS handshake
that checks one of our certificates asks them, and the middleware, URL resolution and response handling cost more
than the answer (bench/README.md, issue 17). What it serves is the same as the views: stored, pre-signed DER.

Each process keeps the answers it gave for RECENT_SECONDS: a revocation committed on any host shows on every host
within that time (the promise is 5 s for OCSP, 60 s for the CRL), and a burst of the same question costs one query.
"""

import base64
import binascii
import hashlib
import logging
import time
from dataclasses import dataclass
from http import HTTPStatus
from io import BytesIO

from django.db import close_old_connections
from django.utils import timezone
from django.utils.http import http_date, parse_etags, parse_http_date_safe

from . import ocsp
from .revocation import current_crl

logger = logging.getLogger(__name__)

OCSP_TYPE = "application/ocsp-response"
MAX_OCSP_REQUEST = 10_000  # a request of 100 CertIDs is 7 kB
RECENT_SECONDS = 1.0
CRL_MAX_AGE = 60  # HTTP caches ask again (a 304 when nothing changed) as often as a revocation must show


@dataclass(frozen=True)
class Answer:
    status: int
    headers: list[tuple[str, str]]
    body: bytes = b""


class Recent:
    """Values kept in this process for RECENT_SECONDS (the same bound on every host), at most `size` of them."""

    def __init__(self, size: int):
        self.size, self.entries = size, {}

    def get(self, key, make):
        now = time.monotonic()
        entry = self.entries.get(key)
        if entry is not None and entry[0] > now:
            return entry[1]
        value = make()
        if len(self.entries) >= self.size:
            self.entries.clear()
        self.entries[key] = (now + RECENT_SECONDS, value)
        return value

    def clear(self):
        self.entries.clear()


recent_ocsp = Recent(size=10_000)
recent_crl = Recent(size=1)


def validators(etag: str, last_modified, expires) -> list[tuple[str, str]]:
    return [
        ("ETag", etag),
        ("Last-Modified", http_date(last_modified.timestamp())),
        ("Expires", http_date(expires.timestamp())),
    ]


def not_modified(etag: str, last_modified, if_none_match: str | None, if_modified_since: str | None) -> bool:
    """RFC 9110 §13.1: If-None-Match decides when present, else If-Modified-Since."""
    if if_none_match:
        tags = parse_etags(if_none_match)
        return "*" in tags or etag in tags
    since = parse_http_date_safe(if_modified_since) if if_modified_since else None
    return since is not None and int(last_modified.timestamp()) <= since


def ocsp_answer(request_der: bytes, *, cacheable: bool, if_none_match: str | None = None) -> Answer:
    """The OCSP response to a request; a GET (`cacheable`) of a pre-produced response also tells HTTP caches how
    long they may keep it (RFC 5019 §6.2: until its nextUpdate)."""
    signed = recent_ocsp.get(request_der, lambda: ocsp.respond(request_der))
    headers = [("Content-Type", OCSP_TYPE)]
    if not cacheable or signed.next_update is None:
        return Answer(200, [*headers, ("Cache-Control", "no-store")], signed.der)
    seconds = max(0, int((signed.next_update - timezone.now()).total_seconds()))
    etag = '"' + hashlib.sha256(signed.der).hexdigest()[:32] + '"'
    headers += [("Cache-Control", f"public, max-age={seconds}, no-transform, must-revalidate")]
    headers += validators(etag, signed.this_update, signed.next_update)
    if not_modified(etag, signed.this_update, if_none_match, None):
        return Answer(304, headers[1:])
    return Answer(200, headers, signed.der)


def ocsp_get_der(encoded: str) -> bytes:
    """The request in a GET URL (RFC 6960 appendix A.1: base64, URL-encoded; the path arrives decoded)."""
    try:
        return base64.b64decode(encoded, validate=False)
    except (binascii.Error, ValueError):
        return b""


@dataclass(frozen=True)
class PublishedCRL:
    der: bytes
    pem: bytes
    etag: str
    this_update: object
    next_update: object


def published_crl() -> PublishedCRL:
    """The newest CRL (rebuilt first when it misses a revocation: revocation.current_crl), as it is served."""

    def load():
        crl = current_crl()
        der = bytes(crl.der)
        pem = b"-----BEGIN X509 CRL-----\n" + base64.encodebytes(der) + b"-----END X509 CRL-----\n"
        return PublishedCRL(der, pem, f'"crl-{crl.number}-{int(crl.this_update.timestamp())}"', crl.this_update,
                            crl.next_update)  # fmt: skip

    return recent_crl.get("crl", load)


def crl_answer(*, pem: bool, if_none_match: str | None, if_modified_since: str | None) -> Answer:
    crl = published_crl()
    headers = [("Cache-Control", f"public, max-age={CRL_MAX_AGE}")]
    headers += validators(crl.etag, crl.this_update, crl.next_update)
    if not_modified(crl.etag, crl.this_update, if_none_match, if_modified_since):
        return Answer(304, headers)
    if pem:
        return Answer(200, [("Content-Type", "application/x-pem-file"), *headers], crl.pem)
    return Answer(200, [("Content-Type", "application/pkix-crl"), *headers], crl.der)


class RevocationPaths:
    """WSGI: /pki/ocsp, /pki/ocsp/<base64>, /pki/crl and /pki/crl.pem answered here; everything else by Django.

    Plain HTTP (these paths are never redirected: RFC 5280 and RFC 5019 clients do not follow redirects), GET and
    POST only, no cookies or sessions read; database connections are handled as Django does at the start and end
    of each request."""

    CRL_PATHS = {"/pki/crl": False, "/pki/crl.pem": True}

    def __init__(self, django_application):
        self.django_application = django_application

    def __call__(self, environ, start_response):
        path, method = environ.get("PATH_INFO", ""), environ.get("REQUEST_METHOD", "")
        if path in self.CRL_PATHS and method == "GET":
            answer = self.guarded(lambda: self.crl(environ, path))
        elif path == "/pki/ocsp" and method == "POST":
            answer = self.guarded(lambda: ocsp_answer(read_body(environ), cacheable=False))
        elif path.startswith("/pki/ocsp/") and method == "GET":
            der = ocsp_get_der(path.removeprefix("/pki/ocsp/"))
            if_none_match = environ.get("HTTP_IF_NONE_MATCH")
            answer = self.guarded(lambda: ocsp_answer(der, cacheable=True, if_none_match=if_none_match))
        else:
            return self.django_application(environ, start_response)
        headers = [*answer.headers, ("Content-Length", str(len(answer.body))), ("X-Content-Type-Options", "nosniff")]
        start_response(f"{answer.status} {HTTPStatus(answer.status).phrase}", headers)
        return [answer.body]

    def crl(self, environ, path) -> Answer:
        return crl_answer(pem=self.CRL_PATHS[path], if_none_match=environ.get("HTTP_IF_NONE_MATCH"),
                          if_modified_since=environ.get("HTTP_IF_MODIFIED_SINCE"))  # fmt: skip

    @staticmethod
    def guarded(make) -> Answer:
        close_old_connections()
        try:
            return make()
        except Exception as error:  # ocsp.respond never raises; the CRL can (the CA or the database down)
            logger.error("revocation data unavailable: %s: %s", type(error).__name__, error)
            headers = [("Content-Type", "text/plain; charset=utf-8"), ("Retry-After", "10")]
            return Answer(503, headers, b"unavailable\n")
        finally:
            close_old_connections()


def read_body(environ) -> bytes:
    try:
        length = int(environ.get("CONTENT_LENGTH") or 0)
    except ValueError:
        length = 0
    stream = environ.get("wsgi.input") or BytesIO()
    return stream.read(min(max(length, 0), MAX_OCSP_REQUEST))
