"""What /pki/ocsp and /pki/crl answer (status, headers, bytes), for the revocation responder, the portal's WSGI fast
path and Django's views.

Every TLS handshake that checks one of our certificates asks these paths, and a Django request (middleware, URL
resolution, response handling) costs more than the answer (bench/README.md, issue 17). So production runs
`RevocationResponder` (ASGI, naccs.responder) for them; `RevocationPaths` (naccs.wsgi) answers them before Django's
request cycle where the TLS proxy sends them to the portal; the views serve them under runserver. All three serve
the same: stored, pre-signed DER, decided by `revocation_answer`.

Each process keeps the answers it gave for RECENT_SECONDS: a revocation committed on any host shows on every host
within that time (the promise is 5 s for OCSP, 60 s for the CRL), and a burst of the same question costs one query.

Every OCSP answer given is counted by its status (OCSP_ANSWERS, Prometheus); the responder serves its own /metrics
(to the host's scraper only: the TLS proxy sends it nothing but the revocation paths), the portal's fast path counts
into the portal's.
"""

import asyncio
import base64
import binascii
import datetime
import hashlib
import logging
import time
from dataclasses import dataclass
from functools import cached_property
from http import HTTPStatus
from io import BytesIO

from cryptography.x509 import ocsp as x509_ocsp
from django.db import close_old_connections
from django.utils import timezone
from django.utils.http import http_date, parse_etags, parse_http_date_safe
from prometheus_client import CONTENT_TYPE_LATEST, Counter

from naccs.lib.metrics import scrape

from . import ocsp, ocsp_signer
from .revocation import current_crl, published_crl

logger = logging.getLogger(__name__)

OCSP_TYPE = "application/ocsp-response"
MAX_OCSP_REQUEST = 10_000  # a request of 100 CertIDs is 7 kB
RECENT_SECONDS = 1.0
CRL_MAX_AGE = 60  # HTTP caches ask again (a 304 when nothing changed) as often as a revocation must show
METRICS_PATH = "/metrics"
OCSP_ANSWERS = Counter(
    "naccs_ocsp_responses",
    "OCSP answers given, by status: the certificate's (good, revoked, unknown; mixed for several of different status) "
    "or the refusal's (malformedRequest, internalError, tryLater, sigRequired, unauthorized)",
    ["status"],
)
REFUSALS = {
    x509_ocsp.OCSPResponseStatus.MALFORMED_REQUEST: "malformedRequest",
    x509_ocsp.OCSPResponseStatus.INTERNAL_ERROR: "internalError",
    x509_ocsp.OCSPResponseStatus.TRY_LATER: "tryLater",
    x509_ocsp.OCSPResponseStatus.SIG_REQUIRED: "sigRequired",
    x509_ocsp.OCSPResponseStatus.UNAUTHORIZED: "unauthorized",
}


@dataclass(frozen=True)
class Answer:
    """An HTTP answer; one that HTTP caches may keep also carries the validators a conditional request is compared
    with: `etag`, and `last_modified` where If-Modified-Since counts (the CRL; OCSP GETs revalidate by ETag)."""

    status: int
    headers: list[tuple[str, str]]
    body: bytes = b""
    etag: str | None = None
    last_modified: datetime.datetime | None = None
    ocsp_status: str | None = None  # an OCSP answer's, for OCSP_ANSWERS (read once, when the answer is made)

    def to(self, if_none_match: str | None, if_modified_since: str | None) -> "Answer":
        """This answer, or 304 Not Modified (its headers but the type) when the request's validators match it."""
        if self.etag is None or not not_modified(self.etag, self.last_modified, if_none_match, if_modified_since):
            return self
        headers = [header for header in self.headers if header[0] != "Content-Type"]
        return Answer(304, headers, ocsp_status=self.ocsp_status)

    @cached_property
    def asgi_headers(self) -> list[tuple[bytes, bytes]]:
        """The response headers as ASGI sends them: made once for an answer that is given many times."""
        return [(name.lower().encode("latin-1"), value.encode("latin-1")) for name, value in response_headers(self)]


class Recent:
    """Answers kept in this process for RECENT_SECONDS (the same bound on every host), at most `size` of them."""

    def __init__(self, size: int):
        self.size, self.entries = size, {}

    def get(self, key, make=None):
        """The answer kept for `key`, else `make()` kept; without `make`, None when none is kept (the event loop of
        the ASGI responder asks so: whatever needs the database is made in a thread)."""
        now = time.monotonic()
        entry = self.entries.get(key)
        if entry is not None and entry[0] > now:
            return entry[1]
        if make is None:
            return None
        value = make()
        if len(self.entries) >= self.size:
            self.entries.clear()
        self.entries[key] = (now + RECENT_SECONDS, value)
        return value

    def clear(self):
        self.entries.clear()


recent = Recent(size=10_000)  # keyed by the question: (path, body)


def validators(etag: str, last_modified, expires) -> list[tuple[str, str]]:
    return [
        ("ETag", etag),
        ("Last-Modified", http_date(last_modified.timestamp())),
        ("Expires", http_date(expires.timestamp())),
    ]


def not_modified(etag: str, last_modified, if_none_match: str | None, if_modified_since: str | None) -> bool:
    """RFC 9110 §13.1: If-None-Match decides when present, else If-Modified-Since (where `last_modified` is given)."""
    if if_none_match:
        tags = parse_etags(if_none_match)
        return "*" in tags or etag in tags
    since = parse_http_date_safe(if_modified_since) if if_modified_since and last_modified else None
    return since is not None and int(last_modified.timestamp()) <= since


def ocsp_status(der: bytes) -> str:
    """The status OCSP_ANSWERS counts an answer under."""
    response = x509_ocsp.load_der_ocsp_response(der)
    if response.response_status != x509_ocsp.OCSPResponseStatus.SUCCESSFUL:
        return REFUSALS[response.response_status]
    statuses = {single.certificate_status.name.lower() for single in response.responses}
    return statuses.pop() if len(statuses) == 1 else "mixed"


def ocsp_answer(signed: ocsp.Signed, *, cacheable: bool) -> Answer:
    """A GET (`cacheable`) of a pre-produced response also tells HTTP caches how long they may keep it (RFC 5019
    §6.2: until its nextUpdate; less the time this process keeps the answer, so that no cache keeps it longer)."""
    headers = [("Content-Type", OCSP_TYPE)]
    status = ocsp_status(signed.der)
    if not cacheable or signed.next_update is None:
        return Answer(200, [*headers, ("Cache-Control", "no-store")], signed.der, ocsp_status=status)
    seconds = max(0, int((signed.next_update - timezone.now()).total_seconds() - RECENT_SECONDS))
    etag = '"' + hashlib.sha256(signed.der).hexdigest()[:32] + '"'
    headers += [("Cache-Control", f"public, max-age={seconds}, no-transform, must-revalidate")]
    headers += validators(etag, signed.this_update, signed.next_update)
    return Answer(200, headers, signed.der, etag, ocsp_status=status)


def ocsp_get_der(encoded: str) -> bytes:
    """The request in a GET URL (RFC 6960 appendix A.1: base64, URL-encoded; the path arrives decoded)."""
    try:
        return base64.b64decode(encoded, validate=False)
    except (binascii.Error, ValueError):
        return b""


def crl_answer(crl, *, pem: bool) -> Answer:
    """The newest CRL (revocation.current_crl rebuilds it first when it misses a revocation), DER or PEM."""
    der = bytes(crl.der)
    etag = f'"crl-{crl.number}-{int(crl.this_update.timestamp())}"'
    headers = [("Cache-Control", f"public, max-age={CRL_MAX_AGE}"), *validators(etag, crl.this_update, crl.next_update)]
    if pem:
        body = b"-----BEGIN X509 CRL-----\n" + base64.encodebytes(der) + b"-----END X509 CRL-----\n"
        return Answer(200, [("Content-Type", "application/x-pem-file"), *headers], body, etag, crl.this_update)
    return Answer(200, [("Content-Type", "application/pkix-crl"), *headers], der, etag, crl.this_update)


CRL_PATHS = {"/pki/crl": False, "/pki/crl.pem": True}  # path: PEM or not
OCSP_POST_PATH, OCSP_GET_PREFIX = "/pki/ocsp", "/pki/ocsp/"


def is_revocation_request(method: str, path: str) -> bool:
    """GET of the CRL, POST of an OCSP request, GET of one in base64: what both front ends below answer."""
    if method == "GET":
        return path in CRL_PATHS or path.startswith(OCSP_GET_PREFIX)
    return method == "POST" and path == OCSP_POST_PATH


def revocation_answer(
    method: str, path: str, body: bytes, header, *, recent_only: bool = False, with_ca: bool = True
) -> Answer | None:
    """The answer to a revocation request (is_revocation_request); `header(name)` reads a request header.
    `recent_only`: None unless this process gave it within RECENT_SECONDS (no database). `with_ca`: see
    stored_answer."""
    answer = recent.get((path, body), None if recent_only else lambda: stored_answer(method, path, body, with_ca))
    return answer and answer.to(header("If-None-Match"), header("If-Modified-Since"))


def served(answer: Answer) -> Answer:
    """Count an answer as it is sent (one made once for several askers at once is counted for each)."""
    if answer.ocsp_status:
        OCSP_ANSWERS.labels(status=answer.ocsp_status).inc()
    return answer


def stored_answer(method: str, path: str, body: bytes, with_ca: bool = True) -> Answer:
    """The whole answer, read from the database (a stale OCSP response is signed by the delegated responder and
    stored first). `with_ca` (the portal, which holds the CA key for 取得 anyway): a stale CRL is signed first too,
    and a missing responder certificate issued. The revocation responder passes False and never opens the CA key:
    it serves the newest CRL the worker published (within a minute of a revocation)."""
    if path in CRL_PATHS:
        return crl_answer(current_crl() if with_ca else published_crl(), pem=CRL_PATHS[path])
    der = body if method == "POST" else ocsp_get_der(path.removeprefix(OCSP_GET_PREFIX))
    return ocsp_answer(ocsp.respond(der, may_issue_responder=with_ca), cacheable=method != "POST")


UNAVAILABLE = Answer(503, [("Content-Type", "text/plain; charset=utf-8"), ("Retry-After", "10")], b"unavailable\n")


def answer_with_database(method: str, path: str, body: bytes, header, with_ca: bool = True) -> Answer:
    """revocation_answer, with the database connection handled as Django does at the start and end of a request."""
    close_old_connections()
    try:
        return revocation_answer(method, path, body, header, with_ca=with_ca)
    except Exception as error:  # ocsp.respond never raises; the CRL can (the CA or the database down, none yet)
        logger.error("revocation data unavailable: %s: %s", type(error).__name__, error)
        return UNAVAILABLE
    finally:
        close_old_connections()


def response_headers(answer: Answer) -> list[tuple[str, str]]:
    return [*answer.headers, ("Content-Length", str(len(answer.body))), ("X-Content-Type-Options", "nosniff")]


class RevocationPaths:
    """WSGI: /pki/ocsp, /pki/ocsp/<base64>, /pki/crl and /pki/crl.pem answered here; everything else by Django.

    Plain HTTP (these paths are never redirected: RFC 5280 and RFC 5019 clients do not follow redirects), GET and
    POST only, no cookies or sessions read."""

    def __init__(self, django_application):
        self.django_application = django_application

    def __call__(self, environ, start_response):
        method, path = environ.get("REQUEST_METHOD", ""), environ.get("PATH_INFO", "")
        if not is_revocation_request(method, path):
            return self.django_application(environ, start_response)
        body = read_body(environ) if method == "POST" else b""
        answer = served(answer_with_database(method, path, body, lambda name: environ.get(wsgi_header_key(name))))
        start_response(f"{answer.status} {HTTPStatus(answer.status).phrase}", response_headers(answer))
        return [answer.body]


def wsgi_header_key(name: str) -> str:
    return "HTTP_" + name.upper().replace("-", "_")


def read_body(environ) -> bytes:
    try:
        length = int(environ.get("CONTENT_LENGTH") or 0)
    except ValueError:
        length = 0
    stream = environ.get("wsgi.input") or BytesIO()
    return stream.read(min(max(length, 0), MAX_OCSP_REQUEST))


NOT_FOUND = Answer(404, [("Content-Type", "text/plain; charset=utf-8")], b"not found\n")
TOO_LARGE = Answer(413, [("Content-Type", "text/plain; charset=utf-8")], b"too large\n")


class RevocationResponder:
    """ASGI: the revocation paths alone, for the responder that production runs next to the portal
    (`gunicorn -k asgi naccs.responder`; the TLS proxy sends these paths to it: deploy/nginx/).

    An answer this process gave within RECENT_SECONDS is sent from the event loop, without a thread or the
    database: with keep-alive and no Django request cycle, one process answers about ten thousand OCSP requests a
    second (bench/README.md, issue 17). Anything else is answered in a thread, as RevocationPaths answers it; the
    same question asked again meanwhile waits for that answer instead of reading the database once more (when an
    answer ages out, every connection asks for it at once)."""

    def __init__(self):
        self.in_flight: dict[tuple, asyncio.Future] = {}

    async def __call__(self, scope, receive, send):
        if scope["type"] == "lifespan":
            return await lifespan(receive, send)
        if scope["type"] != "http":
            return
        method, path = scope["method"], scope["path"]
        if method == "GET" and path == METRICS_PATH:
            return await send_answer(send, Answer(200, [("Content-Type", CONTENT_TYPE_LATEST)], scrape([OCSP_ANSWERS])))
        if not is_revocation_request(method, path):
            return await send_answer(send, NOT_FOUND)
        body = await read_asgi_body(receive) if method == "POST" else b""
        if body is None:
            return await send_answer(send, TOO_LARGE)
        headers = {name.decode("latin-1").lower(): value.decode("latin-1") for name, value in scope["headers"]}

        def header(name):
            return headers.get(name.lower())

        answer = revocation_answer(method, path, body, header, recent_only=True)
        if answer is None:
            answer = await self.answer_in_thread(method, path, body, header)
        await send_answer(send, served(answer))

    async def answer_in_thread(self, method, path, body, header) -> Answer:
        question = (path, body, header("If-None-Match"), header("If-Modified-Since"))
        answering = self.in_flight.get(question)
        if answering is None:
            # with_ca=False: this process never opens the CA key (naccs.pki.ocsp_signer).
            answering = asyncio.ensure_future(
                asyncio.to_thread(answer_with_database, method, path, body, header, False)
            )
            self.in_flight[question] = answering
            answering.add_done_callback(lambda _: self.in_flight.pop(question, None))
        return await asyncio.shield(answering)  # a client that goes away does not cancel the others' answer


async def read_asgi_body(receive) -> bytes | None:
    """The request body, or None when it is longer than any OCSP request we answer."""
    chunks, size = [], 0
    while True:
        message = await receive()
        if message["type"] == "http.disconnect":
            return b""
        chunk = message.get("body", b"")
        size += len(chunk)
        if size > MAX_OCSP_REQUEST:
            return None
        chunks.append(chunk)
        if not message.get("more_body"):
            return b"".join(chunks)


async def send_answer(send, answer: Answer) -> None:
    await send({"type": "http.response.start", "status": answer.status, "headers": answer.asgi_headers})
    await send({"type": "http.response.body", "body": answer.body})


async def lifespan(receive, send) -> None:
    while True:
        message = await receive()
        if message["type"] == "lifespan.startup":
            await asyncio.to_thread(warm_up)
            await send({"type": "lifespan.startup.complete"})
        elif message["type"] == "lifespan.shutdown":
            await send({"type": "lifespan.shutdown.complete"})
            return


def warm_up() -> None:
    """Before the first request: open the delegated OCSP responder's key (never the CA's) and read the CRL, so that
    the first handshakes after a start do not wait for them. Without them (the worker has not run yet) it is logged;
    the responder still starts, and answers tryLater and 503 until the worker has published them."""
    try:
        ocsp_signer.current()
    except Exception as error:
        logger.error("revocation responder started without its OCSP signer: %s: %s", type(error).__name__, error)
    answer_with_database("GET", "/pki/crl", b"", lambda name: None, with_ca=False)
