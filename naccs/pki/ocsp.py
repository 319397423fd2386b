"""An OCSP responder (RFC 6960) for the certificates of our CA: good, revoked or unknown, for every CertID asked.

Requests are read and responses assembled with asn1crypto, and signed by the CA (`ca.CertificateAuthority.sign_data`):
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
from cryptography.hazmat.primitives import hashes, serialization
from django.utils import timezone

from naccs.terminals.models import Certificate

from . import ca

logger = logging.getLogger(__name__)

RESPONSE_VALIDITY = datetime.timedelta(hours=4)  # nextUpdate - thisUpdate of every response we sign
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
MALFORMED, INTERNAL_ERROR = "malformed_request", "internal_error"


class Refused(Exception):
    """The request gets an OCSP error response (`status`, asn1crypto's name) instead of an answer."""

    def __init__(self, status: str, reason: str):
        super().__init__(reason)
        self.status = status


@dataclass(frozen=True)
class Query:
    cert_ids: list  # asn1crypto CertId, as the client sent them (echoed in the answer)
    nonce: bytes | None


@dataclass(frozen=True)
class Status:
    """What we say of one certificate: asn1crypto's CertStatus name, and for a revoked one when and why."""

    name: str
    revoked_at: datetime.datetime | None = None
    reason: str = ""


UNKNOWN = Status("unknown")


def parse_request(der: bytes) -> Query:
    """The CertIDs and nonce of a DER OCSPRequest; Refused(malformedRequest) for anything else."""
    try:
        request = der_ocsp.OCSPRequest.load(der, strict=True)
        # asn1crypto parses lazily and leniently: re-encoding what it read gives the same bytes only for DER (a
        # CertID that is echoed must be DER, or the client cannot read the answer).
        if request.copy().dump(force=True) != der:
            raise ValueError("not DER")
        tbs = request["tbs_request"]
        cert_ids = [single["req_cert"] for single in tbs["request_list"]]
        nonce = nonce_of(tbs["request_extensions"])
    except (ValueError, TypeError, KeyError, IndexError, OverflowError) as error:
        raise Refused(MALFORMED, f"not a DER OCSPRequest ({type(error).__name__})") from None
    if not cert_ids:
        raise Refused(MALFORMED, "no CertID")
    for cert_id in cert_ids:
        check_cert_id(cert_id)
    return Query(cert_ids=cert_ids, nonce=nonce)


def nonce_of(extensions) -> bytes | None:
    seen = set()
    for extension in extensions:
        oid = extension["extn_id"].dotted
        if oid in seen:
            raise Refused(MALFORMED, f"extension {oid} appears twice")  # RFC 5280 §4.2
        seen.add(oid)
    nonces = [ext["extn_value"].parsed.native for ext in extensions if ext["extn_id"].native == "nonce"]
    if not nonces:
        return None
    if not 1 <= len(nonces[0]) <= MAX_NONCE_LENGTH:
        raise Refused(MALFORMED, f"a nonce of {len(nonces[0])} octets")
    return nonces[0]


def check_cert_id(cert_id) -> None:
    if cert_id["serial_number"].native < 0:
        raise Refused(MALFORMED, "negative serial number")
    algorithm = HASHES.get(cert_id["hash_algorithm"]["algorithm"].native)
    if algorithm is None:
        return  # a hash we cannot compute: well-formed, answered unknown
    for field in ("issuer_name_hash", "issuer_key_hash"):
        if len(cert_id[field].native) != algorithm.digest_size:
            raise Refused(MALFORMED, f"{field} is not {algorithm.digest_size} octets of {algorithm.name}")


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
def ca_der_of(authority) -> bytes:
    return authority.certificate.public_bytes(serialization.Encoding.DER)


def is_ours(cert_id, authority) -> bool:
    algorithm = cert_id["hash_algorithm"]["algorithm"].native
    if algorithm not in HASHES:
        return False
    hashes_asked = (cert_id["issuer_name_hash"].native, cert_id["issuer_key_hash"].native)
    return hashes_asked == issuer_hashes(ca_der_of(authority), algorithm)


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


def single_response(cert_id, status: Status, this_update: datetime.datetime):
    if status.name == "revoked":
        cert_status = der_ocsp.CertStatus(
            name="revoked",
            value={"revocation_time": whole_seconds(status.revoked_at), "revocation_reason": status.reason},
        )
    else:
        cert_status = der_ocsp.CertStatus(name=status.name, value=core.Null())
    return der_ocsp.SingleResponse(
        {
            "cert_id": cert_id,
            "cert_status": cert_status,
            "this_update": this_update,
            "next_update": this_update + RESPONSE_VALIDITY,
        }
    )


def whole_seconds(moment: datetime.datetime) -> datetime.datetime:
    """GeneralizedTime without fractions (RFC 5280 §4.1.2.5.2, which linters apply to OCSP too)."""
    return moment.astimezone(datetime.UTC).replace(microsecond=0)


def signed_response(authority, singles: list, *, produced_at: datetime.datetime, nonce: bytes | None = None) -> bytes:
    """A successful OCSPResponse of these SingleResponses, signed by the CA (it is its own responder)."""
    ca_certificate = der_x509.Certificate.load(ca_der_of(authority))
    data = {
        "responder_id": der_ocsp.ResponderId(name="by_key", value=ca_certificate.public_key.sha1),
        "produced_at": produced_at,
        "responses": singles,
    }
    if nonce is not None:
        data["response_extensions"] = [{"extn_id": "nonce", "critical": False, "extn_value": nonce}]
    tbs = der_ocsp.ResponseData(data)
    basic = der_ocsp.BasicOCSPResponse(
        {
            "tbs_response_data": tbs,
            "signature_algorithm": {"algorithm": authority.signature_algorithm},
            "signature": authority.sign_data(tbs.dump()),
            "certs": [ca_certificate],
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


def answer(query: Query, authority) -> bytes:
    """One SingleResponse per CertID, in the order asked; the nonce echoed."""
    serials = [cert_id["serial_number"].native if is_ours(cert_id, authority) else None for cert_id in query.cert_ids]
    known = statuses({serial for serial in serials if serial is not None})
    now = whole_seconds(timezone.now())
    singles = [
        single_response(cert_id, known.get(serial, UNKNOWN), now)
        for cert_id, serial in zip(query.cert_ids, serials, strict=True)
    ]
    return signed_response(authority, singles, produced_at=now, nonce=query.nonce)


def respond(request_der: bytes) -> bytes:
    """The DER OCSPResponse to a DER OCSPRequest: never raises; a refusal or a failure is logged in one line."""
    try:
        return answer(parse_request(request_der), ca.get_authority())
    except Refused as refusal:
        logger.info("OCSP request refused (%s): %s", refusal.status, refusal)
        return error_response(refusal.status)
    except Exception as error:  # any failure still answers in OCSP, never with a 500 page
        logger.error("OCSP responder failed: %s: %s", type(error).__name__, error)  # one line, no traceback
        return error_response(INTERNAL_ERROR)
