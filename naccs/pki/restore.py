"""After a restore from a backup: what the CA published that the database has forgotten (issue 26 #9).

The CA directory remembers the newest CRL and OCSP answer it published (naccs.pki.high_water); a database older than
either has lost what was published after the backup and, worse, the revocations listed: those certificates would
answer good again. `restore_gap` names them; `revoke_again` revokes them once more, with their reason and time from
the CRL.
"""

from dataclasses import dataclass
from datetime import datetime

from cryptography import x509
from django.db import transaction
from django.db.models import Max
from django.utils import timezone

from naccs.terminals.models import Certificate

from . import high_water, ocsp, ocsp_signer
from .models import CertificateRevocationList, PreparedOCSPResponse
from .revocation import CRL_REASONS, revocation_event

REASON_OF_FLAG = {flag: reason for reason, flag in CRL_REASONS.items()}


@dataclass(frozen=True)
class Gap:
    published_number: int | None  # the newest CRL published, when the database has not got it
    published_at: str
    stored_number: int | None
    revoked_since: list[str]  # serials (hex, as stored) listed by the published CRL and not revoked in the database
    answers_published_at: datetime | None = None  # the newest OCSP answer published, when the database's are older
    answers_stored_at: datetime | None = None


def restore_gap() -> Gap | None:
    """None when the database knows the newest CRL and the newest OCSP answer the CA published (or it published
    neither)."""
    mark = high_water.newest_published()
    answers_mark = high_water.newest_answer_published()
    if mark is None and answers_mark is None:
        return None  # asks the database nothing: `migrate` runs this before the tables exist
    newest = CertificateRevocationList.objects.defer("der").first()
    stored = newest.number if newest else None
    crl_behind = mark is not None and (stored is None or stored < mark.number)
    answers_stored = PreparedOCSPResponse.objects.aggregate(at=Max("this_update"))["at"]
    answers_behind = answers_mark is not None and (answers_stored is None or answers_stored < answers_mark)
    if not crl_behind and not answers_behind:
        return None
    return Gap(
        mark.number if crl_behind else None,
        mark.this_update if crl_behind else "",
        stored,
        [f"{serial:x}" for serial in forgotten_revocations(mark)],
        answers_mark if answers_behind else None,
        answers_stored,
    )


def forgotten_revocations(mark: high_water.Mark | None) -> dict[int, x509.RevokedCertificate]:
    crl = mark.crl() if mark else None
    if crl is None:
        return {}
    listed = {entry.serial_number: entry for entry in crl}
    good = Certificate.objects.filter(serial__in=[f"{serial:x}" for serial in listed], revoked_at__isnull=True)
    return {int(serial, 16): listed[int(serial, 16)] for serial in good.values_list("serial", flat=True)}


def revoke_again() -> list[str]:
    """Revoke each certificate the published CRL lists and the restored database holds as good, with the CRL's
    revocation time and reason; the serials revoked."""
    mark = high_water.newest_published()
    if mark is None:
        return []
    done = []
    for serial, entry in forgotten_revocations(mark).items():
        try:
            flag = entry.extensions.get_extension_for_class(x509.CRLReason).value.reason
        except x509.ExtensionNotFound:
            flag = x509.ReasonFlags.unspecified
        reason = REASON_OF_FLAG.get(flag, Certificate.RevocationReason.UNSPECIFIED)
        with transaction.atomic():
            certificate = (
                Certificate.objects.select_for_update(of=("self",))
                .select_related("terminal__company")
                .filter(serial=f"{serial:x}", revoked_at__isnull=True)
                .first()
            )
            if certificate is None:
                continue
            certificate.revoked_at, certificate.revocation_reason = entry.revocation_date_utc, reason
            certificate.save(update_fields=["revoked_at", "revocation_reason"])
            event = revocation_event(certificate, terminal=certificate.terminal, actor_label="ca_revoke_after_restore")
            event.save(force_insert=True)
        done.append(certificate.serial)
    return done


def sign_answers_again(batch: int = 500) -> int:
    """Sign every unexpired certificate's OCSP answers anew from the repaired database: the restored ones are older
    than the answers published after the backup, and the database is in step with the CA again once it holds a newer
    one (the worker would re-sign them only at half their validity). Returns how many were signed."""
    now = timezone.now()
    responder = ocsp_signer.ensure_current(now)
    due = (
        Certificate.objects.filter(not_after__gt=now).exclude(pem="").only("serial", "revoked_at", "revocation_reason")
    )
    signed = 0
    for algorithm in ocsp.PREPARED_HASHES:
        chunk = []
        for certificate in due.order_by("pk").iterator(chunk_size=batch):
            chunk.append(ocsp.prepare(certificate, algorithm, responder, now))
            if len(chunk) == batch:
                ocsp.store(chunk)
                signed, chunk = signed + len(chunk), []
        ocsp.store(chunk)
        signed += len(chunk)
    return signed
