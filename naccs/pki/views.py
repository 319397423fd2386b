"""Public PKI endpoints: the CA certificate, the CRL, the OCSP responder, and the 取得 page (no portal login)."""

import base64

from cryptography.hazmat.primitives import serialization
from django.core import signing
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_GET, require_http_methods

from naccs.lib.client_address import client_address
from naccs.terminals.models import Certificate

from . import ca, published
from .acquisition import AcquisitionRefused, acquire_certificate, rules_context
from .client_tls import client_certificate
from .est import ESTRefused, renew_in_browser, renewal_offer
from .forms import AcquireForm, PackagePasswordForm

ACQUIRED_SALT = "pki.acquired"
ACQUIRED_PAGE_SECONDS = 24 * 60 * 60


@require_GET
def ca_certificate(request, pem=False):
    certificate = ca.get_authority().certificate
    if pem:
        return HttpResponse(certificate.public_bytes(serialization.Encoding.PEM), content_type="application/x-pem-file")
    return HttpResponse(certificate.public_bytes(serialization.Encoding.DER), content_type="application/pkix-cert")


def http_response(answer: published.Answer) -> HttpResponse:
    response = HttpResponse(answer.body, status=answer.status)
    for name, value in answer.headers:
        response[name] = value
    return response


@require_GET
def crl(request):
    return revocation_response(request)


@csrf_exempt  # OCSP clients post DER, not forms; nothing here changes state
@require_http_methods(["GET", "POST"])
def ocsp_responder(request, encoded=None):  # the request in the path (GET) is read by revocation_answer
    return revocation_response(request)


def revocation_response(request) -> HttpResponse:
    """What the revocation responder answers (published.revocation_answer), through Django's request cycle."""
    body = request.body[: published.MAX_OCSP_REQUEST] if request.method == "POST" else b""
    answer = published.revocation_answer(request.method, request.path_info, body, request.headers.get)
    return http_response(published.served(answer))


@require_http_methods(["GET", "POST"])
def acquire(request):
    # Over HTTPS with the terminal's current certificate inside its window: 「更新する」 without the 認証コード.
    presented = client_certificate(request)
    offer = renewal_offer(presented)
    renew_form = PackagePasswordForm(request.POST if "renew" in request.POST else None, prefix="renew")
    if offer is not None and renew_form.is_bound:
        return renew_with_certificate(request, presented, offer, renew_form)
    form = AcquireForm(request.POST or None, initial={"terminal_name": request.GET.get("terminal", "")[:6]})
    refusal = None
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            acquired = acquire_certificate(
                terminal_name=data["terminal_name"],
                auth_codes=(data["auth_code1"], data["auth_code2"], data["auth_code3"]),
                password=data["password"],
                client_address=client_address(request),
            )
        except AcquisitionRefused as error:
            refusal = str(error)
        else:
            return acquired_page(request, acquired.certificate, pkcs12=acquired.pkcs12)
    context = {"form": form, "refusal": refusal, "offer": offer, "renew_form": renew_form}
    return render(request, "pki/acquire.html", {**context, **rules_context(on_acquire_page=True)})


def renew_with_certificate(request, presented, offer, renew_form):
    refusal = None
    if renew_form.is_valid():
        try:
            acquired = renew_in_browser(
                presented=presented,
                password=renew_form.cleaned_data["password"],
                client_address=client_address(request),
            )
        except ESTRefused as error:
            refusal = str(error)
        else:
            return acquired_page(request, acquired.certificate, pkcs12=acquired.pkcs12)
    context = {"form": AcquireForm(), "refusal": refusal, "offer": offer, "renew_form": renew_form}
    return render(request, "pki/acquire.html", {**context, **rules_context(on_acquire_page=True)})


def acquired_page(request, certificate, *, pkcs12: bytes | None = None):
    """What was acquired and what to do next. Right after 取得 the page carries the file itself (the private key is
    never stored, so this response is the only copy) and saves it at once; its address is then replaced by the
    acquired_again URL, so that a reload shows the page again without acquiring again."""
    context = {
        "certificate": certificate,
        "file_name": f"{certificate.terminal.name}.p12",
        "file_url": "data:application/x-pkcs12;base64," + base64.b64encode(pkcs12).decode() if pkcs12 else "",
        "again_url": reverse("pki:acquired", args=[signing.dumps(certificate.pk, salt=ACQUIRED_SALT)]),
    }
    response = render(request, "pki/acquired.html", context)
    response["Cache-Control"] = "no-store"
    return response


@require_GET
def acquired_again(request, token):
    """The page after 取得, without the file (reloaded, or opened again from its address the same day)."""
    try:
        pk = signing.loads(token, salt=ACQUIRED_SALT, max_age=ACQUIRED_PAGE_SECONDS)
    except signing.BadSignature:
        raise Http404 from None
    certificate = get_object_or_404(Certificate.objects.select_related("terminal"), pk=pk)
    return acquired_page(request, certificate)
