"""Issuing: the client-certificate profile, and the one path that signs and stores a certificate for a terminal."""

from cryptography import x509
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID
from django.conf import settings
from django.db import transaction
from django.utils import timezone

from naccs.audit.services import event as audit_event
from naccs.audit.services import record_many
from naccs.lib.periods import years_after
from naccs.terminals.models import Certificate, LogicalTerminal

from . import ca, generations
from .key_policy import check_public_key
from .revocation import mark_revoked

# Manual ②: a certificate is valid for 1年間 from the day it is acquired.
VALIDITY_YEARS = 1


def certificate_expiry(not_before):
    """The end of a certificate's validity: one calendar year after it starts (2027-03-01 → 2028-03-01)."""
    return years_after(not_before, VALIDITY_YEARS)


def pki_url(path: str) -> str:
    """An address of our revocation data or CA certificate as certificates name it: plain HTTP (PKI_BASE_URL)."""
    return f"{settings.PKI_BASE_URL}{path}"


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


def new_terminal_key():
    return ca.new_private_key(settings.TERMINAL_KEY_TYPE)


def build_certificate(authority, *, terminal, public_key, not_before, not_after, generation=1) -> x509.Certificate:
    """The client-certificate profile; its CRL and caIssuers addresses are those of the signing `generation`."""
    check_public_key(public_key)  # whoever made the key: 取得, EST, the demo data
    crl_url = pki_url(generations.crl_path(generation))
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
                [x509.DistributionPoint([x509.UniformResourceIdentifier(crl_url)], None, None, None)]
            ),
            critical=False,
        )
        .add_extension(
            x509.AuthorityInformationAccess(
                [
                    x509.AccessDescription(
                        x509.AuthorityInformationAccessOID.OCSP, x509.UniformResourceIdentifier(pki_url("/pki/ocsp"))
                    ),
                    x509.AccessDescription(
                        x509.AuthorityInformationAccessOID.CA_ISSUERS,
                        x509.UniformResourceIdentifier(pki_url(generations.ca_path(generation))),
                    ),
                ]
            ),
            critical=False,
        )
    )
    return authority.sign(builder)


def lock_terminal(**lookup) -> LogicalTerminal | None:
    """The terminal with its company's name, its row locked (only the terminal's: 取得 of one company's terminals must
    not queue behind each other)."""
    return (
        LogicalTerminal.objects.select_for_update(of=("self",))
        .select_related("company")
        .only("name", "auth_code1", "auth_code2", "auth_code3", "company__name")
        .filter(**lookup)
        .first()
    )


def lock_unrevoked_certificates(terminal) -> list[Certificate]:
    """The terminal's certificates not yet revoked, locked: a new certificate supersedes them."""
    return list(
        Certificate.objects.select_for_update()
        .filter(terminal=terminal, revoked_at__isnull=True)
        .only("terminal_id", "serial", "not_after")
    )


@transaction.atomic
def issue_certificate(*, terminal, public_key, actor=None, not_before=None, not_after=None) -> Certificate:
    """Sign a certificate for the terminal, valid one year from now; the previous one is revoked (superseded).

    Explicit dates are for the demo data only, which mirrors certificates issued in the past.
    """
    locked = lock_terminal(pk=terminal.pk)
    issued, _ = issue_for_locked_terminal(
        locked, public_key=public_key, actor=actor, not_before=not_before, not_after=not_after
    )
    return issued


def issue_for_locked_terminal(
    terminal, *, public_key, authority=None, superseded=None, actor=None, actor_label="", not_before=None,
    not_after=None, **details,
) -> tuple[Certificate, x509.Certificate]:  # fmt: skip
    """issue_certificate for a terminal row the caller has locked, inside the caller's transaction.

    `superseded` are the terminal's unrevoked certificates when the caller has locked them already. The CRL is not
    rebuilt here: revocation.current_crl publishes a new one at the next fetch, once per batch of revocations.
    """
    authority = authority or ca.get_authority()
    now = timezone.now()
    not_before = not_before or now
    not_after = not_after or certificate_expiry(not_before)
    generation = generations.number_of(authority.certificate)
    certificate = build_certificate(
        authority, terminal=terminal, public_key=public_key, not_before=not_before, not_after=not_after,
        generation=generation,
    )  # fmt: skip
    if superseded is None:
        superseded = lock_unrevoked_certificates(terminal)
    events = mark_revoked(
        superseded, reason=Certificate.RevocationReason.SUPERSEDED, terminal=terminal, actor=actor,
        actor_label=actor_label, now=now,
    )  # fmt: skip
    issued = Certificate.objects.create(
        terminal=terminal,
        serial=f"{certificate.serial_number:x}",
        subject=certificate.subject.rfc4514_string(),
        not_before=not_before,
        not_after=not_after,
        issued_at=not_before,
        pem=certificate.public_bytes(serialization.Encoding.PEM).decode(),
        ca_generation=generation,
    )
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
    record_many(events)
    return issued, certificate
