"""EST simpleenroll (RFC 7030 §4.2.1): the first 取得 without a browser, the terminal's own key certified.

The client has no certificate yet, so it authenticates as RFC 7030 §3.2.3 allows for initial enrollment: HTTP Basic,
the terminal's name as user and its three 認証コード as password (`CODE1-CODE2-CODE3`), only over TLS through the
proxy (§3.2.3: Basic only inside TLS). Everything else is the anonymous 取得 of the 取得 page, through the same code
(`acquisition.acquire_anonymously` and `acquisition.certify`): the same limits and lockout counting, the same check of
the codes, an open pickup (used up) or else the renewal window, the same audit event. Each refusal is also recorded
as `est.refused`, as EST's other refusals are.

A lost answer: the same key sent again within EST_RETRY_MINUTES, while the certificate issued for it is still the
terminal's, gets that certificate again (`answered_before`), as simplereenroll's does (est.previous_renewal). It is
read from the certificate rows themselves (the key is in the certificate), so no ESTRenewal row is needed: that model
names the certificate presented, and here none is.
"""

import base64
import binascii
from dataclasses import dataclass
from datetime import timedelta

from cryptography import x509
from django.conf import settings

from naccs.audit.services import record
from naccs.terminals.models import Certificate

from .acquisition import AcquisitionRefused, acquire_anonymously, certify
from .est import REFUSED, ESTRefused, parse_csr, public_key_digest, requested_terminal_name
from .forms import typed_terminal_name

VIA = "EST simpleenroll（認証コード）"
CODE_SEPARATOR = "-"
CREDENTIALS_NEEDED = (
    "論理端末名と認証コードを HTTP Basic 認証で送ってください（ユーザー名に論理端末名、パスワードに認証コード1〜3を"
    f"「{CODE_SEPARATOR}」でつないだもの。例: 11110A / CODE1{CODE_SEPARATOR}CODE2{CODE_SEPARATOR}CODE3）。"
)
NOT_THROUGH_PROXY = "HTTPS で NACCSサポートシステムに接続してください（認証コードは TLS の中でのみ受け付けます）。"
# What each refusal of 取得 (AcquisitionRefused.why) is in HTTP: wrong codes ask for credentials again (401 with
# WWW-Authenticate), a limit reached is "later" (429, which EST clients retry), the rest is "not allowed" (403).
STATUS_OF = {"wrong codes": 401, "replaced code": 401, "throttled": 429}


class Unauthenticated(ESTRefused):
    """401: the view adds WWW-Authenticate: Basic."""

    def __init__(self, reason: str):
        super().__init__(401, reason)


@dataclass(frozen=True)
class Credentials:
    terminal_name: str
    auth_codes: tuple[str, ...]


def basic_credentials(authorization: str) -> Credentials:
    """The terminal's name and 認証コード from an `Authorization: Basic …` header (RFC 7617, UTF-8)."""
    scheme, _, encoded = authorization.strip().partition(" ")
    if scheme.lower() != "basic":
        raise Unauthenticated(CREDENTIALS_NEEDED)
    try:
        user, colon, password = base64.b64decode(encoded.strip(), validate=True).decode("utf-8").partition(":")
    except (binascii.Error, UnicodeDecodeError):
        raise Unauthenticated(CREDENTIALS_NEEDED) from None
    if not colon or not user:
        raise Unauthenticated(CREDENTIALS_NEEDED)
    # A password of another shape is wrong codes like any other: counted, never told apart.
    codes = tuple(password.split(CODE_SEPARATOR))
    if len(codes) != 3:
        codes = ("", "", "")
    return Credentials(terminal_name=typed_terminal_name(user)[:64], auth_codes=codes)


def enroll(*, authorization: str, through_proxy: bool, csr_body: bytes, client_address: str) -> x509.Certificate:
    """simpleenroll: the certificate for the key of the request, for the terminal of the credentials. Every refusal
    is recorded."""
    try:
        return _enroll(authorization, through_proxy, csr_body, client_address=client_address)
    except ESTRefused as refusal:
        record(action=REFUSED, actor_label=client_address, status=refusal.status, why=str(refusal), via=VIA)
        raise


def _enroll(authorization: str, through_proxy: bool, csr_body: bytes, *, client_address: str) -> x509.Certificate:
    if not through_proxy:
        # Checked before the credentials are read: codes sent outside TLS are never checked, so never useful.
        raise ESTRefused(403, NOT_THROUGH_PROXY)
    credentials = basic_credentials(authorization)
    csr = parse_csr(csr_body)
    if requested_terminal_name(csr) != credentials.terminal_name:
        raise ESTRefused(
            403,
            f"認証コードは論理端末{credentials.terminal_name}のものです。証明書署名要求の論理端末名"
            f"（CN={requested_terminal_name(csr) or 'なし'}）の証明書は取得できません。",
        )
    public_key = csr.public_key()
    try:
        _, certificate = acquire_anonymously(
            terminal_name=credentials.terminal_name,
            auth_codes=credentials.auth_codes,
            client_address=client_address,
            issue_with=lambda codes: certify(
                {"name": credentials.terminal_name, "is_active": True}, public_key=public_key, auth_codes=codes,
                actor_label=client_address, via=VIA,
                answered_before=lambda terminal, unrevoked, now: answered_before(
                    terminal, unrevoked, public_key=public_key, client_address=client_address, now=now
                ),
            ),
        )  # fmt: skip
    except AcquisitionRefused as refusal:
        status = STATUS_OF.get(refusal.why, 403)
        raise (Unauthenticated(str(refusal)) if status == 401 else ESTRefused(status, str(refusal))) from None
    return certificate


def answered_before(terminal, unrevoked, *, public_key, client_address: str, now):
    """The certificate already issued to the terminal for this very key within EST_RETRY_MINUTES and still unrevoked:
    its answer was lost, and this is the request again (only the key's holder can sign it). Answered again with the
    same certificate (public), never a second one."""
    digest = public_key_digest(public_key)
    recent = Certificate.objects.filter(
        pk__in=[certificate.pk for certificate in unrevoked],
        issued_at__gte=now - timedelta(minutes=settings.EST_RETRY_MINUTES),
    )
    for row in recent:
        certificate = x509.load_pem_x509_certificate(row.pem.encode())
        if public_key_digest(certificate.public_key()) == digest:
            record(
                action="est.answered_again", actor_label=client_address, company=terminal.company, obj=row,
                terminal=terminal.name, via=VIA,
            )  # fmt: skip
            return row, certificate
    return None
