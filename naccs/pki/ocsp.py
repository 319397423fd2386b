"""An OCSP responder (RFC 6960) for the certificates of our CA: good, revoked or unknown."""

import datetime

from cryptography import x509
from cryptography.hazmat.primitives import serialization
from cryptography.x509 import ocsp
from django.utils import timezone

from naccs.terminals.models import Certificate

from . import ca
from .revocation import CRL_REASONS

RESPONSE_VALIDITY = datetime.timedelta(hours=1)


def unsuccessful(status=ocsp.OCSPResponseStatus.MALFORMED_REQUEST) -> bytes:
    return ocsp.OCSPResponseBuilder.build_unsuccessful(status).public_bytes(serialization.Encoding.DER)


def issuer_hashes(authority, algorithm) -> tuple[bytes, bytes]:
    """Our CA's name and key hashes as a client computes them (a request for the CA certificate itself has them)."""
    probe = ocsp.OCSPRequestBuilder().add_certificate(authority.certificate, authority.certificate, algorithm).build()
    return probe.issuer_name_hash, probe.issuer_key_hash


def respond(request_der: bytes) -> bytes:
    try:
        request = ocsp.load_der_ocsp_request(request_der)
    except ValueError:
        return unsuccessful()
    authority = ca.get_authority()
    algorithm = request.hash_algorithm
    name_hash, key_hash = issuer_hashes(authority, algorithm)
    now = timezone.now()
    status, revoked_at, reason = ocsp.OCSPCertStatus.UNKNOWN, None, None
    if request.issuer_name_hash == name_hash and request.issuer_key_hash == key_hash:
        certificate = Certificate.objects.filter(serial=f"{request.serial_number:x}").exclude(pem="").first()
        if certificate is not None and certificate.revoked_at is not None:
            status, revoked_at = ocsp.OCSPCertStatus.REVOKED, certificate.revoked_at
            reason = CRL_REASONS.get(certificate.revocation_reason, x509.ReasonFlags.unspecified)
        elif certificate is not None:
            status = ocsp.OCSPCertStatus.GOOD
    builder = (
        ocsp.OCSPResponseBuilder()
        .add_response_by_hash(
            issuer_name_hash=request.issuer_name_hash,
            issuer_key_hash=request.issuer_key_hash,
            serial_number=request.serial_number,
            algorithm=algorithm,
            cert_status=status,
            this_update=now,
            next_update=now + RESPONSE_VALIDITY,
            revocation_time=revoked_at,
            revocation_reason=reason,
        )
        .responder_id(ocsp.OCSPResponderEncoding.HASH, authority.certificate)
        .certificates([authority.certificate])
    )
    for extension in request.extensions:
        if isinstance(extension.value, x509.OCSPNonce):
            builder = builder.add_extension(extension.value, critical=False)
    return authority.sign(builder).public_bytes(serialization.Encoding.DER)
