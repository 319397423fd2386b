"""After a restore from a backup: what the CA published that the database has forgotten (issue 26 #9).

The CA directory remembers the newest CRL and OCSP answer it published (naccs.pki.high_water); a database older than
either has lost what was published after the backup and, worse, the revocations listed: those certificates would
answer good again. `restore_gap` names them; `revoke_again` revokes them once more, with their reason and time from
the CRL; `sign_answers_again` puts the database's OCSP answers ahead of the published ones.
Each CA generation keeps its own CRL mark in its own folder (generation 1 in CA_DIR, generation N in CA_DIR/gN),
found by that layout: a database restored from before a rollover does not know the newer generation. The OCSP
answers' mark is one, in CA_DIR: the worker signs every generation's answers in one run.
"""

from dataclasses import dataclass
from datetime import datetime

from cryptography import x509
from django.db import transaction
from django.db.models import Max

from naccs.terminals.models import Certificate

from . import ca, high_water, ocsp_prepared
from .models import CertificateRevocationList, PreparedOCSPResponse
from .revocation import CRL_REASONS, revocation_event

REASON_OF_FLAG = {flag: reason for reason, flag in CRL_REASONS.items()}


@dataclass(frozen=True)
class Gap:
    published_number: int | None  # the newest CRL published, when the database has not got it
    published_at: str
    stored_number: int | None
    revoked_since: list[str]  # serials (hex, as stored) listed by the published CRL and not revoked in the database
    generation: int = 1  # the CA generation of that CRL
    answers_published_at: datetime | None = None  # the newest OCSP answer published, when the database's are older
    answers_stored_at: datetime | None = None


def restore_gap() -> Gap | None:
    """None when the database knows the newest CRL each generation published and the newest OCSP answer (or the CA
    published neither); else what it lacks (of CRLs, the first generation behind)."""
    answers_mark = high_water.newest_answer_published()
    answers_stored = None
    if answers_mark is not None:
        answers_stored = PreparedOCSPResponse.objects.aggregate(at=Max("this_update"))["at"]
    answers_behind = answers_mark is not None and (answers_stored is None or answers_stored < answers_mark)
    answers = {"answers_published_at": answers_mark, "answers_stored_at": answers_stored} if answers_behind else {}
    for number, folder in ca.generation_folders():
        mark = high_water.newest_published(folder)
        if mark is None:
            continue  # asks the database nothing: `migrate` runs this before the tables exist
        newest = CertificateRevocationList.objects.filter(generation=number).defer("der").first()
        stored = newest.number if newest else None
        if stored is None or stored < mark.number:
            forgotten = [f"{serial:x}" for serial in forgotten_revocations(mark, folder)]
            return Gap(mark.number, mark.this_update, stored, forgotten, number, **answers)
    return Gap(None, "", None, [], **answers) if answers_behind else None


def forgotten_revocations(mark: high_water.Mark, folder=None) -> dict[int, x509.RevokedCertificate]:
    crl = mark.crl(folder)
    if crl is None:
        return {}
    listed = {entry.serial_number: entry for entry in crl}
    good = Certificate.objects.filter(serial__in=[f"{serial:x}" for serial in listed], revoked_at__isnull=True)
    return {int(serial, 16): listed[int(serial, 16)] for serial in good.values_list("serial", flat=True)}


def revoke_again() -> list[str]:
    """Revoke each certificate a generation's published CRL lists and the restored database holds as good, with the
    CRL's revocation time and reason; the serials revoked."""
    done = []
    for _number, folder in ca.generation_folders():
        mark = high_water.newest_published(folder)
        if mark is not None:
            done += revoke_listed(forgotten_revocations(mark, folder))
    return done


def revoke_listed(forgotten: dict[int, x509.RevokedCertificate]) -> list[str]:
    done = []
    for serial, entry in forgotten.items():
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


def sign_answers_again() -> int:
    """Sign every unexpired certificate's OCSP answers anew from the repaired database: the restored ones are older
    than the answers published after the backup, and the database is in step with the CA again once it holds a newer
    one (the worker would re-sign them only at half their validity). Returns how many were signed."""
    return ocsp_prepared.refresh_prepared(every_answer=True)
