"""Issuing, revoking and publishing: the only code that changes certificates.

`acquire_certificate` is the 取得 path: check the codes and the right to a certificate, make a key pair, sign,
revoke the previous certificate, pack a PKCS#12 — the private key is never stored.
"""

import datetime
import hmac
from dataclasses import dataclass

from cryptography import x509
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.serialization import pkcs12
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID
from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone

from naccs.audit.models import AuditEvent
from naccs.audit.services import event as audit_event
from naccs.audit.services import record
from naccs.terminals.models import Certificate, LogicalTerminal

from . import acquire_sql, ca
from .models import CertificatePickup, CertificateRevocationList

VALIDITY = datetime.timedelta(days=365)
PICKUP_PERIOD = datetime.timedelta(days=61)  # NACCS stops a reissued certificate not acquired within two months
CRL_RENEW_BEFORE = datetime.timedelta(minutes=5)  # publish a new CRL a little before the old one's nextUpdate
# A revocation commits a moment after its revoked_at; a CRL built in between misses it. Look back this far when
# checking whether the newest CRL is complete (far longer than any revoking transaction).
CRL_LOOKBACK = datetime.timedelta(minutes=10)
CRL_REASONS = {
    Certificate.RevocationReason.SUPERSEDED: x509.ReasonFlags.superseded,
    Certificate.RevocationReason.KEY_COMPROMISE: x509.ReasonFlags.key_compromise,
    Certificate.RevocationReason.CESSATION: x509.ReasonFlags.cessation_of_operation,
    Certificate.RevocationReason.AFFILIATION_CHANGED: x509.ReasonFlags.affiliation_changed,
    Certificate.RevocationReason.UNSPECIFIED: x509.ReasonFlags.unspecified,
}


class AcquisitionRefused(Exception):
    """取得 is not possible; the message tells the user why and what to do."""

    def __init__(self, message: str, *, why: str = ""):
        super().__init__(message)
        self.why = why or message


def site_url(path: str) -> str:
    return f"{settings.SITE_URL}{path}"


def subject_for(terminal: LogicalTerminal) -> x509.Name:
    """CN = 論理端末名, OU = 認証コード1, O = the company."""
    return x509.Name(
        [
            x509.NameAttribute(NameOID.COUNTRY_NAME, "JP"),
            x509.NameAttribute(NameOID.ORGANIZATION_NAME, terminal.company.name),
            x509.NameAttribute(NameOID.ORGANIZATIONAL_UNIT_NAME, terminal.auth_code1),
            x509.NameAttribute(NameOID.COMMON_NAME, terminal.name),
        ]
    )


def key_usage_for(public_key) -> x509.KeyUsage:
    # RSA client keys may also be used for key transport; EC keys only sign.
    return ca.key_usage(key_encipherment=not isinstance(public_key, ec.EllipticCurvePublicKey))


def build_certificate(authority, *, terminal, public_key, not_before, not_after) -> x509.Certificate:
    builder = (
        x509.CertificateBuilder()
        .subject_name(subject_for(terminal))
        .issuer_name(authority.certificate.subject)
        .public_key(public_key)
        .serial_number(x509.random_serial_number())  # 159 random bits (RFC 5280 allows 20 octets)
        .not_valid_before(not_before)
        .not_valid_after(not_after)
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(key_usage_for(public_key), critical=True)
        .add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.CLIENT_AUTH]), critical=False)
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(public_key), critical=False)
        .add_extension(x509.AuthorityKeyIdentifier.from_issuer_public_key(authority.public_key), critical=False)
        .add_extension(
            x509.CRLDistributionPoints(
                [x509.DistributionPoint([x509.UniformResourceIdentifier(site_url("/pki/crl"))], None, None, None)]
            ),
            critical=False,
        )
        .add_extension(
            x509.AuthorityInformationAccess(
                [
                    x509.AccessDescription(
                        x509.AuthorityInformationAccessOID.OCSP, x509.UniformResourceIdentifier(site_url("/pki/ocsp"))
                    ),
                    x509.AccessDescription(
                        x509.AuthorityInformationAccessOID.CA_ISSUERS,
                        x509.UniformResourceIdentifier(site_url("/pki/ca")),
                    ),
                ]
            ),
            critical=False,
        )
    )
    return authority.sign(builder)


@transaction.atomic
def issue_certificate(*, terminal, public_key, actor=None, not_before=None, not_after=None) -> Certificate:
    """Sign a certificate for the terminal, valid one year from now; the previous one is revoked (superseded).

    Explicit dates are for the demo data only, which mirrors certificates issued in the past.
    """
    locked = LogicalTerminal.objects.select_for_update(of=("self",)).select_related("company").get(pk=terminal.pk)
    issued, _ = _issue(locked, public_key=public_key, actor=actor, not_before=not_before, not_after=not_after)
    return issued


def _issue(
    terminal, *, public_key, authority=None, superseded=None, actor=None, actor_label="", not_before=None,
    not_after=None, **details,
) -> tuple[Certificate, x509.Certificate]:  # fmt: skip
    """issue_certificate for a terminal row the caller has locked, inside the caller's transaction.

    `superseded` are the terminal's unrevoked certificates when the caller has locked them already. The CRL is not
    rebuilt here: `current_crl` publishes a new one at the next fetch, once per batch of revocations.
    """
    authority = authority or ca.get_authority()
    now = timezone.now()
    not_before = not_before or now
    not_after = not_after or now + VALIDITY
    certificate = build_certificate(
        authority, terminal=terminal, public_key=public_key, not_before=not_before, not_after=not_after
    )
    if superseded is None:
        superseded = acquire_sql.lock_unrevoked_certificates(terminal.pk)
    events = []
    if superseded:
        reason = Certificate.RevocationReason.SUPERSEDED
        acquire_sql.revoke([previous.pk for previous in superseded], now=now, reason=reason)
        for previous in superseded:
            previous.revoked_at, previous.revocation_reason = now, reason
            events.append(_revocation_event(previous, terminal=terminal, actor=actor, actor_label=actor_label))
    issued = Certificate(
        terminal=terminal,
        serial=f"{certificate.serial_number:x}",
        subject=certificate.subject.rfc4514_string(),
        not_before=not_before,
        not_after=not_after,
        issued_at=not_before,
        pem=certificate.public_bytes(serialization.Encoding.PEM).decode(),
    )
    acquire_sql.insert_certificate(issued)
    events.append(
        audit_event(
            action="certificate.issued",
            actor=actor,
            actor_label=actor_label,
            company=terminal.company,
            obj=issued,
            after={"serial": issued.serial, "not_after": not_after.isoformat()},
            terminal=terminal.name,
            **details,
        )
    )
    acquire_sql.insert_audit_events(events)
    return issued, certificate


@transaction.atomic
def revoke_certificate(*, certificate, reason, actor=None, rebuild_crl=True) -> Certificate:
    """Revoke once; revoking a revoked certificate changes nothing."""
    certificate = Certificate.objects.select_for_update().select_related("terminal__company").get(pk=certificate.pk)
    if certificate.revoked_at is not None:
        return certificate
    certificate.revoked_at = timezone.now()
    certificate.revocation_reason = reason
    certificate.save(update_fields=["revoked_at", "revocation_reason"])
    _revocation_event(certificate, terminal=certificate.terminal, actor=actor).save(force_insert=True)
    if rebuild_crl:
        transaction.on_commit(schedule_crl_rebuild)
    return certificate


def _revocation_event(certificate, *, terminal, actor=None, actor_label=""):
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


def schedule_crl_rebuild() -> None:
    """Publish a new CRL from the worker, not inside the request that revoked."""
    from .tasks import rebuild_crl_task

    rebuild_crl_task.enqueue()


def listed_revocations(now):
    """The revoked certificates a CRL lists: those not yet expired."""
    return Certificate.objects.filter(revoked_at__isnull=False, not_after__gt=now).exclude(pem="")


def crl_is_stale(crl: CertificateRevocationList, now) -> bool:
    """Its nextUpdate is near, or a certificate revoked since it was built is missing from it."""
    if crl.next_update <= now + CRL_RENEW_BEFORE:
        return True
    recent = listed_revocations(now).filter(revoked_at__gte=crl.this_update - CRL_LOOKBACK).order_by()
    serials = list(recent.values_list("serial", flat=True))
    if not serials:
        return False
    listed = serials_listed_in(crl)
    return any(int(serial, 16) not in listed for serial in serials)


_listed_serials: dict[tuple, frozenset[int]] = {}


def serials_listed_in(crl: CertificateRevocationList) -> frozenset[int]:
    """The serials a stored CRL lists, read once per process.

    A signed CRL never changes, and looking a serial up in the parsed CRL walks all its entries (0.7 ms each among
    20,000), which every fetch after a morning run would do for each of the run's revocations.
    """
    key = (crl.pk, crl.number, crl.this_update)
    listed = _listed_serials.get(key)
    if listed is None:
        listed = frozenset(entry.serial_number for entry in x509.load_der_x509_crl(bytes(crl.der)))
        _listed_serials.clear()  # only the newest CRL is ever checked
        _listed_serials[key] = listed
    return listed


def rebuild_crl() -> CertificateRevocationList:
    """Sign a CRL of every revoked certificate that has not expired; nextUpdate in 24 hours."""
    return _publish_crl(always=True)


def current_crl() -> CertificateRevocationList:
    """The newest CRL, rebuilt first when there is none, its nextUpdate is near, or it misses a revocation.

    So the CRL is rebuilt once per batch of revocations, at the next fetch, instead of after each one.
    """
    latest = CertificateRevocationList.objects.first()
    if latest is None or crl_is_stale(latest, timezone.now()):
        latest = _publish_crl(always=False)
    return latest


def _publish_crl(*, always: bool, attempts: int = 3) -> CertificateRevocationList:
    for _ in range(attempts - 1):
        try:
            return _publish_crl_once(always=always)
        except IntegrityError:
            # PostgreSQL: another process published this number while we waited for the lock on the CRL before
            # it, which our query did not see. A new transaction sees it and decides again.
            continue
    return _publish_crl_once(always=always)


@transaction.atomic
def _publish_crl_once(*, always: bool) -> CertificateRevocationList:
    last = CertificateRevocationList.objects.select_for_update().first()
    # Another fetch may have published while we waited for the lock (SQLite: the database write lock).
    if not always and last is not None and not crl_is_stale(last, timezone.now()):
        return last
    return _sign_crl(number=(last.number + 1) if last else 1)


def _sign_crl(*, number: int) -> CertificateRevocationList:
    authority = ca.get_authority()
    now = timezone.now()
    next_update = now + datetime.timedelta(hours=settings.CRL_NEXT_UPDATE_HOURS)
    builder = (
        x509.CertificateRevocationListBuilder()
        .issuer_name(authority.certificate.subject)
        .last_update(now)
        .next_update(next_update)
        .add_extension(x509.CRLNumber(number), critical=False)
        .add_extension(x509.AuthorityKeyIdentifier.from_issuer_public_key(authority.public_key), critical=False)
    )
    revoked = listed_revocations(now).values_list("serial", "revoked_at", "revocation_reason")
    for serial, revoked_at, reason in revoked.iterator():
        entry = (
            x509.RevokedCertificateBuilder()
            .serial_number(int(serial, 16))
            .revocation_date(revoked_at)
            .add_extension(x509.CRLReason(CRL_REASONS.get(reason, x509.ReasonFlags.unspecified)), critical=False)
            .build()
        )
        builder = builder.add_revoked_certificate(entry)
    crl = authority.sign(builder)
    return CertificateRevocationList.objects.create(
        number=number, this_update=now, next_update=next_update, der=crl.public_bytes(serialization.Encoding.DER)
    )


@transaction.atomic
def open_pickup(*, terminal, application=None, actor=None) -> CertificatePickup:
    """Let the terminal 取得 a new certificate (the morning run); an already open pickup is reused."""
    now = timezone.now()
    existing = CertificatePickup.objects.open(now).select_for_update().filter(terminal=terminal).first()
    if existing is not None:
        return existing
    pickup = CertificatePickup.objects.create(
        terminal=terminal, application=application, opened_at=now, expires_at=now + PICKUP_PERIOD
    )
    record(
        action="pickup.opened",
        actor=actor,
        company=terminal.company,
        obj=pickup,
        after={"expires_at": pickup.expires_at.isoformat()},
        terminal=terminal.name,
    )
    return pickup


# --- 取得 -----------------------------------------------------------------------------------------------------

WRONG_CODES = "論理端末名または認証コードが正しくありません。入力内容をご確認ください。"
ACQUIRE_FAILED = "pickup.acquire_failed"
TERMINAL_NAME = "terminal_name"


@dataclass(frozen=True)
class Acquired:
    certificate: Certificate
    pkcs12: bytes


def renewal_window_opens_on(certificate: Certificate) -> datetime.datetime:
    return certificate.not_after - datetime.timedelta(days=settings.RENEWAL_WINDOW_DAYS)


def too_many_attempts(*, terminal_name: str, client_address: str) -> bool:
    """Failed 取得 in the last minutes, per terminal and per client address (one query)."""
    since = timezone.now() - datetime.timedelta(minutes=settings.ACQUIRE_ATTEMPT_WINDOW_MINUTES)
    by_terminal, by_address = acquire_sql.failed_attempts(
        action=ACQUIRE_FAILED, object_type=TERMINAL_NAME, object_id=terminal_name[:64], actor_label=client_address,
        since=since,
    )  # fmt: skip
    limit = settings.ACQUIRE_ATTEMPT_LIMIT
    return by_terminal >= limit or by_address >= limit


def _record_refusal(*, terminal_name: str, client_address: str, why: str, company=None) -> None:
    # The terminal name goes in the indexed object columns, so that the rate limit counts by index.
    AuditEvent.objects.create(
        action=ACQUIRE_FAILED,
        actor_label=client_address,
        company=company,
        object_type=TERMINAL_NAME,
        object_id=terminal_name[:64],
        details={"why": why},
    )


def codes_match(terminal: LogicalTerminal, codes: tuple[str, str, str]) -> bool:
    expected = (terminal.auth_code1, terminal.auth_code2, terminal.auth_code3)
    # Compare all three in constant time, so that timing never tells which code was wrong.
    return all([hmac.compare_digest(a.encode(), b.encode()) for a, b in zip(expected, codes, strict=True)])


def check_renewal_window(unrevoked: list[Certificate], now) -> None:
    """Without an open pickup, 取得 renews the current certificate inside its renewal window; else refuse."""
    current = max(unrevoked, key=lambda certificate: certificate.not_after, default=None)
    if current is None or current.not_after <= now:
        raise AcquisitionRefused(
            "デジタル証明書の有効期限が切れているため、取得できません。"
            "メニューの「デジタル証明書の再発行」から再発行の申込を行ってください。"
        )
    opens = renewal_window_opens_on(current)
    if now < opens:
        raise AcquisitionRefused(
            f"現在のデジタル証明書は有効です（有効期限 {timezone.localtime(current.not_after):%Y/%m/%d}）。"
            f"更新のための取得は有効期限の28日前（{timezone.localtime(opens):%Y/%m/%d}）から行えます。"
        )


def new_terminal_key():
    return ca.new_private_key(settings.TERMINAL_KEY_TYPE)


def acquire_certificate(*, terminal_name: str, auth_codes, password: str, client_address: str) -> Acquired:
    """取得: a new key pair and certificate for the terminal, packed as PKCS#12 with the chosen password."""
    if too_many_attempts(terminal_name=terminal_name, client_address=client_address):
        _record_refusal(terminal_name=terminal_name, client_address=client_address, why="throttled")
        raise AcquisitionRefused(
            "取得の失敗が続いたため、一時的に受付を停止しています。"
            f"{settings.ACQUIRE_ATTEMPT_WINDOW_MINUTES}分ほど時間をおいてから再度お試しください。"
        )
    try:
        return _acquire(terminal_name, tuple(auth_codes), password=password, client_address=client_address)
    except AcquisitionRefused as refusal:
        # Recorded after the rollback of the attempt, so that the refusal stays counted for the rate limit.
        _record_refusal(terminal_name=terminal_name, client_address=client_address, why=refusal.why)
        raise


@transaction.atomic
def _acquire(terminal_name, auth_codes, *, password: str, client_address: str) -> Acquired:
    now = timezone.now()
    # The terminal row lock serializes every 取得 of the terminal.
    terminal = acquire_sql.lock_active_terminal(terminal_name)
    if terminal is None or not codes_match(terminal, auth_codes):
        raise AcquisitionRefused(WRONG_CODES, why="wrong codes")
    unrevoked = acquire_sql.lock_unrevoked_certificates(terminal.pk)
    # Locked, so that closing it at its deadline (center) waits for us or happens before we look.
    pickup_id = acquire_sql.lock_open_pickup_id(terminal.pk, now)
    if pickup_id is None:
        try:
            check_renewal_window(unrevoked, now)
        except AcquisitionRefused as refusal:
            raise AcquisitionRefused(str(refusal), why="not allowed") from None
    key = new_terminal_key()
    authority = ca.get_authority()
    issued, certificate = _issue(
        terminal, public_key=key.public_key(), authority=authority, superseded=unrevoked, actor_label=client_address,
        via="取得", pickup=pickup_id,
    )  # fmt: skip
    if pickup_id is not None:
        acquire_sql.mark_pickup_acquired(pickup_id, now=now, certificate_id=issued.pk)
    bundle = pkcs12.serialize_key_and_certificates(
        name=terminal.name.encode(),
        key=key,
        cert=certificate,
        cas=[authority.certificate],
        encryption_algorithm=serialization.BestAvailableEncryption(password.encode()),
    )
    return Acquired(certificate=issued, pkcs12=bundle)
