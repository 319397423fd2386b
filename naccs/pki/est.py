"""EST (RFC 7030): a terminal renews with nothing but its current certificate, over mutual TLS.

`cacerts`, `simplereenroll` (the terminal's own new key), `serverkeygen` (a key made here, for terminal software that
cannot make keys) and `csrattrs`. A renewal follows the rules of 取得 through the same code
(`acquisition.renew_locked_terminal`): inside the renewal window only, one valid certificate per terminal (the one
presented is superseded in the same transaction, so presenting it again is refused, except for the same request sent
again shortly after: `previous_renewal`), the audit event, and the CRL and OCSP answer from the same rows. The key to
certify must be within `key_policy`.

serverkeygen answers as RFC 7030 §4.4.2 says, multipart/mixed with the private key as `application/pkcs8` and the
certificate as certs-only PKCS#7; the key is an *encrypted* PKCS#8 (PBES2: PBKDF2-SHA256, AES-256-CBC) under the
password the terminal puts in its request's challengePassword attribute. Why: the RFC's other option, CMS
EnvelopedData to a key of the client, needs an RSA key-transport key the client already holds and a CMS decryptor on
the terminal; a password-encrypted PKCS#8 opens with `openssl pkcs8` or any PKCS#8 library, stays encrypted in any
log, cache or file it passes through after TLS, and the password is inside the signed request, never in a URL. The
key is never stored here, as at 取得.
"""

import base64
import binascii
import hashlib
from dataclasses import dataclass
from datetime import timedelta

from asn1crypto import csr as asn1_csr
from cryptography import x509
from cryptography.exceptions import InvalidSignature, UnsupportedAlgorithm
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.serialization import pkcs7
from cryptography.x509.oid import NameOID
from django.conf import settings
from django.db import transaction
from django.utils import timezone

from naccs.audit.services import record
from naccs.terminals.models import Certificate
from naccs.terminals.renewal import in_renewal_window

from . import ca, generations, rollover
from .acquisition import Acquired, AcquisitionRefused, check_renewal_window, pkcs12_file, renew_locked_terminal
from .forms import MAX_PASSWORD_LENGTH, MIN_PASSWORD_LENGTH
from .issuance import issue_for_locked_terminal, lock_terminal, lock_unrevoked_certificates, new_terminal_key
from .key_policy import KeyRefused, requested_public_key
from .models import ESTRenewal

MAX_REQUEST_BYTES = 16_384
REFUSED = "est.refused"

NO_CERTIFICATE = "クライアント証明書がありません。現在のデジタル証明書を提示して接続してください。"
NOT_OURS = "NACCSサポートシステムの認証局が発行した証明書ではありません。"
SUPERSEDED = "この証明書は新しい証明書の発行により失効しています（更新済み）。新しい証明書を提示して接続してください。"
REVOKED = "この証明書は失効しています。メニューの「デジタル証明書の再発行」から再発行の申込を行ってください。"


class ESTRefused(Exception):
    """An EST request refused: the HTTP status and the plain-text reason (RFC 7030 §4.2.3)."""

    def __init__(self, status: int, reason: str):
        super().__init__(reason)
        self.status = status


@dataclass(frozen=True)
class Renewed:
    certificate: Certificate
    x509: x509.Certificate
    encrypted_key: bytes = b""  # serverkeygen only: the new key as encrypted PKCS#8 (DER)


def certs_only(certificates: list[x509.Certificate]) -> bytes:
    """A certs-only PKCS#7 (CMC Simple PKI Response), base64 as RFC 7030 sends it."""
    return base64.encodebytes(pkcs7.serialize_certificates(certificates, serialization.Encoding.DER))


def ca_certs() -> bytes:
    """/cacerts: every generation a client needs, with the rollover certificates (RFC 7030 §4.1.3)."""
    return certs_only(rollover.trust_bundle(generations.for_clients()))


def _der_oid(dotted: str) -> bytes:
    first, second, *rest = (int(arc) for arc in dotted.split("."))
    body = bytearray([40 * first + second])
    for arc in rest:
        chunk = [arc & 0x7F]
        while arc > 0x7F:
            arc >>= 7
            chunk.append(0x80 | (arc & 0x7F))
        body += bytes(reversed(chunk))
    return bytes([0x06, len(body)]) + bytes(body)


# What a request should carry (RFC 7030 §4.5.2, CsrAttrs = SEQUENCE OF OBJECT IDENTIFIER here): challengePassword
# (serverkeygen's key password) and a SHA-256 signature; the key type follows TERMINAL_KEY_TYPE.
CSR_ATTRIBUTE_OIDS = {
    "rsa": ["1.2.840.113549.1.9.7", "1.2.840.113549.1.1.1", "1.2.840.113549.1.1.11"],
    "ec": ["1.2.840.113549.1.9.7", "1.2.840.10045.2.1", "1.2.840.10045.4.3.2"],
}


def csr_attributes(key_type: str) -> bytes:
    content = b"".join(_der_oid(oid) for oid in CSR_ATTRIBUTE_OIDS[key_type])
    return base64.encodebytes(bytes([0x30, len(content)]) + content)


def parse_csr(body: bytes) -> x509.CertificateSigningRequest:
    """The PKCS#10 of a request: base64 DER as RFC 7030 sends it (PEM accepted too), a key within the key policy
    (`key_policy`), its own signature checked (the client holds the key it names)."""
    body = body[:MAX_REQUEST_BYTES].strip()
    try:
        if body.startswith(b"-----BEGIN"):
            csr = x509.load_pem_x509_csr(body)
        else:
            csr = x509.load_der_x509_csr(base64.b64decode(body, validate=False))
    except (ValueError, binascii.Error):
        raise ESTRefused(400, "証明書署名要求（PKCS#10）を読み取れません。") from None
    try:
        # Before the signature: a key on a curve cryptography does not know cannot even be checked.
        requested_public_key(csr)
    except KeyRefused as refusal:
        raise ESTRefused(400, str(refusal)) from None
    try:
        valid = csr.is_signature_valid
    except (UnsupportedAlgorithm, ValueError):
        valid = False
    if not valid:
        raise ESTRefused(400, "証明書署名要求（PKCS#10）の署名が正しくありません。")
    return csr


PASSWORD_NEEDED = (
    f"serverkeygen では、鍵を暗号化するパスワード（{MIN_PASSWORD_LENGTH}文字以上{MAX_PASSWORD_LENGTH}文字以内）を"
    "証明書署名要求の challengePassword 属性に入れてください。"
)


def challenge_password(csr: x509.CertificateSigningRequest) -> str:
    """serverkeygen's key password: the request's challengePassword, a DirectoryString (RFC 2985 §5.4.1) decoded by
    its own type (UTF8String, PrintableString, BMPString as UTF-16, …), so that the key is encrypted under the
    password the terminal typed. Checked here, before anything is issued."""
    try:
        request = asn1_csr.CertificationRequest.load(csr.public_bytes(serialization.Encoding.DER))
        values = [
            value.native
            for attribute in request["certification_request_info"]["attributes"]
            if attribute["type"].native == "challenge_password"
            for value in attribute["values"]
        ]
    except (ValueError, TypeError, KeyError):
        raise ESTRefused(400, "証明書署名要求の challengePassword 属性を読み取れません。" + PASSWORD_NEEDED) from None
    if len(values) != 1:
        raise ESTRefused(400, PASSWORD_NEEDED)
    password = values[0]
    if not MIN_PASSWORD_LENGTH <= len(password) <= MAX_PASSWORD_LENGTH or not password.isprintable():
        raise ESTRefused(400, PASSWORD_NEEDED)
    return password


def encrypted_key(key, password: str) -> bytes:
    """The key as encrypted PKCS#8 (DER) under the password's UTF-8 bytes."""
    return key.private_bytes(
        serialization.Encoding.DER,
        serialization.PrivateFormat.PKCS8,
        serialization.BestAvailableEncryption(password.encode()),
    )


def presented_certificate_row(presented: x509.Certificate | None) -> Certificate:
    """The row of the certificate the client authenticated with: ours, issued by a generation still trusted
    (naccs.pki.generations.trusted), and to one of our terminals. It is renewed into the issuing generation."""
    if presented is None:
        raise ESTRefused(401, NO_CERTIFICATE)
    issuer = next((g for g in generations.trusted() if is_issued_by(presented, g)), None)
    if issuer is None:
        raise ESTRefused(403, NOT_OURS)
    row = Certificate.objects.filter(serial=f"{presented.serial_number:x}").select_related("terminal").first()
    if (
        row is None
        or row.ca_generation != issuer.number
        or (x509.load_pem_x509_certificate(row.pem.encode()) != presented)
    ):
        raise ESTRefused(403, NOT_OURS)
    return row


def is_issued_by(certificate: x509.Certificate, generation) -> bool:
    try:
        certificate.verify_directly_issued_by(generations.certificate_of(generation))
    except (ValueError, TypeError, InvalidSignature):
        return False
    return True


def requested_terminal_name(csr: x509.CertificateSigningRequest) -> str:
    names = csr.subject.get_attributes_for_oid(NameOID.COMMON_NAME)
    return str(names[0].value) if names else ""


def renew(*, presented: x509.Certificate | None, csr_body: bytes, client_address: str, server_keygen=False) -> Renewed:
    """simplereenroll (the CSR's key) or serverkeygen (a new key made here): a new certificate for the terminal of
    the presented certificate. Every refusal is recorded."""
    try:
        return _renew(presented, csr_body, client_address=client_address, server_keygen=server_keygen)
    except ESTRefused as refusal:
        record(action=REFUSED, actor_label=client_address, status=refusal.status, why=str(refusal))
        raise


@dataclass(frozen=True)
class Request:
    """What identifies an EST request when it comes again: the digest of the PKCS#10 and of the key to certify."""

    request_sha256: str
    public_key_sha256: str
    server_keygen: bool


def public_key_digest(public_key) -> str:
    der = public_key.public_bytes(serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo)
    return hashlib.sha256(der).hexdigest()


def _renew(presented, csr_body, *, client_address, server_keygen) -> Renewed:
    row = presented_certificate_row(presented)
    csr = parse_csr(csr_body)
    terminal_name = row.terminal.name
    if requested_terminal_name(csr) != terminal_name:
        raise ESTRefused(
            403,
            f"提示された証明書は論理端末{terminal_name}のものです。"
            f"証明書署名要求の論理端末名（CN={requested_terminal_name(csr) or 'なし'}）の証明書は更新できません。",
        )
    encrypted = b""
    if server_keygen:
        # Everything that can fail with the key is done before the renewal commits: a refusal after it would leave
        # the terminal with a new certificate it never got and its old one superseded.
        password = challenge_password(csr)
        key = new_terminal_key()  # made before any lock is taken, as at 取得
        encrypted = encrypted_key(key, password)
        public_key = key.public_key()
    else:
        public_key = csr.public_key()
        if public_key == presented.public_key():
            raise ESTRefused(
                400, "現在の証明書と同じ鍵では更新できません。新しい鍵で証明書署名要求を作成してください。"
            )
    request = Request(
        request_sha256=hashlib.sha256(csr.public_bytes(serialization.Encoding.DER)).hexdigest(),
        public_key_sha256=public_key_digest(public_key),
        server_keygen=server_keygen,
    )
    via = "EST serverkeygen" if server_keygen else "EST simplereenroll"
    issued, certificate = renew_presented(
        row, public_key=public_key, client_address=client_address, via=via, request=request
    )
    return Renewed(certificate=issued, x509=certificate, encrypted_key=encrypted)


def renew_presented(row: Certificate, *, public_key, client_address: str, via: str, request: Request | None = None):
    """The new certificate for the terminal of the presented certificate `row`: only while that certificate is the
    terminal's, unrevoked, and inside its renewal window, checked under the terminal's row lock. An EST `request`
    that renewed it moments ago and comes again gets that renewal's certificate (`previous_renewal`)."""
    terminal_name = row.terminal.name
    authority = ca.get_authority()
    with transaction.atomic():
        now = timezone.now()
        terminal = lock_terminal(pk=row.terminal_id, is_active=True)
        if terminal is None:
            raise ESTRefused(403, f"論理端末{terminal_name}は利用を終了しています。")
        unrevoked = lock_unrevoked_certificates(terminal)
        current = next((certificate for certificate in unrevoked if certificate.serial == row.serial), None)
        if current is None:
            # Read again under the lock: a renewal that committed meanwhile superseded it.
            reason, revoked_at = Certificate.objects.values_list("revocation_reason", "revoked_at").get(pk=row.pk)
            if reason != Certificate.RevocationReason.SUPERSEDED:
                raise ESTRefused(403, REVOKED)
            previous = previous_renewal(row, request, revoked_at=revoked_at, unrevoked=unrevoked, now=now)
            if previous is None:
                raise ESTRefused(403, SUPERSEDED)
            return answer_again(
                previous, terminal, unrevoked, public_key=public_key, authority=authority, request=request,
                client_address=client_address, via=via, now=now,
            )  # fmt: skip
        try:
            check_renewal_window([current], now)
        except AcquisitionRefused as refusal:
            raise ESTRefused(403, str(refusal)) from None
        issued, certificate = renew_locked_terminal(
            terminal, unrevoked, public_key=public_key, authority=authority, now=now, actor_label=client_address,
            via=via,
        )  # fmt: skip
        if request is not None:
            remember(row, issued, request, now=now)
        return issued, certificate


def remember(presented: Certificate, issued: Certificate, request: Request, *, now) -> None:
    ESTRenewal.objects.create(
        presented=presented,
        issued=issued,
        request_sha256=request.request_sha256,
        public_key_sha256=request.public_key_sha256,
        server_keygen=request.server_keygen,
        renewed_at=now,
    )


def previous_renewal(row: Certificate, request: Request | None, *, revoked_at, unrevoked, now) -> ESTRenewal | None:
    """The renewal that superseded `row`, when `request` is the same one again: the same PKCS#10, or for
    simplereenroll the same key (a client may sign its request anew), within EST_RETRY_MINUTES of that renewal, and
    its certificate still the terminal's current one. Read from the database, so a retry reaching another host is
    answered the same."""
    if request is None or revoked_at < now - timedelta(minutes=settings.EST_RETRY_MINUTES):
        return None
    renewals = ESTRenewal.objects.filter(
        presented=row, server_keygen=request.server_keygen, issued__in=[certificate.pk for certificate in unrevoked]
    ).select_related("issued")
    for renewal in renewals:
        if renewal.request_sha256 == request.request_sha256 or (
            not request.server_keygen and renewal.public_key_sha256 == request.public_key_sha256
        ):
            return renewal
    return None


def answer_again(
    previous: ESTRenewal, terminal, unrevoked, *, public_key, authority, request, client_address, via, now
):
    """The answer to a request that came again. simplereenroll: the certificate already issued (public; only the
    terminal holds its key). serverkeygen: the key of the lost answer was never kept, so a new key and certificate,
    the one of the lost answer superseded; the terminal is never left without a key it has."""
    if not request.server_keygen:
        record(
            action="est.answered_again", actor_label=client_address, company=terminal.company, obj=previous.issued,
            terminal=terminal.name, via=via,
        )  # fmt: skip
        return previous.issued, x509.load_pem_x509_certificate(previous.issued.pem.encode())
    issued, certificate = issue_for_locked_terminal(
        terminal, public_key=public_key, authority=authority, superseded=unrevoked, actor_label=client_address,
        via=f"{via}（再送）",
    )  # fmt: skip
    remember(previous.presented, issued, request, now=now)
    return issued, certificate


def renewal_offer(presented: x509.Certificate | None) -> Certificate | None:
    """The 取得 page offers 「更新する」 for this certificate: the client presented it, it is ours and the terminal's
    current one, unrevoked, and inside its renewal window (checked again under the lock when the user renews)."""
    if presented is None:
        return None
    try:
        row = presented_certificate_row(presented)
    except ESTRefused:
        return None
    if row.revoked_at is not None or not row.terminal.is_active:
        return None
    return row if in_renewal_window(row.not_after, timezone.now()) else None


def renew_in_browser(*, presented: x509.Certificate | None, password: str, client_address: str) -> Acquired:
    """「更新する」 on the 取得 page: a key made here and the new certificate, as the PKCS#12 of 取得."""
    try:
        row = presented_certificate_row(presented)
        key = new_terminal_key()
        issued, certificate = renew_presented(
            row, public_key=key.public_key(), client_address=client_address, via="取得（現在の証明書で更新）"
        )
    except ESTRefused as refusal:
        record(action=REFUSED, actor_label=client_address, status=refusal.status, why=str(refusal))
        raise
    bundle = pkcs12_file(row.terminal.name, key, certificate, ca.get_authority(), password)
    return Acquired(certificate=issued, pkcs12=bundle)
