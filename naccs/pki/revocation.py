"""Revoking certificates and publishing the CRLs (the OCSP responder reads the same rows).

Each CA generation publishes its own CRL (issue 25 #2): it lists that generation's revoked certificates, is signed
by that generation's key, is numbered in that generation's own sequence (its high-water mark in the generation's
folder, naccs.pki.high_water), and is served at the address its certificates name (generations.crl_path)."""

import datetime

from cryptography import x509
from cryptography.hazmat.primitives import serialization
from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone

from naccs.audit.services import event as audit_event
from naccs.terminals.models import Certificate

from . import ca, generations, high_water
from .models import CertificateRevocationList

CRL_RENEW_BEFORE = datetime.timedelta(minutes=5)  # publish a new CRL a little before the old one's nextUpdate
# A revocation commits a moment after its revoked_at; a CRL built in between misses it. Look back this far when
# checking whether the newest CRL is complete (far longer than any revoking transaction).
CRL_LOOKBACK = datetime.timedelta(minutes=10)
CRL_REASONS = {
    Certificate.RevocationReason.SUPERSEDED: x509.ReasonFlags.superseded,
    Certificate.RevocationReason.KEY_COMPROMISE: x509.ReasonFlags.key_compromise,
    Certificate.RevocationReason.CA_COMPROMISE: x509.ReasonFlags.ca_compromise,
    Certificate.RevocationReason.CESSATION: x509.ReasonFlags.cessation_of_operation,
    Certificate.RevocationReason.AFFILIATION_CHANGED: x509.ReasonFlags.affiliation_changed,
    Certificate.RevocationReason.UNSPECIFIED: x509.ReasonFlags.unspecified,
}


def revocation_event(certificate, *, terminal, actor=None, actor_label=""):
    """The audit event for a certificate just revoked (revoked_at and revocation_reason set)."""
    return audit_event(
        action="certificate.revoked",
        actor=actor,
        actor_label=actor_label,
        company=terminal.company,
        obj=certificate,
        before={"revoked_at": None},
        after={"revoked_at": certificate.revoked_at.isoformat(), "reason": certificate.revocation_reason},
        terminal=terminal.name,
    )


def mark_revoked(certificates, *, reason, terminal, now, actor=None, actor_label="") -> list:
    """Revoke certificate rows of `terminal` that the caller has locked; returns their unsaved audit events."""
    if not certificates:
        return []
    Certificate.objects.filter(pk__in=[certificate.pk for certificate in certificates]).update(
        revoked_at=now, revocation_reason=reason
    )
    for certificate in certificates:
        certificate.revoked_at, certificate.revocation_reason = now, reason
    return [
        revocation_event(certificate, terminal=terminal, actor=actor, actor_label=actor_label)
        for certificate in certificates
    ]


@transaction.atomic
def revoke_certificate(*, certificate, reason, actor=None) -> Certificate:
    """Revoke once; revoking a revoked certificate changes nothing. The CRL follows at its next fetch. Only the
    certificate's row is locked (closing a pickup revokes while a 取得 may hold the terminal's)."""
    certificate = (
        Certificate.objects.select_for_update(of=("self",)).select_related("terminal__company").get(pk=certificate.pk)
    )
    if certificate.revoked_at is not None:
        return certificate
    certificate.revoked_at = timezone.now()
    certificate.revocation_reason = reason
    certificate.save(update_fields=["revoked_at", "revocation_reason"])
    revocation_event(certificate, terminal=certificate.terminal, actor=actor).save(force_insert=True)
    return certificate


def listed_revocations(now, generation: int = 1):
    """The revoked certificates a generation's CRL lists: those it issued, not yet expired (RFC 5280 §3.3)."""
    revoked = Certificate.objects.filter(revoked_at__isnull=False, not_after__gt=now, ca_generation=generation)
    return revoked.exclude(pem="")


def crl_is_stale(crl: CertificateRevocationList, now) -> bool:
    """Its nextUpdate is near, or a certificate revoked since it was built is missing from it."""
    if crl.next_update <= now + CRL_RENEW_BEFORE:
        return True
    recent = listed_revocations(now, crl.generation).filter(revoked_at__gte=crl.this_update - CRL_LOOKBACK).order_by()
    serials = list(recent.values_list("serial", flat=True))
    if not serials:
        return False
    listed = serials_listed_in(crl)
    return any(int(serial, 16) not in listed for serial in serials)


_listed_serials: dict[tuple, frozenset[int]] = {}


def serials_listed_in(crl: CertificateRevocationList) -> frozenset[int]:
    """The serials a stored CRL lists, read once per process.

    A signed CRL row never changes (it is keyed here by its id, number and time, so no host can hold a stale entry),
    and looking a serial up in the parsed CRL walks all its entries (0.7 ms each among 20,000), which every fetch
    after a morning run would do for each of the run's revocations.
    """
    key = (crl.pk, crl.number, crl.this_update)
    listed = _listed_serials.get(key)
    if listed is None:
        listed = frozenset(entry.serial_number for entry in x509.load_der_x509_crl(bytes(crl.der)))
        if len(_listed_serials) >= 8:  # only each generation's newest CRL is ever checked
            _listed_serials.clear()
        _listed_serials[key] = listed
    return listed


def rebuild_crl(now=None, generation: int = 1) -> CertificateRevocationList:
    """Sign a CRL of every revoked certificate that has not expired; nextUpdate in CRL_NEXT_UPDATE_HOURS."""
    return _publish_crl(always=True, now=now, generation=generation)


class NoCRL(Exception):
    """No CRL has been published yet."""


def published_crl(generation: int = 1) -> CertificateRevocationList:
    """The newest CRL as published, never signed here: what the revocation responder serves (it has no CA key)."""
    latest = CertificateRevocationList.objects.filter(generation=generation).first()
    if latest is None:
        raise NoCRL("no CRL published yet: the worker (refresh_revocation_data) publishes one")
    return latest


def current_crl(now=None, generation: int = 1) -> CertificateRevocationList:
    """A generation's newest CRL, rebuilt first when there is none, its nextUpdate is near, or it misses a revocation.

    So the CRL is rebuilt once per batch of revocations, at the next fetch, instead of after each one.
    """
    latest = CertificateRevocationList.objects.filter(generation=generation).first()
    if latest is None or crl_is_stale(latest, now or timezone.now()) or is_behind_published(latest):
        if generation not in {row.number for row in generations.publishing_revocations()}:
            raise NoCRL(f"generation {generation} publishes no CRL")  # never one signed by another generation's key
        latest = _publish_crl(always=False, now=now, generation=generation)
    return latest


def current_crls(now=None) -> list[CertificateRevocationList]:
    """The worker's part: every generation that publishes revocation data, its CRL complete and fresh."""
    return [current_crl(now, generation.number) for generation in generations.publishing_revocations()]


def _publish_crl(*, always: bool, now=None, generation: int = 1, attempts: int = 3) -> CertificateRevocationList:
    for _ in range(attempts - 1):
        try:
            return _publish_crl_once(always=always, now=now, generation=generation)
        except IntegrityError:
            # Another process published this number while we signed: decide again with its CRL.
            continue
    return _publish_crl_once(always=always, now=now, generation=generation)


def _publish_crl_once(*, always: bool, now=None, generation: int = 1) -> CertificateRevocationList:
    """Read, sign, then insert under the unique CRL number: no lock is held while the revocations are read and
    signed (100,000 of them take seconds), so neither a 取得 nor a revocation nor another fetch waits for it."""
    last = CertificateRevocationList.objects.filter(generation=generation).defer("der").first()
    if (
        not always
        and last is not None
        and not crl_is_stale(last, now or timezone.now())
        and not is_behind_published(last)
    ):
        return last
    directory = folder_of(generation)
    number = high_water.next_number(last.number if last else None, directory)
    return _sign_crl(number=number, now=now, generation=generation)


def folder_of(generation: int):
    """The generation's folder in CA_DIR, where its key and its CRL high-water mark are."""
    row = generations.numbered(generation)
    return ca.ca_dir() / (row.folder if row is not None else "")


def is_behind_published(crl: CertificateRevocationList) -> bool:
    """The database was restored from before a CRL this CA published: its newest CRL must not be served again."""
    mark = high_water.newest_published(folder_of(crl.generation))
    return mark is not None and mark.number > crl.number


def _sign_crl(*, number: int, now=None, generation: int = 1) -> CertificateRevocationList:
    authority = ca.authority_of(generations.numbered(generation))
    now = now or timezone.now()
    next_update = now + datetime.timedelta(hours=settings.CRL_NEXT_UPDATE_HOURS)
    revoked = listed_revocations(now, generation).values_list("serial", "revoked_at", "revocation_reason")
    entries = [revoked_entry(int(serial, 16), at, reason) for serial, at, reason in revoked.iterator(chunk_size=5000)]
    # The entries go in through the constructor: add_revoked_certificate copies the list each time (quadratic: 3.5x
    # the time an entry at 100,000 than at 10,000, bench/crl.py).
    builder = (
        x509.CertificateRevocationListBuilder(revoked_certificates=entries)
        .issuer_name(authority.certificate.subject)
        .last_update(now)
        .next_update(next_update)
        .add_extension(x509.CRLNumber(number), critical=False)
        .add_extension(x509.AuthorityKeyIdentifier.from_issuer_public_key(authority.public_key), critical=False)
    )
    der = authority.sign(builder).public_bytes(serialization.Encoding.DER)
    high_water.record(number, now, der, folder_of(generation))
    with transaction.atomic():  # a savepoint when the caller is in a transaction: a taken number undoes only this
        return CertificateRevocationList.objects.create(
            generation=generation, number=number, this_update=now, next_update=next_update, der=der
        )


def revoked_entry(serial: int, revoked_at, reason: str) -> x509.RevokedCertificate:
    entry = x509.RevokedCertificateBuilder().serial_number(serial).revocation_date(revoked_at)
    flag = CRL_REASONS.get(reason, x509.ReasonFlags.unspecified)
    if flag != x509.ReasonFlags.unspecified:  # RFC 5280 §5.3.1: the reason code unspecified is left out
        entry = entry.add_extension(x509.CRLReason(flag), critical=False)
    return entry.build()
