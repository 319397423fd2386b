"""What the kinds' own step pages share: starting a draft from the guidance, and saving a step through the lifecycle
with a refusal shown where the user can act on it."""

from django.contrib import messages
from django.shortcuts import redirect, render

from . import lifecycle
from .kinds import kind_of
from .selectors import draft_of
from .views import GUIDANCE, wizard_context


def guidance_page(request, code: str, template: str, **extra):
    """A kind's ガイダンス: 「申込担当者入力へ進む」 starts (or resumes) the user's draft of the kind."""
    if request.method == "POST":
        draft = lifecycle.start(kind=code, user=request.user)
        return redirect("applications:applicant", code, draft.pk)
    return render(request, template, wizard_context(kind_of(code), GUIDANCE, draft_of(request.user, code), **extra))


def save(request, application, change, *, form=None, field=None) -> bool:
    """Save a step's `change(locked)`. A refusal goes next to `field` of `form` when given (the rule broken is about
    what was typed there), else to the page's messages. True when saved."""
    try:
        lifecycle.save_step(application=application, user=request.user, change=change)
    except lifecycle.TransitionRefused as refusal:
        if form is not None:
            form.add_error(field, str(refusal))
        else:
            messages.error(request, str(refusal))
        return False
    return True
