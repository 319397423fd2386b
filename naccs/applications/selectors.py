"""Reads of 申込, always scoped to one company."""

from django.db.models import Q, QuerySet

from .models import Application


def applications_for(company) -> QuerySet[Application]:
    """The company's 申込 as its users see them (drafts are not 申込 yet)."""
    return Application.objects.filter(company=company).exclude(status=Application.Status.DRAFT)


def wizard_applications(company, user) -> QuerySet[Application]:
    """What the wizard may show: this user's drafts, the company's 申込 (for the completion page and corrections)."""
    return Application.objects.filter(company=company).filter(~Q(status=Application.Status.DRAFT) | Q(created_by=user))


def draft_of(user, kind: str) -> Application | None:
    """The user's draft of this kind, if one was started (a user has at most one per kind: lifecycle.start)."""
    drafts = Application.objects.filter(created_by=user, company=user.company, kind=kind)
    return drafts.filter(status=Application.Status.DRAFT).first()
