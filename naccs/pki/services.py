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
from django.db import transaction
from django.db.models import Count, Q
from django.utils import timezone

from naccs.audit.models import AuditEvent
from naccs.audit.services import record
from naccs.terminals.models import Certificate, LogicalTerminal

from . import ca
from .models import CertificatePickup, CertificateRevocationList

VALIDITY = datetime.timedelta(days=365)
PICKUP_PERIOD = datetime.timedelta(days=61)  # NACCS stops a reissued certificate not acquired within two months
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
    locked = LogicalTerminal.objects.select_for_update().select_related("company").get(pk=terminal.pk)
    return _issue(locked, public_key=public_key, actor=actor, not_before=not_before, not_after=not_after)


def _issue(terminal, *, public_key, actor=None, actor_label="", not_before=None, not_after=None, **details):
    """issue_certificate for a terminal row the caller has locked, inside the caller's transaction."""
    authority = ca.get_authority()
    now = timezone.now()
    not_before = not_before or now
    not_after = not_after or now + VALIDITY
    certificate = build_certificate(
        authority, terminal=terminal, public_key=public_key, not_before=not_before, not_after=not_after
    )
    superseded = list(Certificate.objects.select_for_update().filter(terminal=terminal, revoked_at__isnull=True))
    for previous in superseded:
        previous.terminal = terminal
        _revoke(previous, reason=Certificate.RevocationReason.SUPERSEDED, actor=actor, actor_label=actor_label)
    if superseded:
        transaction.on_commit(schedule_crl_rebuild)
    issued = Certificate.objects.create(
        terminal=terminal,
        serial=f"{certificate.serial_number:x}",
        subject=certificate.subject.rfc4514_string(),
        not_before=not_before,
        not_after=not_after,
        issued_at=not_before,
        pem=certificate.public_bytes(serialization.Encoding.PEM).decode(),
    )
    record(
        action="certificate.issued",
        actor=actor,
        actor_label=actor_label,
        company=terminal.company,
        obj=issued,
        after={"serial": issued.serial, "not_after": not_after.isoformat()},
        terminal=terminal.name,
        **details,
    )
    return issued


@transaction.atomic
def revoke_certificate(*, certificate, reason, actor=None, rebuild_crl=True) -> Certificate:
    """Revoke once; revoking a revoked certificate changes nothing."""
    certificate = Certificate.objects.select_for_update().select_related("terminal__company").get(pk=certificate.pk)
    if certificate.revoked_at is not None:
        return certificate
    _revoke(certificate, reason=reason, actor=actor)
    if rebuild_crl:
        transaction.on_commit(schedule_crl_rebuild)
    return certificate


def _revoke(certificate, *, reason, actor=None, actor_label=""):
    """Revoke a certificate row the caller has locked."""
    certificate.revoked_at = timezone.now()
    certificate.revocation_reason = reason
    certificate.save(update_fields=["revoked_at", "revocation_reason"])
    record(
        action="certificate.revoked",
        actor=actor,
        actor_label=actor_label,
        company=certificate.terminal.company,
        obj=certificate,
        before={"revoked_at": None},
        after={"revoked_at": certificate.revoked_at.isoformat(), "reason": reason},
        terminal=certificate.terminal.name,
    )


def schedule_crl_rebuild() -> None:
    """Publish a new CRL from the worker, not inside the request that revoked."""
    from .tasks import rebuild_crl_task

    rebuild_crl_task.enqueue()


@transaction.atomic
def rebuild_crl() -> CertificateRevocationList:
    """Sign a CRL of every revoked certificate that has not expired; nextUpdate in 24 hours."""
    authority = ca.get_authority()
    now = timezone.now()
    last = CertificateRevocationList.objects.select_for_update().first()
    number = (last.number + 1) if last else 1
    builder = (
        x509.CertificateRevocationListBuilder()
        .issuer_name(authority.certificate.subject)
        .last_update(now)
        .next_update(now + datetime.timedelta(hours=settings.CRL_NEXT_UPDATE_HOURS))
        .add_extension(x509.CRLNumber(number), critical=False)
        .add_extension(x509.AuthorityKeyIdentifier.from_issuer_public_key(authority.public_key), critical=False)
    )
    revoked = Certificate.objects.filter(revoked_at__isnull=False, not_after__gt=now).exclude(pem="")
    for serial, revoked_at, reason in revoked.values_list("serial", "revoked_at", "revocation_reason").iterator():
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
        number=number,
        this_update=now,
        next_update=now + datetime.timedelta(hours=settings.CRL_NEXT_UPDATE_HOURS),
        der=crl.public_bytes(serialization.Encoding.DER),
    )


def current_crl() -> CertificateRevocationList:
    """The newest CRL, rebuilt when there is none or its nextUpdate has passed."""
    latest = CertificateRevocationList.objects.first()
    if latest is None or latest.next_update <= timezone.now() + datetime.timedelta(minutes=5):
        latest = rebuild_crl()
    return latest


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
    counts = AuditEvent.objects.filter(action=ACQUIRE_FAILED, created_at__gte=since).aggregate(
        terminal=Count("pk", filter=Q(object_type=TERMINAL_NAME, object_id=terminal_name[:64])),
        address=Count("pk", filter=Q(actor_label=client_address)),
    )
    limit = settings.ACQUIRE_ATTEMPT_LIMIT
    return counts["terminal"] >= limit or counts["address"] >= limit


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


def check_right_to_acquire(terminal, now) -> CertificatePickup | None:
    """The open pickup, or None when the current certificate is inside the renewal window; else refuse."""
    pickup = CertificatePickup.objects.open(now).select_for_update().filter(terminal=terminal).first()
    if pickup is not None:
        return pickup
    current = terminal.certificates.filter(revoked_at__isnull=True).order_by("-not_after").first()
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
    return None


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
    terminal = (
        LogicalTerminal.objects.select_for_update().select_related("company")
        .filter(name=terminal_name, is_active=True).first()
    )  # fmt: skip
    if terminal is None or not codes_match(terminal, auth_codes):
        raise AcquisitionRefused(WRONG_CODES, why="wrong codes")
    try:
        pickup = check_right_to_acquire(terminal, now)
    except AcquisitionRefused as refusal:
        raise AcquisitionRefused(str(refusal), why="not allowed") from None
    key = new_terminal_key()
    certificate = _issue(
        terminal, public_key=key.public_key(), actor_label=client_address, via="取得", pickup=pickup and pickup.pk
    )
    if pickup is not None:
        pickup.acquired_at = now
        pickup.certificate = certificate
        pickup.save(update_fields=["acquired_at", "certificate"])
    bundle = pkcs12.serialize_key_and_certificates(
        name=terminal.name.encode(),
        key=key,
        cert=x509.load_pem_x509_certificate(certificate.pem.encode()),
        cas=[ca.get_authority().certificate],
        encryption_algorithm=serialization.BestAvailableEncryption(password.encode()),
    )
    return Acquired(certificate=certificate, pkcs12=bundle)
