"""The delegated OCSP responder (RFC 6960 §4.2.2.2): the key that signs OCSP answers instead of the CA's.

The revocation responder is the most exposed process we run (every TLS handshake that checks one of our certificates
reaches it), so it never opens the CA key: it signs with a key of its own, certified by our CA for a few days
(`VALIDITY`) with id-kp-OCSPSigning and id-pkix-ocsp-nocheck. The worker issues the next one `RENEW_BEFORE` its
expiry (`ensure_current`, every minute with the other revocation data); every host reads the newest from the
database (`OCSPResponderKey`), its key encrypted under a key derived from SECRET_KEY. A stolen responder key signs
OCSP answers for at most those few days, and nothing else: no certificate, no CRL.

Each CA generation that publishes revocation data has its own responder, certified by that generation, so that an
answer about a certificate verifies against its own generation's CA certificate alone (`openssl ocsp -CAfile`).
A request is answered by the responder of the generation its CertID names (issuer name and key hashes).
"""

import datetime
import time
from dataclasses import dataclass
from functools import cache

from cryptography import x509
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.serialization import pkcs12
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID
from django.conf import settings
from django.utils import timezone
from django.utils.crypto import salted_hmac

from . import ca, generations
from .models import OCSPResponderKey
from .ocsp_request import CertID, names_issuer

VALIDITY = datetime.timedelta(days=4)  # "a short life such as a few days" (issue 25); nocheck makes it unrevokable
RENEW_BEFORE = datetime.timedelta(days=2)  # the worker has two days of retries before answers would stop
CHECK_SECONDS = 60.0  # how long a process keeps using the responder it read before looking for a newer one
RESPONSE_VALIDITY = datetime.timedelta(hours=4)  # nextUpdate - thisUpdate of every answer (ocsp uses it too)


class NoResponder(Exception):
    """No usable responder certificate in the database (the worker has not issued one yet)."""


@dataclass(frozen=True)
class Responder:
    """What an OCSP answer needs: the CA it answers for (`issuer`), and the delegated certificate and key that sign.
    `sign`, `sign_data` and `signature_algorithm` as `ca.CertificateAuthority` has them."""

    issuer: x509.Certificate
    signer: ca.CertificateAuthority
    not_after: datetime.datetime
    generation: int = 1

    @property
    def certificate(self) -> x509.Certificate:
        return self.signer.certificate

    def sign(self, builder):
        return self.signer.sign(builder)

    def sign_data(self, data: bytes) -> bytes:
        return self.signer.sign_data(data)

    @property
    def signature_algorithm(self) -> str:
        return self.signer.signature_algorithm


def key_password() -> bytes:
    # Derived, so that the responder key is never under SECRET_KEY itself, and SECRET_KEY never leaves the settings.
    return salted_hmac("naccs.pki.ocsp_signer", "responder key", secret=settings.SECRET_KEY).hexdigest().encode()


def issuer_key_hash(certificate: x509.Certificate) -> bytes:
    """SHA-1 of the CA's public key bits: what a CertID and our stored OCSP answers name it by."""
    return x509.SubjectKeyIdentifier.from_public_key(certificate.public_key()).digest


def issue(authority: ca.CertificateAuthority, now=None, generation: int = 1) -> OCSPResponderKey:
    """A new responder key and its certificate from the CA (of `generation`), stored."""
    now = (now or timezone.now()).replace(microsecond=0)
    key = ec.generate_private_key(ec.SECP256R1())
    public_key = key.public_key()
    builder = (
        x509.CertificateBuilder()
        .subject_name(
            x509.Name(
                [
                    x509.NameAttribute(NameOID.COUNTRY_NAME, "JP"),
                    x509.NameAttribute(NameOID.ORGANIZATION_NAME, "NACCS Support System"),
                    x509.NameAttribute(NameOID.COMMON_NAME, "NACCS Support OCSP Responder"),
                ]
            )
        )
        .issuer_name(authority.certificate.subject)
        .public_key(public_key)
        .serial_number(x509.random_serial_number())
        .not_valid_before(now)
        .not_valid_after(now + VALIDITY)
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(ca.key_usage(), critical=True)
        .add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.OCSP_SIGNING]), critical=False)
        # RFC 6960 §4.2.2.2.1: clients need not check this certificate's revocation (its short life bounds it).
        .add_extension(x509.OCSPNoCheck(), critical=False)
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(public_key), critical=False)
        .add_extension(x509.AuthorityKeyIdentifier.from_issuer_public_key(authority.public_key), critical=False)
    )
    certificate = authority.sign(builder)
    encryption = serialization.BestAvailableEncryption(key_password())
    return OCSPResponderKey.objects.create(
        issuer_key_hash=issuer_key_hash(authority.certificate),
        generation=generation,
        issuer_pem=authority.certificate.public_bytes(serialization.Encoding.PEM).decode(),
        certificate_pem=certificate.public_bytes(serialization.Encoding.PEM).decode(),
        key_pkcs12=pkcs12.serialize_key_and_certificates(b"NACCS OCSP responder", key, certificate, None, encryption),
        not_before=now,
        not_after=now + VALIDITY,
    )


@cache
def _opened(pk: int, generation: int, issuer_pem: str, key_pkcs12: bytes) -> Responder:
    key, certificate, _others = pkcs12.load_key_and_certificates(key_pkcs12, key_password())
    return Responder(
        issuer=x509.load_pem_x509_certificate(issuer_pem.encode()),
        signer=ca.CertificateAuthority(certificate, key),
        not_after=certificate.not_valid_after_utc,
        generation=generation,
    )


def usable(now, issuer: x509.Certificate | None = None):
    """The responder certificates that may still sign: an answer signed now must not outlive its signer."""
    rows = OCSPResponderKey.objects.filter(not_after__gt=now + RESPONSE_VALIDITY)
    return rows.filter(issuer_key_hash=issuer_key_hash(issuer)) if issuer is not None else rows


def open_row(row: OCSPResponderKey) -> Responder:
    return _opened(row.pk, row.generation, row.issuer_pem, bytes(row.key_pkcs12))


_newest: dict[str, tuple[float, list[Responder]]] = {}


def newest(now=None) -> list[Responder]:
    """The newest usable responder of each generation, as the revocation responder reads them: from the database
    only, never a CA key. Kept for CHECK_SECONDS per process (they stay valid for days; a renewal is seen within
    that time)."""
    now = now or timezone.now()
    kept = _newest.get("responders")
    if kept is not None and kept[0] > time.monotonic() and all(r.not_after > now + RESPONSE_VALIDITY for r in kept[1]):
        return kept[1]
    responders, seen = [], set()
    for row in usable(now).order_by("-generation", "-not_before", "-pk"):
        if row.generation not in seen:
            seen.add(row.generation)
            responders.append(open_row(row))
    _newest["responders"] = (time.monotonic() + CHECK_SECONDS, responders)
    return responders


def current(now=None) -> Responder:
    """The newest generation's responder (the revocation responder opens it at start)."""
    responders = newest(now)
    if not responders:
        raise NoResponder("no OCSP responder certificate: the worker (refresh_revocation_data) issues one")
    return responders[0]


def ensure_current(now=None, generation=None) -> Responder:
    """The worker's part (and the portal's, which holds the CA keys anyway): a generation's newest responder (the
    issuing generation's by default), a new one issued first when there is none or it expires within RENEW_BEFORE."""
    now = now or timezone.now()
    generation = generation or generations.issuing()
    authority = ca.authority_of(generation)
    row = usable(now, authority.certificate).first()
    if row is None or row.not_after <= now + RENEW_BEFORE:
        row = issue(authority, now, generation.number)
        forget()
    OCSPResponderKey.objects.filter(not_after__lte=now).delete()  # nothing they signed is still valid either
    return open_row(row)


def named_generation(cert_id: CertID | None):
    """The generation that publishes revocation data and that the CertID names, or None."""
    if cert_id is None:
        return None
    named = (g for g in generations.publishing_revocations() if names_issuer(cert_id, generations.certificate_of(g)))
    return next(named, None)


def for_answers(*, may_issue: bool, cert_id: CertID | None = None) -> Responder:
    """The responder that signs an answer to a request whose first CertID is `cert_id`: its generation's. A CertID
    that names none of our generations is answered unknown, by the newest responder. `may_issue` (the portal and the
    worker, which hold the CA keys anyway): a missing responder is issued. The revocation responder passes False: it
    never opens a CA key, and answers tryLater until the worker has issued one."""
    responders = newest()
    match = next((r for r in responders if cert_id is not None and names_issuer(cert_id, r.issuer)), None)
    if match is not None:
        return match
    generation = named_generation(cert_id)
    if generation is not None:
        # Ours, but not among the responders this process read (a generation that began meanwhile): read again.
        forget()
        responders = newest()
        match = next((r for r in responders if names_issuer(cert_id, r.issuer)), None)
        if match is not None:
            return match
    if may_issue:
        return ensure_current(generation=generation)
    if generation is None and responders:
        return responders[0]
    raise NoResponder("no OCSP responder certificate: the worker (refresh_revocation_data) issues one")


def forget() -> None:
    """Look for the newest responders at the next answer (after a renewal or a rotation in this process)."""
    _newest.clear()
