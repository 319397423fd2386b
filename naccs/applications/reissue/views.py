"""The reissue wizard's own pages: the guidance (manual ②) and the 論理端末 step (manual ④)."""

from urllib.parse import urlencode

from django.core.paginator import Paginator
from django.shortcuts import redirect
from django.urls import reverse
from django.views.decorators.http import require_http_methods

from naccs.accounts.decorators import contract_user_required
from naccs.pki.acquisition import rules_context
from naccs.terminals.listing import name_filter_of, with_labels

from .. import steps
from ..desired_date import as_typed
from ..models import Application
from .forms import TerminalsForm
from .kind import BEING_REMOVED, choose_terminals
from .selectors import chosen_summary, terminal_choices, terminal_rows, terminals_for

REISSUE = Application.Kind.REISSUE
TERMINAL_PAGE_SIZE = 20
CHOSEN_NAMES_SHOWN = 20
CHOOSE_ALL_LISTED = "all"
CHOOSE_NONE = "none"


@contract_user_required
@require_http_methods(["GET", "POST"])
def guidance(request):
    return steps.guidance_page(request, REISSUE, "applications/reissue/guidance.html", **rules_context())


@steps.step_page(REISSUE, 0, "terminals.html", related=("reissue",))
def terminals_step(request, application):
    """Manual ④. A company may have thousands of terminals, so the list comes a page at a time with a name filter;
    every button saves the ticks of the page shown, then goes to another page or on to the 確認画面."""
    name_filter = name_filter_of(request.GET.get("q", ""))
    listed = terminal_rows(request.user, application, name_filter=name_filter)
    page = Paginator(listed, TERMINAL_PAGE_SIZE).get_page(request.GET.get("page"))
    # Which button: "confirm" (the 確認画面), a page number, or one of the two that choose in bulk.
    going = request.POST.get("go", "confirm")
    proceeding = going == "confirm"
    reissue = application.reissue
    if request.method == "POST":
        form = TerminalsForm(
            request.POST,
            choosable=terminal_choices(request.user, application).filter(busy=False, removing=False),
            listed=terminals_for(request.user),
            proceeding=proceeding,
            chosen_elsewhere=lambda shown: set(
                application.reissue_lines.exclude(terminal__in=shown).values_list("terminal_id", flat=True)
            ),
        )
    else:
        form = TerminalsForm(
            initial={
                "desired_date": as_typed(application.desired_date),
                "reason": reissue.reason,
                "reason_text": reissue.reason_text,
            }
        )
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        if going == CHOOSE_ALL_LISTED:
            # Every terminal of the list shown that can be chosen, on every page of it.
            data["terminals"] = data["shown"] = list(
                form.fields["terminals"].queryset.filter(name__icontains=name_filter)
            )
        elif going == CHOOSE_NONE:
            data["terminals"], data["shown"] = [], None
        if not steps.save(request, application, lambda locked: choose_terminals(locked, **data)):
            return redirect(application)  # registered in another tab meanwhile
        if going.isdigit():
            query = urlencode({"page": going, "q": request.POST.get("q", "").strip()})
            return redirect(f"{reverse('applications:reissue_terminals', args=[application.pk])}?{query}")
        if not proceeding:
            return redirect(request.get_full_path())
        if application.reissue_lines.exists():
            return redirect("applications:confirm", REISSUE, application.pk)
        form.add_error("terminals", TerminalsForm.NONE_CHOSEN)
    # After a refused POST the boxes show what was ticked, otherwise what is saved.
    ticked = {str(value) for value in form["terminals"].value() or []} if form.is_bound else None
    chosen_count, chosen_names = chosen_summary(application, CHOSEN_NAMES_SHOWN)
    return dict(
        form=form,
        page=page,
        rows=[
            {**with_labels(row), "checked": row["chosen"] if ticked is None else str(row["pk"]) in ticked}
            for row in page.object_list
        ],
        name_filter=name_filter,
        page_range=page.paginator.get_elided_page_range(page.number, on_each_side=2, on_ends=1),
        chosen_count=chosen_count,
        chosen_names=chosen_names,
        chosen_more=chosen_count - len(chosen_names),
        being_removed=BEING_REMOVED,
    )
