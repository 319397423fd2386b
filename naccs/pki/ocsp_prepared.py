"""Pre-produced OCSP answers (RFC 6960 §2.5, RFC 5019), stored in the database for every host: one per unexpired
certificate and CertID hash below, signed by its generation's delegated responder, re-signed when the certificate's
revocation is not in it or half of its validity has passed (by the worker every minute, or by the first request that
finds it so). Other requests are signed when asked (naccs.pki.ocsp).
"""

from django.db.models import Q
from django.utils import timezone

from naccs.terminals.models import Certificate

from . import generations, ocsp_signer
from .models import PreparedOCSPResponse
from .ocsp_request import CertID, certificate_der, issuer_hashes
from .ocsp_signing import RESPONSE_VALIDITY, Signed, sign_one, status_of, whole_seconds

PREPARED_HASHES = ("sha1", "sha256")  # RFC 5019 §2.1.1 clients use SHA-1; OpenSSL's -sha256 and others SHA-256


def fresh_responses(now, responder):
    """The stored responses that may be served as they are: for this responder's CA generation, telling the
    certificate's revocation as it is now, and younger than half their validity (the rule of re-signing, in one
    place)."""
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
    certificate = Certificate.objects.filter(serial=serial, ca_generation=responder.generation).exclude(pem="").first()
    if certificate is None:
        return None
    prepared = prepare(certificate, cert_id.algorithm, responder, now)
    if certificate.not_after > now:
        store([prepared])
    return Signed(prepared.der, prepared.this_update, prepared.next_update)


def refresh_prepared(now=None, *, batch: int = 500, limit: int = 50_000, every_answer: bool = False) -> int:
    """The worker's part: sign what is missing or stale (at most `limit` responses a run, so that a run ends within
    the minute), and forget the responses of expired certificates. Returns how many were signed. With
    `every_answer`, each unexpired certificate's answers are signed anew, fresh or not and without a limit (after a
    restore: naccs.pki.restore).

    Nothing is locked while signing: a revocation committed meanwhile makes a response just stored stale, which the
    next run or request re-signs (fresh_responses compares it with the certificate's row)."""
    now = now or timezone.now()
    PreparedOCSPResponse.objects.forget_expired(now)
    signed = 0
    for generation in generations.publishing_revocations():
        # The worker renews each generation's delegated responder before it expires.
        responder = ocsp_signer.ensure_current(now, generation)
        signed += refresh_generation(
            now, responder, batch=batch, limit=None if every_answer else limit - signed, every_answer=every_answer
        )
    return signed


def refresh_generation(now, responder, *, batch: int, limit: int | None, every_answer: bool = False) -> int:
    signed = 0
    for algorithm in PREPARED_HASHES:
        due = Certificate.objects.filter(not_after__gt=now, ca_generation=responder.generation).exclude(pem="")
        if not every_answer:
            fresh = fresh_responses(now, responder).filter(hash_algorithm=algorithm).values("certificate_id")
            due = due.exclude(pk__in=fresh)
        due = due.only("serial", "revoked_at", "revocation_reason").order_by("pk")
        if limit is not None:
            due = due[: limit - signed]
        chunk = []
        for certificate in due.iterator(chunk_size=batch):
            chunk.append(prepare(certificate, algorithm, responder, now))
            if len(chunk) == batch:
                store(chunk)
                signed, chunk = signed + len(chunk), []
        store(chunk)
        signed += len(chunk)
    return signed
