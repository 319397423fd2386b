"""Reading OCSP requests (RFC 6960 §4.1): the CertIDs and nonce of a DER OCSPRequest, and the issuer hashes our CA
generations are named by in a CertID.

`cryptography` (50) reads the common request (one CertID, hashed with SHA-1 or SHA-2) in C; asn1crypto reads the
others (several CertIDs, `openssl ocsp -cert a -cert b`; MD5 or SHA-3, `-md5`, `-sha3-256`). Anything that is not a
well-formed request is `Refused`, and answered with an OCSP error response, never an HTML page.
"""

from dataclasses import dataclass
from functools import cache

from asn1crypto import ocsp as der_ocsp
from asn1crypto import x509 as der_x509
from cryptography import x509
from cryptography.exceptions import UnsupportedAlgorithm
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.x509 import ocsp as x509_ocsp
from cryptography.x509.oid import OCSPExtensionOID

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


def names_issuer(cert_id: CertID, issuer: x509.Certificate) -> bool:
    """The CertID names `issuer` (RFC 6960 §4.1.1: its name hash and its key hash)."""
    if cert_id.algorithm not in HASHES:
        return False
    return (cert_id.name_hash, cert_id.key_hash) == issuer_hashes(certificate_der(issuer), cert_id.algorithm)
