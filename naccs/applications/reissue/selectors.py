"""Reads of the 論理端末 step, scoped to the terminals the user sees (their company's, and for an office user their
事業所's: naccs.accounts.roles)."""

from django.db.models import Exists, OuterRef, QuerySet, Subquery

from naccs.accounts.roles import terminals_seen_by
from naccs.terminals.models import Certificate, LogicalTerminal

from ..models import ContractChangeLine, ReissueLine

ROW_FIELDS = ("name", "category", "device_type", "auth_code1", "auth_code2", "auth_code3")


def terminals_for(user) -> QuerySet[LogicalTerminal]:
    terminals = LogicalTerminal.objects.filter(company=user.company_id, is_active=True)
    return terminals_seen_by(user, terminals).order_by("name")


def open_reissue_lines(company) -> QuerySet[ReissueLine]:
    """The company's terminals named in a reissue 申込 registered and not yet ended (what the renewal banner says is
    under way)."""
    return ReissueLine.objects.busy().filter(application__company=company)


def terminal_choices(user, application, *, name_filter: str = "") -> QuerySet[LogicalTerminal]:
    """The 論理端末 step's list: each terminal with its newest certificate's 発行日, whether another open 申込 names it
    (busy), whether an open 契約内容の変更 removes it (removing) and whether this draft has chosen it, so that one page
    of the list is one query."""
    terminals = terminals_for(user).only(*ROW_FIELDS)
    if name_filter:
        terminals = terminals.filter(name__icontains=name_filter)
    newest_certificate = Certificate.objects.filter(terminal=OuterRef("pk")).order_by("-issued_at")
    return terminals.annotate(
        busy=Exists(ReissueLine.objects.busy().filter(terminal=OuterRef("pk")).exclude(application=application)),
        removing=Exists(ContractChangeLine.objects.removing().filter(terminal=OuterRef("pk"))),
        chosen=Exists(ReissueLine.objects.filter(application=application, terminal=OuterRef("pk"))),
        issued_at=Subquery(newest_certificate.values("issued_at")[:1]),
    )


def terminal_rows(user, application, *, name_filter: str = "") -> QuerySet:
    """terminal_choices as plain rows for a page of the list (no model instances: a page only prints them)."""
    return terminal_choices(user, application, name_filter=name_filter).values(
        "pk", *ROW_FIELDS, "busy", "removing", "chosen", "issued_at"
    )


def chosen_summary(application, shown: int) -> tuple[int, list[str]]:
    """How many terminals the draft names, and the first `shown` of their names."""
    chosen = application.reissue_lines.order_by("terminal__name").values_list("terminal__name", flat=True)
    names = list(chosen[: shown + 1])
    count = len(names) if len(names) <= shown else chosen.count()
    return count, names[:shown]
