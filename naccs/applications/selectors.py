"""Reads of 申込, always scoped to one company."""

from django.db.models import Exists, OuterRef, Q, QuerySet, Subquery
from django.shortcuts import get_object_or_404

from naccs.lib.versions import cached_under, company_version_key
from naccs.terminals.models import Certificate, LogicalTerminal

from .models import ReissueApplication, ReissueApplicationTerminal


def applications_for(company) -> QuerySet[ReissueApplication]:
    """The company's 申込 as its users see them (drafts are not 申込 yet)."""
    return ReissueApplication.objects.filter(company=company).exclude(status=ReissueApplication.Status.DRAFT)


def wizard_applications(company, user) -> QuerySet[ReissueApplication]:
    """What the wizard may show: this user's drafts, the company's 申込 (for the completion page and corrections)."""
    return ReissueApplication.objects.filter(company=company).filter(
        ~Q(status=ReissueApplication.Status.DRAFT) | Q(created_by=user)
    )


def lines_of(application) -> QuerySet[ReissueApplicationTerminal]:
    return application.lines.select_related("terminal").order_by("terminal__name")


def wizard_application(company, user, pk: int) -> ReissueApplication:
    """One of wizard_applications (404 otherwise), from the shared cache while the company's 申込 are unchanged."""
    return cached_under(
        f"applications:wizard:{company.pk}:{user.pk}:{pk}",
        company_version_key(company.pk),
        lambda: get_object_or_404(wizard_applications(company, user), pk=pk),
    )


def open_application_terminal_ids(company, *, excluding=None) -> set[int]:
    """Terminals named in an open 申込 (受付済, 確認事項あり, 審査終了): they cannot be applied for again."""
    lines = ReissueApplicationTerminal.objects.filter(
        application__company=company, application__status__in=ReissueApplication.OPEN_STATUSES
    )
    if excluding is not None:
        lines = lines.exclude(application=excluding)
    return set(lines.values_list("terminal_id", flat=True))


def terminals_for(company) -> QuerySet[LogicalTerminal]:
    return LogicalTerminal.objects.filter(company=company, is_active=True).order_by("name")


def terminal_choices(company, application, *, name_filter: str = "") -> QuerySet[LogicalTerminal]:
    """The 論理端末 step's list: each terminal with its newest certificate's 発行日, whether another open 申込 names it
    (busy) and whether this draft has chosen it, so that one page of the list is one query."""
    other_open_lines = ReissueApplicationTerminal.objects.filter(
        terminal=OuterRef("pk"), application__status__in=ReissueApplication.OPEN_STATUSES
    ).exclude(application=application)
    newest_certificate = Certificate.objects.filter(terminal=OuterRef("pk")).order_by("-issued_at")
    terminals = terminals_for(company).annotate(
        busy=Exists(other_open_lines),
        chosen=Exists(ReissueApplicationTerminal.objects.filter(application=application, terminal=OuterRef("pk"))),
        issued_at=Subquery(newest_certificate.values("issued_at")[:1]),
    )
    if name_filter:
        terminals = terminals.filter(name__icontains=name_filter)
    return terminals


def chosen_summary(application, shown: int) -> tuple[int, list[str]]:
    """How many terminals the draft names, and the first `shown` names (from the shared cache while neither the
    draft nor the company's terminals have changed)."""

    def summary():
        chosen = application.lines.order_by("terminal__name").values_list("terminal__name", flat=True)
        names = list(chosen[: shown + 1])
        count = len(names) if len(names) <= shown else chosen.count()
        return count, names[:shown]

    return cached_under(
        f"applications:chosen:{application.company_id}:{application.pk}:{shown}",
        company_version_key(application.company_id),
        summary,
    )
