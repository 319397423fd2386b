"""EST (RFC 7030): a terminal renews with nothing but its current certificate, over mutual TLS.

`cacerts`, `simplereenroll` (the terminal's own new key), `serverkeygen` (a key made here, for terminal software that
cannot make keys) and `csrattrs`. A renewal follows the rules of 取得 through the same code
(`acquisition.renew_locked_terminal`): inside the renewal window only, one valid certificate per terminal (the one
presented is superseded in the same transaction, so presenting it again is refused), the audit event, and the CRL and
OCSP answer from the same rows.

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
from dataclasses import dataclass

from cryptography import x509
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.serialization import pkcs7
from cryptography.x509.oid import AttributeOID, NameOID
from django.db import transaction
from django.utils import timezone

from naccs.audit.services import record
from naccs.terminals.models import Certificate
from naccs.terminals.renewal import in_renewal_window

from . import ca
from .acquisition import Acquired, AcquisitionRefused, check_renewal_window, pkcs12_file, renew_locked_terminal
from .forms import MIN_PASSWORD_LENGTH
from .issuance import lock_terminal, lock_unrevoked_certificates, new_terminal_key

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
    return certs_only([ca.get_authority().certificate])


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
    """The PKCS#10 of a request: base64 DER as RFC 7030 sends it (PEM accepted too), its own signature checked (the
    client holds the key it names)."""
    body = body[:MAX_REQUEST_BYTES].strip()
    try:
        if body.startswith(b"-----BEGIN"):
            csr = x509.load_pem_x509_csr(body)
        else:
            csr = x509.load_der_x509_csr(base64.b64decode(body, validate=False))
    except (ValueError, binascii.Error):
        raise ESTRefused(400, "証明書署名要求（PKCS#10）を読み取れません。") from None
    if not csr.is_signature_valid:
        raise ESTRefused(400, "証明書署名要求（PKCS#10）の署名が正しくありません。")
    return csr


def challenge_password(csr: x509.CertificateSigningRequest) -> str:
    try:
        value = csr.attributes.get_attribute_for_oid(AttributeOID.CHALLENGE_PASSWORD).value
    except x509.AttributeNotFound:
        value = b""
    password = value.decode("utf-8", "replace") if isinstance(value, bytes) else str(value)
    if len(password) < MIN_PASSWORD_LENGTH:
        raise ESTRefused(
            400,
            f"serverkeygen では、鍵を暗号化するパスワード（{MIN_PASSWORD_LENGTH}文字以上）を"
            "証明書署名要求の challengePassword 属性に入れてください。",
        )
    return password


def presented_certificate_row(presented: x509.Certificate | None) -> Certificate:
    """The row of the certificate the client authenticated with: ours, and issued to one of our terminals."""
    if presented is None:
        raise ESTRefused(401, NO_CERTIFICATE)
    try:
        presented.verify_directly_issued_by(ca.get_authority().certificate)
    except (ValueError, TypeError, InvalidSignature):
        raise ESTRefused(403, NOT_OURS) from None
    row = Certificate.objects.filter(serial=f"{presented.serial_number:x}").select_related("terminal").first()
    if row is None or x509.load_pem_x509_certificate(row.pem.encode()) != presented:
        raise ESTRefused(403, NOT_OURS)
    return row


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
    key = None
    if server_keygen:
        password = challenge_password(csr)
        key = new_terminal_key()  # made before any lock is taken, as at 取得
        public_key = key.public_key()
    else:
        public_key = csr.public_key()
        if public_key == presented.public_key():
            raise ESTRefused(
                400, "現在の証明書と同じ鍵では更新できません。新しい鍵で証明書署名要求を作成してください。"
            )
    via = "EST serverkeygen" if server_keygen else "EST simplereenroll"
    issued, certificate = renew_presented(row, public_key=public_key, client_address=client_address, via=via)
    encrypted_key = b""
    if key is not None:
        encrypted_key = key.private_bytes(
            serialization.Encoding.DER,
            serialization.PrivateFormat.PKCS8,
            serialization.BestAvailableEncryption(password.encode()),
        )
    return Renewed(certificate=issued, x509=certificate, encrypted_key=encrypted_key)


def renew_presented(row: Certificate, *, public_key, client_address: str, via: str):
    """The new certificate for the terminal of the presented certificate `row`: only while that certificate is the
    terminal's, unrevoked, and inside its renewal window, checked under the terminal's row lock."""
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
            reason = Certificate.objects.values_list("revocation_reason", flat=True).get(pk=row.pk)
            raise ESTRefused(403, SUPERSEDED if reason == Certificate.RevocationReason.SUPERSEDED else REVOKED)
        try:
            check_renewal_window([current], now)
        except AcquisitionRefused as refusal:
            raise ESTRefused(403, str(refusal)) from None
        return renew_locked_terminal(
            terminal, unrevoked, public_key=public_key, authority=authority, now=now, actor_label=client_address,
            via=via,
        )  # fmt: skip


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
