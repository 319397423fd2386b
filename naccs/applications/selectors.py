"""Reads of 申込, always scoped to one company."""

from django.db.models import Q, QuerySet

from naccs.terminals.models import LogicalTerminal

from .models import ReissueApplication, ReissueApplicationTerminal


def applications_for(company) -> QuerySet[ReissueApplication]:
    """The company's 申込 as its users see them (drafts are not 申込 yet)."""
    return ReissueApplication.objects.filter(company=company).exclude(status=ReissueApplication.Status.DRAFT)


def wizard_applications(company, user) -> QuerySet[ReissueApplication]:
    """What the wizard may show: this user's drafts, the company's 申込 (for the completion page and corrections)."""
    return ReissueApplication.objects.filter(company=company).filter(
        ~Q(status=ReissueApplication.Status.DRAFT) | Q(created_by=user)
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
