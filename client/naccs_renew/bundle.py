"""The terminal's PKCS#12 file: reading it, the new key and its request, checking the answer, writing the new file."""

from __future__ import annotations

import base64
import binascii
import shutil
import tempfile
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path

from cryptography import x509
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from cryptography.hazmat.primitives.serialization import pkcs7, pkcs12
from cryptography.x509.oid import NameOID

from .timing import replace_file

CLOCK_SKEW = timedelta(hours=1)


class BundleError(Exception):
    """The file cannot be used: unreadable, wrong password, or no key and certificate in it."""


class AnswerRejected(Exception):
    """The portal's answer is not a certificate this client may install (nothing is written)."""


@dataclass
class Bundle:
    key: object
    certificate: x509.Certificate
    cas: list

    @property
    def terminal_name(self) -> str:
        return common_name(self.certificate.subject)

    @property
    def not_after(self) -> datetime:
        return self.certificate.not_valid_after_utc

    @property
    def der(self) -> bytes:
        return self.certificate.public_bytes(serialization.Encoding.DER)

    @property
    def serial(self) -> str:
        return f"{self.certificate.serial_number:x}"

    def issuer_certificate(self) -> x509.Certificate | None:
        return next((ca for ca in self.cas if issued_by(self.certificate, ca)), None)


def common_name(name: x509.Name) -> str:
    values = name.get_attributes_for_oid(NameOID.COMMON_NAME)
    return str(values[0].value) if values else ""


def issued_by(certificate: x509.Certificate, ca: x509.Certificate) -> bool:
    try:
        certificate.verify_directly_issued_by(ca)
    except (ValueError, TypeError, InvalidSignature):
        return False
    return True


def read_bundle(path: Path, password: str) -> Bundle:
    try:
        data = path.read_bytes()
    except OSError as error:
        raise BundleError(f"{path}: {error.strerror or error}") from None
    try:
        key, certificate, cas = pkcs12.load_key_and_certificates(data, password.encode("utf-8"))
    except ValueError:
        raise BundleError(
            f"{path}: PKCS#12 として読めないか、パスワードが違います / not a PKCS#12 or wrong password"
        ) from None
    if key is None or certificate is None:
        raise BundleError(f"{path}: 鍵と証明書がありません / holds no key and certificate")
    return Bundle(key=key, certificate=certificate, cas=list(cas))


def new_key(key_type: str):
    if key_type == "ec":
        return ec.generate_private_key(ec.SECP256R1())
    return rsa.generate_private_key(public_exponent=65537, key_size=2048)


def signing_request(key, terminal_name: str) -> bytes:
    """The PKCS#10 for `simplereenroll`: the terminal's name as CN (the portal sets everything else), signed with
    SHA-256 by the new key; base64 DER, as RFC 7030 sends it."""
    csr = (
        x509.CertificateSigningRequestBuilder()
        .subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, terminal_name)]))
        .sign(key, hashes.SHA256())
    )
    return base64.encodebytes(csr.public_bytes(serialization.Encoding.DER))


def read_certs_only(body: bytes) -> list:
    """The certificates of a certs-only PKCS#7 as EST answers (base64 DER; RFC 7030 §4.1.3, §4.2.3)."""
    try:
        return pkcs7.load_der_pkcs7_certificates(base64.b64decode(body, validate=False))
    except (ValueError, binascii.Error):
        raise AnswerRejected("証明書（PKCS#7）として読めない応答です / the answer is not a certs-only PKCS#7") from None


def checked_certificate(answer: list, *, key, terminal_name: str, cas: list, now: datetime):
    """The certificate of `answer` for `key`, checked before anything is written: its public key is the new key's,
    it names this terminal, it is valid now, and a CA of /cacerts issued it. Returns it with that CA."""
    public = key.public_key()
    certificate = next((cert for cert in answer if cert.public_key() == public), None)
    if certificate is None:
        raise AnswerRejected("新しい証明書が新しい鍵と一致しません / the new certificate does not match the new key")
    if common_name(certificate.subject) != terminal_name:
        raise AnswerRejected(
            f"新しい証明書の論理端末名が違います（{common_name(certificate.subject)}）"
            f" / the new certificate names another terminal"
        )
    # The portal's clock starts the new certificate; a terminal's clock a little behind it must not reject it.
    if not certificate.not_valid_before_utc - CLOCK_SKEW <= now < certificate.not_valid_after_utc:
        raise AnswerRejected("新しい証明書の有効期間が現在を含みません / the new certificate is not valid now")
    issuer = next((ca for ca in cas if issued_by(certificate, ca)), None)
    if issuer is None:
        raise AnswerRejected(
            "新しい証明書は /cacerts のどの認証局の発行でもありません / no CA from /cacerts issued the new certificate"
        )
    return certificate, issuer


def trust_anchors(cas: list) -> list:
    """The CA certificates of /cacerts a terminal keeps trusting: each generation's own, self-signed certificate,
    without the rollover certificates between two generations (RFC 7030 §4.1.3, NewWithOld and OldWithNew). /cacerts
    came over TLS verified against the CAs the terminal already trusted, so what it lists is the portal's word."""
    return [ca for ca in cas if ca.subject == ca.issuer and issued_by(ca, ca)]


def pkcs12_bytes(*, key, certificate, ca, terminal_name: str, password: str, others: list = ()) -> bytes:
    """The new file as 取得 gives it: the key and certificate with the issuing CA, then the other CA generations the
    portal still uses (`others`: during a rollover, the portal's TLS certificate is the older generation's, so the
    next renewal must still trust it), under the password."""
    return pkcs12.serialize_key_and_certificates(
        name=terminal_name.encode("utf-8"),
        key=key,
        cert=certificate,
        cas=[ca, *(other for other in others if other != ca)],
        encryption_algorithm=serialization.BestAvailableEncryption(password.encode("utf-8")),
    )


def write_bundle(path: Path, content: bytes) -> Path:
    """The new PKCS#12 written atomically over `path`; the file it replaces is kept as FILE.prev (copied first, so
    that FILE exists at every moment). Returns the path of FILE.prev."""
    previous = path.with_name(path.name + ".prev")
    staged = path.with_name(f".{path.name}.prev.tmp")
    shutil.copy2(path, staged)
    staged.replace(previous)
    replace_file(path, content, mode_from=path)
    return previous


def save_aside(path: Path, content: bytes) -> Path:
    """Where the new file goes when `path` cannot be written (locked, read-only): the renewal has already superseded
    the old certificate, so the new key must not be lost. FILE.new, or else the temporary folder."""
    for aside in (path.with_name(path.name + ".new"), Path(tempfile.gettempdir()) / (path.name + ".new")):
        try:
            replace_file(aside, content)
        except OSError:
            continue
        return aside
    raise OSError(f"{path.name}.new を保存できません / cannot save {path.name}.new")
