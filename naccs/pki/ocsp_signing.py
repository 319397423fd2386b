"""Signing OCSP answers (RFC 6960 §4.2) with the delegated responder of a CA generation (naccs.pki.ocsp_signer),
never with a CA key: `sign_one` builds the common answer (one CertID, SHA-1 or SHA-2) with `cryptography`, in C,
~20 times faster than asn1crypto, which builds every other one (`sign_many`, signed through `sign_data`).
"""

import datetime
from dataclasses import dataclass

from asn1crypto import core
from asn1crypto import ocsp as der_ocsp
from asn1crypto import x509 as der_x509
from cryptography import x509
from cryptography.hazmat.primitives import serialization
from cryptography.x509 import ocsp as x509_ocsp

from naccs.terminals.models import Certificate

from . import ocsp_signer
from .ocsp_request import HASHES, CertID, certificate_der, issuer_hashes
from .revocation import CRL_REASONS

RESPONSE_VALIDITY = ocsp_signer.RESPONSE_VALIDITY  # nextUpdate - thisUpdate of every response we sign


@dataclass(frozen=True)
class Status:
    """What we say of one certificate: asn1crypto's CertStatus name, and for a revoked one when and why."""

    name: str
    revoked_at: datetime.datetime | None = None
    reason: str = ""


UNKNOWN = Status("unknown")


def status_of(certificate: Certificate | None) -> Status:
    if certificate is None:
        return UNKNOWN
    if certificate.revoked_at is not None:
        return Status("revoked", certificate.revoked_at, certificate.revocation_reason or "unspecified")
    return Status("good")


def whole_seconds(moment: datetime.datetime) -> datetime.datetime:
    """GeneralizedTime without fractions (RFC 5280 §4.1.2.5.2, which linters apply to OCSP too)."""
    return moment.astimezone(datetime.UTC).replace(microsecond=0)


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
