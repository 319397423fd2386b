"""What the kinds' own step pages share: starting a draft from the guidance, the skeleton of a step page (the 申込
it may show, Back after registration, the stepper), saving a step through the lifecycle with a refusal shown where
the user can act on it, and taking out one line of a list."""

from functools import wraps

from django.contrib import messages
from django.http import HttpResponseBase
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods

from naccs.accounts.decorators import may_apply_required
from naccs.lib.ids import parse_id

from . import lifecycle
from .kinds import kind_of
from .selectors import draft_of
from .views import GUIDANCE, redirect_unless_editable, wizard_application, wizard_context

# The button that takes one line out of a step's list: go=remove with line=<id> (a form of its own per line), or
# go=remove-<id> (a button inside the step's form, which must send the rest of that form too).
REMOVE = "remove"


def guidance_page(request, code: str, template: str, **extra):
    """A kind's ガイダンス: 「申込担当者入力へ進む」 starts (or resumes) the user's draft of the kind."""
    if request.method == "POST":
        draft = lifecycle.start(kind=code, user=request.user)
        return redirect("applications:applicant", code, draft.pk)
    return render(request, template, wizard_context(kind_of(code), GUIDANCE, draft_of(request.user, code), **extra))


def step_page(code: str, step: int, template: str, *, related=()):
    """A kind's own step page (`step`, its index in Kind.steps), written as `body(request, application)` that returns
    a response (a redirect) or what its `template` (under the kind's folder) shows besides the stepper. The 申込 is
    one this user may see (404 otherwise) and still editable (else the user is sent where it now is)."""

    def decorate(body):
        @may_apply_required(code)
        @require_http_methods(["GET", "POST"])
        @wraps(body)
        def view(request, pk):
            application = wizard_application(request, code, pk, related=related)
            if elsewhere := redirect_unless_editable(application):
                return elsewhere
            answer = body(request, application)
            if isinstance(answer, HttpResponseBase):
                return answer
            kind = kind_of(code)
            context = wizard_context(kind, kind.steps[step].label, application, **answer)
            return render(request, f"{kind.template_folder}/{template}", context)

        return view

    return decorate


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


def line_to_remove(request) -> int | None:
    """The id of the line whose 「取り消す」 was clicked, or None (another button, or a value that cannot be an id,
    such as 「²」: nothing is removed and nothing fails)."""
    going = request.POST.get("go", "")
    if going == REMOVE:
        return parse_id(request.POST.get("line"))
    if going.startswith(f"{REMOVE}-"):
        return parse_id(going.removeprefix(f"{REMOVE}-"))
    return None


def remove_line(request, application, remove):
    """「取り消す」 of one line: `remove(locked, line_id)` in the lifecycle, then the step again. None when the POST
    was not such a click."""
    if (line_id := line_to_remove(request)) is None:
        return None
    save(request, application, lambda locked: remove(locked, line_id))
    return redirect(request.path)
