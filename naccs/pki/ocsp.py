"""An OCSP responder (RFC 6960) for the certificates of our CA: good, revoked or unknown, for every CertID asked.

Requests are read and responses assembled with asn1crypto, and signed by the delegated responder certificate that
the CA issues for a few days (`ocsp_signer`; RFC 6960 §4.2.2.2), never by the CA key itself:
`cryptography` (50) reads and builds one CertID per message only, hashed with SHA-1 or SHA-2, while clients also ask
for several certificates at once and hash with MD5 or SHA-3 (`openssl ocsp -cert a -cert b`, `-md5`, `-sha3-256`).
Anything that is not a well-formed request gets an OCSP error response, never an HTML page.
"""

import datetime
import logging
from dataclasses import dataclass
from functools import cache

from asn1crypto import core
from asn1crypto import ocsp as der_ocsp
from asn1crypto import x509 as der_x509
from cryptography import x509
from cryptography.exceptions import UnsupportedAlgorithm
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.x509 import ocsp as x509_ocsp
from cryptography.x509.oid import OCSPExtensionOID
from django.db import InterfaceError, OperationalError
from django.db.models import Q
from django.utils import timezone

from naccs.terminals.models import Certificate

from . import ocsp_signer
from .models import PreparedOCSPResponse
from .revocation import CRL_REASONS

logger = logging.getLogger(__name__)

RESPONSE_VALIDITY = ocsp_signer.RESPONSE_VALIDITY  # nextUpdate - thisUpdate of every response we sign
MAX_NONCE_LENGTH = 32  # RFC 8954 §2.1: longer nonces are refused (malformedRequest)
# asn1crypto's names of the CertID hash algorithms that `cryptography` computes.
HASHES = {
    "md5": hashes.MD5,
    "sha1": hashes.SHA1,
    "sha224": hashes.SHA224,
    "sha256": hashes.SHA256,
    "sha384": hashes.SHA384,
    "sha512": hashes.SHA512,
    "sha512_224": hashes.SHA512_224,
    "sha512_256": hashes.SHA512_256,
    "sha3_224": hashes.SHA3_224,
    "sha3_256": hashes.SHA3_256,
    "sha3_384": hashes.SHA3_384,
    "sha3_512": hashes.SHA3_512,
}
OCSP_NONCE = OCSPExtensionOID.NONCE
MALFORMED, INTERNAL_ERROR, TRY_LATER = "malformed_request", "internal_error", "try_later"


class Refused(Exception):
    """The request gets an OCSP error response (`status`, asn1crypto's name) instead of an answer."""

    def __init__(self, status: str, reason: str):
        super().__init__(reason)
        self.status = status


@dataclass(frozen=True)
class CertID:
    """One certificate asked about (RFC 6960 §4.1.1)."""

    algorithm: str  # asn1crypto's name of the hash (sha1, md5, sha3_256…), or the dotted OID of one it does not know
    name_hash: bytes
    key_hash: bytes
    serial: int
    sent: object = None  # the CertId as the client encoded it, when asn1crypto read it: echoed as it came

    def as_asn1(self):
        return self.sent or der_ocsp.CertId(
            {
                "hash_algorithm": {"algorithm": self.algorithm},
                "issuer_name_hash": self.name_hash,
                "issuer_key_hash": self.key_hash,
                "serial_number": self.serial,
            }
        )


@dataclass(frozen=True)
class Query:
    cert_ids: tuple[CertID, ...]
    nonce: bytes | None


@dataclass(frozen=True)
class Status:
    """What we say of one certificate: asn1crypto's CertStatus name, and for a revoked one when and why."""

    name: str
    revoked_at: datetime.datetime | None = None
    reason: str = ""


UNKNOWN = Status("unknown")


def parse_request(der: bytes) -> Query:
    """The CertIDs and nonce of a DER OCSPRequest; Refused(malformedRequest) for anything else.

    `cryptography` reads the common request (one CertID, SHA-1 or SHA-2) in C; asn1crypto reads the others."""
    try:
        request = x509_ocsp.load_der_ocsp_request(der)
        cert_id = CertID(request.hash_algorithm.name, request.issuer_name_hash, request.issuer_key_hash,
                         request.serial_number)  # fmt: skip
        nonces = [extension.value.nonce for extension in request.extensions if extension.oid == OCSP_NONCE]
    except (NotImplementedError, UnsupportedAlgorithm):  # several CertIDs, or a hash it does not read
        query = parse_any_request(der)
    except (ValueError, x509.DuplicateExtension) as error:
        raise Refused(MALFORMED, f"not a DER OCSPRequest ({type(error).__name__})") from None
    else:
        query = Query(cert_ids=(cert_id,), nonce=checked_nonce(nonces))
    for cert_id in query.cert_ids:
        check_cert_id(cert_id)
    return query


def parse_any_request(der: bytes) -> Query:
    try:
        request = der_ocsp.OCSPRequest.load(der, strict=True)
        # asn1crypto parses lazily and leniently: re-encoding what it read gives the same bytes only for DER (a
        # CertID that is echoed must be DER, or the client cannot read the answer).
        if request.copy().dump(force=True) != der:
            raise ValueError("not DER")
        tbs = request["tbs_request"]
        cert_ids = tuple(
            CertID(
                algorithm=sent["hash_algorithm"]["algorithm"].native,
                name_hash=sent["issuer_name_hash"].native,
                key_hash=sent["issuer_key_hash"].native,
                serial=sent["serial_number"].native,
                sent=sent,
            )
            for sent in (single["req_cert"] for single in tbs["request_list"])
        )
        extensions = tbs["request_extensions"]
        oids = [extension["extn_id"].dotted for extension in extensions]
        nonces = [
            extension["extn_value"].parsed.native for extension in extensions if extension["extn_id"].native == "nonce"
        ]
    except (ValueError, TypeError, KeyError, IndexError, OverflowError) as error:
        raise Refused(MALFORMED, f"not a DER OCSPRequest ({type(error).__name__})") from None
    if len(set(oids)) != len(oids):
        raise Refused(MALFORMED, "an extension appears twice")  # RFC 5280 §4.2
    if not cert_ids:
        raise Refused(MALFORMED, "no CertID")
    return Query(cert_ids=cert_ids, nonce=checked_nonce(nonces))


def checked_nonce(nonces: list[bytes]) -> bytes | None:
    if not nonces:
        return None
    if not 1 <= len(nonces[0]) <= MAX_NONCE_LENGTH:
        raise Refused(MALFORMED, f"a nonce of {len(nonces[0])} octets")
    return nonces[0]


def check_cert_id(cert_id: CertID) -> None:
    if cert_id.serial < 0:
        raise Refused(MALFORMED, "negative serial number")
    algorithm = HASHES.get(cert_id.algorithm)
    if algorithm is None:
        return  # a hash we cannot compute: well-formed, answered unknown
    if len(cert_id.name_hash) != algorithm.digest_size or len(cert_id.key_hash) != algorithm.digest_size:
        raise Refused(MALFORMED, f"issuer hashes are not {algorithm.digest_size} octets of {algorithm.name}")


@cache
def issuer_hashes(ca_der: bytes, algorithm_name: str) -> tuple[bytes, bytes]:
    """Our CA's name and key hashes for a CertID (RFC 6960 §4.1.1): its subject's DER and its public key's bits."""
    certificate = der_x509.Certificate.load(ca_der)
    key_bits = certificate["tbs_certificate"]["subject_public_key_info"]["public_key"].contents[1:]  # less unused bits

    def digest(data: bytes) -> bytes:
        hasher = hashes.Hash(HASHES[algorithm_name]())
        hasher.update(data)
        return hasher.finalize()

    return digest(certificate["tbs_certificate"]["subject"].dump()), digest(key_bits)


@cache
def certificate_der(certificate: x509.Certificate) -> bytes:
    return certificate.public_bytes(serialization.Encoding.DER)


def ca_der_of(authority) -> bytes:
    """The DER of the CA certificate of `authority` (a ca.CertificateAuthority)."""
    return certificate_der(authority.certificate)


def is_ours(cert_id: CertID, responder) -> bool:
    if cert_id.algorithm not in HASHES:
        return False
    return (cert_id.name_hash, cert_id.key_hash) == issuer_hashes(certificate_der(responder.issuer), cert_id.algorithm)


def status_of(certificate: Certificate | None) -> Status:
    if certificate is None:
        return UNKNOWN
    if certificate.revoked_at is not None:
        return Status("revoked", certificate.revoked_at, certificate.revocation_reason or "unspecified")
    return Status("good")


def statuses(serials: set[int]) -> dict[int, Status]:
    """The status of each of our serials asked, in one query; serials we never issued are missing."""
    found = Certificate.objects.filter(serial__in=[f"{serial:x}" for serial in serials]).exclude(pem="")
    found = found.only("serial", "revoked_at", "revocation_reason")
    return {int(certificate.serial, 16): status_of(certificate) for certificate in found}


def whole_seconds(moment: datetime.datetime) -> datetime.datetime:
    """GeneralizedTime without fractions (RFC 5280 §4.1.2.5.2, which linters apply to OCSP too)."""
    return moment.astimezone(datetime.UTC).replace(microsecond=0)


# Signing. `cryptography` builds the common answer (one CertID, SHA-1 or SHA-2) in C, ~20 times faster than
# asn1crypto, which builds every other one.
BUILDER_HASHES = {"sha1", "sha224", "sha256", "sha384", "sha512"}
BUILDER_STATUS = {
    "good": x509_ocsp.OCSPCertStatus.GOOD,
    "revoked": x509_ocsp.OCSPCertStatus.REVOKED,
    "unknown": x509_ocsp.OCSPCertStatus.UNKNOWN,
}


def sign_one(responder, cert_id: CertID, status: Status, now, nonce: bytes | None = None) -> bytes:
    builder = (
        x509_ocsp.OCSPResponseBuilder()
        .add_response_by_hash(
            issuer_name_hash=cert_id.name_hash,
            issuer_key_hash=cert_id.key_hash,
            serial_number=cert_id.serial,
            algorithm=HASHES[cert_id.algorithm](),
            cert_status=BUILDER_STATUS[status.name],
            this_update=now,
            next_update=now + RESPONSE_VALIDITY,
            revocation_time=status.revoked_at and whole_seconds(status.revoked_at),
            revocation_reason=CRL_REASONS.get(status.reason, x509.ReasonFlags.unspecified) if status.reason else None,
        )
        .responder_id(x509_ocsp.OCSPResponderEncoding.HASH, responder.certificate)
        # RFC 6960 §4.2.2.2: a delegated responder's certificate travels in the response.
        .certificates([responder.certificate])
    )
    if nonce is not None:
        builder = builder.add_extension(x509.OCSPNonce(nonce), critical=False)
    return responder.sign(builder).public_bytes(serialization.Encoding.DER)


def single_response(cert_id: CertID, status: Status, this_update: datetime.datetime):
    if status.name == "revoked":
        cert_status = der_ocsp.CertStatus(
            name="revoked",
            value={"revocation_time": whole_seconds(status.revoked_at), "revocation_reason": status.reason},
        )
    else:
        cert_status = der_ocsp.CertStatus(name=status.name, value=core.Null())
    return der_ocsp.SingleResponse(
        {
            "cert_id": cert_id.as_asn1(),
            "cert_status": cert_status,
            "this_update": this_update,
            "next_update": this_update + RESPONSE_VALIDITY,
        }
    )


def sign_many(responder, singles: list, *, produced_at: datetime.datetime, nonce: bytes | None = None) -> bytes:
    """A successful OCSPResponse of these SingleResponses, signed by the delegated responder, its certificate
    included (RFC 6960 §4.2.2.2)."""
    signer_der = certificate_der(responder.certificate)
    data = {
        "responder_id": der_ocsp.ResponderId(name="by_key", value=issuer_hashes(signer_der, "sha1")[1]),
        "produced_at": produced_at,
        "responses": singles,
    }
    if nonce is not None:
        data["response_extensions"] = [{"extn_id": "nonce", "critical": False, "extn_value": nonce}]
    tbs = der_ocsp.ResponseData(data)
    basic = der_ocsp.BasicOCSPResponse(
        {
            "tbs_response_data": tbs,
            "signature_algorithm": {"algorithm": responder.signature_algorithm},
            "signature": responder.sign_data(tbs.dump()),
            "certs": [der_x509.Certificate.load(signer_der)],
        }
    )
    return der_ocsp.OCSPResponse(
        {
            "response_status": "successful",
            "response_bytes": {"response_type": "basic_ocsp_response", "response": basic},
        }
    ).dump()


def error_response(status: str) -> bytes:
    return der_ocsp.OCSPResponse({"response_status": status}).dump()


@dataclass(frozen=True)
class Signed:
    """An answer; a pre-produced one also says when it was signed and until when HTTP caches may keep it."""

    der: bytes
    this_update: datetime.datetime | None = None
    next_update: datetime.datetime | None = None


def signed_now(query: Query, responder) -> Signed:
    """One SingleResponse per CertID, in the order asked, signed now; the nonce echoed."""
    serials = [cert_id.serial if is_ours(cert_id, responder) else None for cert_id in query.cert_ids]
    known = statuses({serial for serial in serials if serial is not None})
    now = whole_seconds(timezone.now())
    answers = [known.get(serial, UNKNOWN) for serial in serials]
    if len(query.cert_ids) == 1 and query.cert_ids[0].algorithm in BUILDER_HASHES:
        return Signed(sign_one(responder, query.cert_ids[0], answers[0], now, query.nonce))
    singles = [single_response(cert_id, status, now) for cert_id, status in zip(query.cert_ids, answers, strict=True)]
    return Signed(sign_many(responder, singles, produced_at=now, nonce=query.nonce))


# Pre-produced responses (RFC 6960 §2.5, RFC 5019): one per unexpired certificate and CertID hash below, re-signed
# when the certificate's revocation is not in it or half of its validity has passed (by the worker every minute,
# or by the first request that finds it so). Other requests are signed when asked.
PREPARED_HASHES = ("sha1", "sha256")  # RFC 5019 §2.1.1 clients use SHA-1; OpenSSL's -sha256 and others SHA-256


def fresh_responses(now, responder):
    """The stored responses that may be served as they are: for this CA, telling the certificate's revocation as it
    is now, and younger than half their validity (the rule of re-signing, in one place)."""
    return PreparedOCSPResponse.objects.filter(
        Q(revoked=True, certificate__revoked_at__isnull=False) | Q(revoked=False, certificate__revoked_at__isnull=True),
        issuer_key_hash=issuer_hashes(certificate_der(responder.issuer), "sha1")[1],
        this_update__gt=now - RESPONSE_VALIDITY / 2,
    )


def prepare(certificate: Certificate, algorithm: str, responder, now) -> PreparedOCSPResponse:
    """A response for the certificate, signed now (not saved)."""
    now = whole_seconds(now)
    name_hash, key_hash = issuer_hashes(certificate_der(responder.issuer), algorithm)
    cert_id = CertID(algorithm, name_hash, key_hash, int(certificate.serial, 16))
    status = status_of(certificate)
    return PreparedOCSPResponse(
        certificate=certificate,
        hash_algorithm=algorithm,
        issuer_key_hash=issuer_hashes(certificate_der(responder.issuer), "sha1")[1],
        revoked=status.name == "revoked",
        this_update=now,
        next_update=now + RESPONSE_VALIDITY,
        der=sign_one(responder, cert_id, status, now),
    )


def store(prepared: list[PreparedOCSPResponse]) -> None:
    """Save responses, each replacing the one before for its serial and hash (two hosts may store at once: the
    later wins, and either tells the truth of when it was signed; a stale one is re-signed at its next use)."""
    if not prepared:
        return
    PreparedOCSPResponse.objects.bulk_create(
        prepared,  # the certificate and the hash decide which row it replaces
        update_conflicts=True,
        unique_fields=["certificate", "hash_algorithm"],
        update_fields=["issuer_key_hash", "revoked", "this_update", "next_update", "der"],
    )


def prepared_answer(cert_id: CertID, responder) -> Signed | None:
    """The stored response for one CertID of ours, signed and stored first when it is missing or stale; None for
    a serial we never issued."""
    now = timezone.now()
    serial = f"{cert_id.serial:x}"
    row = fresh_responses(now, responder).filter(certificate__serial=serial, hash_algorithm=cert_id.algorithm)
    row = row.values_list("der", "this_update", "next_update").first()
    if row is not None:
        return Signed(bytes(row[0]), row[1], row[2])
    certificate = Certificate.objects.filter(serial=serial).exclude(pem="").first()
    if certificate is None:
        return None
    prepared = prepare(certificate, cert_id.algorithm, responder, now)
    if certificate.not_after > now:
        store([prepared])
    return Signed(prepared.der, prepared.this_update, prepared.next_update)


def refresh_prepared(now=None, *, batch: int = 500, limit: int = 50_000) -> int:
    """The worker's part: sign what is missing or stale (at most `limit` responses a run, so that a run ends within
    the minute), and forget the responses of expired certificates. Returns how many were signed.

    Nothing is locked while signing: a revocation committed meanwhile makes a response just stored stale, which the
    next run or request re-signs (fresh_responses compares it with the certificate's row)."""
    now = now or timezone.now()
    responder = ocsp_signer.ensure_current(now)  # the worker renews the delegated responder before it expires
    PreparedOCSPResponse.objects.forget_expired(now)
    signed = 0
    for algorithm in PREPARED_HASHES:
        fresh = fresh_responses(now, responder).filter(hash_algorithm=algorithm).values("certificate_id")
        due = Certificate.objects.filter(not_after__gt=now).exclude(pem="").exclude(pk__in=fresh)
        due = due.only("serial", "revoked_at", "revocation_reason").order_by("pk")[: limit - signed]
        chunk = []
        for certificate in due.iterator(chunk_size=batch):
            chunk.append(prepare(certificate, algorithm, responder, now))
            if len(chunk) == batch:
                store(chunk)
                signed, chunk = signed + len(chunk), []
        store(chunk)
        signed += len(chunk)
    return signed


def answer(query: Query, responder) -> Signed:
    if (
        len(query.cert_ids) == 1
        and query.cert_ids[0].algorithm in PREPARED_HASHES
        and is_ours(query.cert_ids[0], responder)
    ):
        # Pre-produced: served without its nonce (RFC 5019; RFC 6960 §4.4.1 makes the nonce optional).
        prepared = prepared_answer(query.cert_ids[0], responder)
        if prepared is not None:
            return prepared
    return signed_now(query, responder)


def respond(request_der: bytes, *, may_issue_responder: bool = True) -> Signed:
    """The OCSPResponse to a DER OCSPRequest: never raises; a refusal or a failure is logged in one line.
    The revocation responder passes `may_issue_responder=False`: it never opens the CA key (ocsp_signer)."""
    try:
        query = parse_request(request_der)
        return answer(query, ocsp_signer.for_answers(may_issue=may_issue_responder))
    except ocsp_signer.NoResponder as missing:
        logger.error("OCSP responder cannot sign: %s", missing)
        return Signed(error_response(TRY_LATER))
    except Refused as refusal:
        logger.info("OCSP request refused (%s): %s", refusal.status, refusal)
        return Signed(error_response(refusal.status))
    except (OperationalError, InterfaceError) as error:
        # The database is away (RFC 6960 §2.3: tryLater, "temporarily unable to respond"): clients retry or soft-fail
        # as they do for a responder that is down, instead of reading internalError as a broken responder.
        logger.warning("OCSP responder: database unavailable: %s: %s", type(error).__name__, error)
        return Signed(error_response(TRY_LATER))
    except Exception as error:  # any failure still answers in OCSP, never with a 500 page
        logger.error("OCSP responder failed: %s: %s", type(error).__name__, error)  # one line, no traceback
        return Signed(error_response(INTERNAL_ERROR))
