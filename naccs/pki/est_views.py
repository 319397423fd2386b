"""The EST endpoints under /.well-known/est/ (RFC 7030): plain HTTP answers, no portal session, no cookies."""

import base64
import secrets

from django.conf import settings
from django.http import HttpResponse
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_GET, require_POST

from naccs.lib.client_address import client_address, from_trusted_proxy

from . import enrollment, est
from .client_tls import client_certificate

CERTS_ONLY = "application/pkcs7-mime; smime-type=certs-only"
PKCS10 = "application/pkcs10"


def base64_response(body: bytes, content_type: str, status=200) -> HttpResponse:
    response = HttpResponse(body, content_type=content_type, status=status)
    response["Content-Transfer-Encoding"] = "base64"
    return response


def refusal(error: est.ESTRefused) -> HttpResponse:
    # RFC 7030 §4.2.3: an error without a content type of its own is a human-readable plain-text message.
    response = HttpResponse(f"{error}\n", content_type="text/plain; charset=utf-8", status=error.status)
    if isinstance(error, enrollment.Unauthenticated):
        # RFC 7030 §3.2.3 and RFC 7617: ask for the terminal's name and 認証コード, in UTF-8.
        response["WWW-Authenticate"] = 'Basic realm="NACCS EST", charset="UTF-8"'
    if error.status == 429:
        # The 取得 limits' windows are fixed: by then a new one has begun (RFC 6585 §4).
        response["Retry-After"] = str(settings.ACQUIRE_ATTEMPT_WINDOW_MINUTES * 60)
    return response


@require_GET
def cacerts(request):
    return base64_response(est.ca_certs(), CERTS_ONLY)


@require_GET
def csrattrs(request):
    return base64_response(est.csr_attributes(settings.TERMINAL_KEY_TYPE), "application/csrattrs")


def renewal(request, *, server_keygen: bool):
    # Only application/pkcs10: a cross-site form cannot send it (and a script cannot without a CORS preflight we never
    # answer), so a page elsewhere cannot make a browser holding a terminal's certificate renew it.
    if request.content_type != PKCS10:
        return refusal(est.ESTRefused(415, f"Content-Type は {PKCS10} にしてください。"))
    try:
        renewed = est.renew(
            presented=client_certificate(request),
            csr_body=request.body[: est.MAX_REQUEST_BYTES],
            client_address=client_address(request),
            server_keygen=server_keygen,
        )
    except est.ESTRefused as error:
        return refusal(error)
    if not server_keygen:
        return base64_response(est.certs_only([renewed.x509]), CERTS_ONLY)
    # RFC 7030 §4.4.2: the key part, then the certificate part.
    boundary = f"est-{secrets.token_hex(12)}"
    parts = [
        ("application/pkcs8", base64.encodebytes(renewed.encrypted_key)),
        (CERTS_ONLY, est.certs_only([renewed.x509])),
    ]
    body = b"".join(
        f"--{boundary}\r\nContent-Type: {kind}\r\nContent-Transfer-Encoding: base64\r\n\r\n".encode() + data + b"\r\n"
        for kind, data in parts
    )
    response = HttpResponse(body + f"--{boundary}--\r\n".encode(), content_type=f"multipart/mixed; boundary={boundary}")
    response["Cache-Control"] = "no-store"
    return response


@csrf_exempt  # authenticated by the client certificate, not a session; see `renewal` for cross-site requests
@require_POST
def simplereenroll(request):
    return renewal(request, server_keygen=False)


@csrf_exempt
@require_POST
def serverkeygen(request):
    return renewal(request, server_keygen=True)


@csrf_exempt  # authenticated by the HTTP Basic credentials of each request, never a session or cookie
@require_POST
def simpleenroll(request):
    """The first 取得 without a browser (pki.enrollment): the terminal's name and 認証コード as HTTP Basic."""
    if request.content_type != PKCS10:
        return refusal(est.ESTRefused(415, f"Content-Type は {PKCS10} にしてください。"))
    try:
        certificate = enrollment.enroll(
            authorization=request.headers.get("Authorization", ""),
            through_proxy=from_trusted_proxy(request),
            csr_body=request.body[: est.MAX_REQUEST_BYTES],
            client_address=client_address(request),
        )
    except est.ESTRefused as error:
        return refusal(error)
    return base64_response(est.certs_only([certificate]), CERTS_ONLY)
