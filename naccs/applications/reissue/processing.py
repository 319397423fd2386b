"""The morning run's work for a reissue 申込: each terminal gets a new 認証コード2 and a pickup, in a transaction of its
own, so that a run killed half-way never repeats a terminal.

When the old certificate is revoked follows the 再発行理由 (docs/architecture.md): as superseded when the new one is
acquired (pki.issuance), as keyCompromise at the approval when its key is lost or leaked (ReissueKind.approved), and
as superseded at the 2-month close when the new one is never acquired (pki.pickups). The run itself revokes nothing,
so a terminal keeps a working certificate until its new one is acquired."""

from django.db import transaction
from django.utils import timezone

from naccs.audit.services import record
from naccs.pki import pickups
from naccs.terminals.models import ReplacedAuthCode
from naccs.terminals.provisioning import new_auth_code

from ..models import Application, ReissueLine


def carry_out(application_id: int, *, actor=None, progress=None) -> None:
    """Every terminal of the 申込 not yet processed; the first failure stops it (the others stay for the next run)."""
    lines = ReissueLine.objects.filter(application_id=application_id, processed_at__isnull=True).order_by("pk")
    for line_id in list(lines.values_list("pk", flat=True)):
        process_line(line_id, actor=actor)
        if progress:
            progress(1)


def process_line(line_id: int, *, actor=None) -> bool:
    """One terminal: a new 認証コード2 (the replaced one remembered) and a pickup. False when already done."""
    with transaction.atomic():
        line = (
            # The line and its terminal, in the order 取得 locks a terminal and then its certificates.
            ReissueLine.objects.select_for_update(of=("self", "terminal"))
            .select_related("application__company", "terminal__company")
            .get(pk=line_id)
        )
        application = line.application
        # Under the lock: two runs of the same day (a resumed one and a new one) must not both process it.
        if line.processed_at is not None or application.status != Application.Status.APPROVED:
            return False
        terminal = line.terminal
        now = timezone.now()
        ReplacedAuthCode.objects.create(
            terminal=terminal, digest=ReplacedAuthCode.digest_of(terminal.pk, terminal.auth_code2), replaced_at=now
        )
        terminal.auth_code2 = new_auth_code()
        terminal.save(update_fields=["auth_code2"])
        pickups.open_pickup(terminal=terminal, application=application, actor=actor)
        line.processed_at = now
        line.save(update_fields=["processed_at"])
        record(
            action="reissue.terminal_processed",
            actor=actor,
            company=application.company,
            obj=line,
            after={"terminal": terminal.name},
            application=application.receipt_number,
        )
    return True
