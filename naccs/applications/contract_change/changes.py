"""契約内容の変更 carried out: the company's details and each 事業所 or 論理端末 added or removed, on the 変更希望日
(ContractChangeKind.apply calls these under the ContractChange row lock)."""

from django.utils import timezone

from naccs.accounts.models import Office
from naccs.pki import pickups, revocation
from naccs.pki.models import CertificatePickup
from naccs.terminals.models import Certificate, LogicalTerminal, OfficeClosure
from naccs.terminals.provisioning import new_auth_code, next_terminal_name

from ..models import ContractChange, ContractChangeLine
from .selectors import contract_details_of

Action = ContractChangeLine.Action


def apply_details(company, change: ContractChange) -> dict:
    """The new 利用者名, 住所, 代表者 and 連絡先電話番号 (blank ones stay as they are); what changed, for the audit."""
    changed = {}
    if change.company_name and change.company_name != company.name:
        changed["company_name"] = change.company_name
        company.name = change.company_name
        company.save(update_fields=["name"])
    details = contract_details_of(company)
    for name in ("address", "representative", "phone"):
        if value := getattr(change, name):
            changed[name] = value
            setattr(details, name, value)
    if changed.keys() - {"company_name"}:
        details.save()
    return changed


def apply_line(company, line: ContractChangeLine, *, application, actor, now) -> str:
    """One 事業所 or 論理端末 added or removed; a few words of what was done, for the audit."""
    if line.action == Action.ADD_OFFICE:
        office = Office.objects.create(company=company, name=line.office_name)
        line.office = office
        line.save(update_fields=["office"])
        return f"add_office:{office.name}"
    if line.action == Action.CLOSE_OFFICE:
        OfficeClosure.objects.create(office=line.office, closed_on=timezone.localdate(now))
        return f"close_office:{line.office.name}"
    if line.action == Action.ADD_TERMINAL:
        terminal = LogicalTerminal.objects.create(
            company=company,
            office=line.office,
            name=next_terminal_name(company),
            category=line.category,
            device_type=line.device_type,
            auth_code1=new_auth_code(),
            auth_code2=new_auth_code(),
            auth_code3=new_auth_code(),
        )
        line.terminal = terminal
        line.save(update_fields=["terminal"])
        # Its first certificate is acquired as a reissued one is: within PICKUP_MONTHS, else the pickup closes.
        pickups.open_pickup(terminal=terminal, application=application, actor=actor)
        return terminal.name
    terminal = LogicalTerminal.objects.select_for_update(of=("self",)).get(pk=line.terminal_id)
    terminal.is_active = False
    terminal.save(update_fields=["is_active"])
    CertificatePickup.objects.unused().filter(terminal=terminal).update(closed_at=now)
    for certificate in Certificate.objects.filter(terminal=terminal, revoked_at__isnull=True):
        revocation.revoke_certificate(
            certificate=certificate, reason=Certificate.RevocationReason.CESSATION, actor=actor
        )
    return f"remove_terminal:{terminal.name}"
