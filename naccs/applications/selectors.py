"""Reads of 申込, always scoped to one company, and to what the user's role sees of it (naccs.accounts.roles)."""

from django.db.models import Q, QuerySet

from naccs.accounts.roles import applications_seen_by, may_apply_for

from .models import Application


def applications_for(user) -> QuerySet[Application]:
    """The 申込 of `user`'s company that they see (drafts are not 申込 yet)."""
    applications = Application.objects.filter(company=user.company_id).exclude(status=Application.Status.DRAFT)
    return applications_seen_by(user, applications)


def wizard_applications(user, kind: str) -> QuerySet[Application]:
    """What the wizard of `kind` may show `user`: their drafts, the 申込 they see (for the completion page and
    corrections); nothing of a kind they may not make."""
    if not may_apply_for(user, kind):
        return Application.objects.none()
    applications = Application.objects.filter(company=user.company_id, kind=kind)
    return applications_seen_by(user, applications.filter(~Q(status=Application.Status.DRAFT) | Q(created_by=user)))


def draft_of(user, kind: str) -> Application | None:
    """The user's draft of this kind, if one was started (a user has at most one per kind: lifecycle.start)."""
    drafts = Application.objects.filter(created_by=user, company=user.company, kind=kind)
    return drafts.filter(status=Application.Status.DRAFT).first()
