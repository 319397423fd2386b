"""The contract-change wizard's own pages: its guidance, 契約者情報 (with the 変更希望日) and 事業所・論理端末."""

from django.contrib import messages
from django.shortcuts import redirect
from django.views.decorators.http import require_http_methods

from naccs.accounts.decorators import contract_administrator_required
from naccs.pki.pickups import PICKUP_MONTHS

from .. import steps
from ..desired_date import as_typed
from ..lifecycle import TransitionRefused
from ..models import Application, ContractChangeLine
from .drafts import add_line, remove_line, set_details
from .forms import AddOfficeForm, AddTerminalForm, CloseOfficeForm, DetailsForm, RemoveTerminalForm
from .kind import check_lines
from .selectors import contract_details_of, open_offices

CONTRACT_CHANGE = Application.Kind.CONTRACT_CHANGE
Action = ContractChangeLine.Action


@contract_administrator_required
@require_http_methods(["GET", "POST"])
def guidance(request):
    template = "applications/contract_change/guidance.html"
    return steps.guidance_page(request, CONTRACT_CHANGE, template, pickup_months=PICKUP_MONTHS)


@steps.step_page(CONTRACT_CHANGE, 0, "details.html", related=("contract_change",))
def details_step(request, application):
    change = application.contract_change
    initial = {name: getattr(change, name) for name in change.DETAIL_FIELDS}
    form = DetailsForm(request.POST or None, initial={**initial, "desired_date": as_typed(application.desired_date)})
    if request.method == "POST" and form.is_valid():
        if steps.save(request, application, lambda locked: set_details(locked, form.cleaned_data)):
            return redirect("applications:contract_change_items", application.pk)
        return redirect(application)
    return {"form": form, "current_details": contract_details_of(request.user.company)}


# The forms of the 事業所・論理端末 step, by the button that sends each: (form class, action, field of a refusal).
ITEM_FORMS = {
    Action.ADD_OFFICE: (AddOfficeForm, "office_name"),
    Action.CLOSE_OFFICE: (CloseOfficeForm, "office"),
    Action.ADD_TERMINAL: (AddTerminalForm, "terminal_office"),
    Action.REMOVE_TERMINAL: (RemoveTerminalForm, "terminal_name"),
}


def item_forms(company, data=None, *, sent=None) -> dict:
    """Every form of the step, the one sent bound to `data`, prefixed so that their fields never clash."""
    options = {
        Action.CLOSE_OFFICE: {"offices": open_offices(company)},
        Action.ADD_TERMINAL: {"offices": open_offices(company)},
        Action.REMOVE_TERMINAL: {"terminals": company.terminals.filter(is_active=True)},
    }
    return {
        action: form_class(data if action == sent else None, prefix=action, **options.get(action, {}))
        for action, (form_class, _) in ITEM_FORMS.items()
    }


def line_fields(action: str, data: dict) -> dict:
    if action == Action.ADD_OFFICE:
        return {"office_name": data["office_name"]}
    if action == Action.CLOSE_OFFICE:
        return {"office": data["office"]}
    if action == Action.ADD_TERMINAL:
        return {"category": data["category"], "device_type": data["device_type"], "office": data["terminal_office"]}
    return {"terminal": data["terminal_name"]}


@steps.step_page(CONTRACT_CHANGE, 1, "items.html", related=("contract_change", "company"))
def items_step(request, application):
    """The 事業所 and 論理端末 added or removed: each small form adds one line, each line can be taken out again, and
    「申込内容確認へ進む」 checks the whole list."""
    company = request.user.company
    going = request.POST.get("go", "")
    forms = item_forms(company, request.POST, sent=going)
    if request.method == "POST":
        if going in ITEM_FORMS and (form := forms[going]).is_valid():
            fields = line_fields(going, form.cleaned_data)
            change = lambda locked: add_line(locked, action=going, **fields)  # noqa: E731
            if steps.save(request, application, change, form=form, field=ITEM_FORMS[going][1]):
                return redirect(request.path)
        elif removed := steps.remove_line(request, application, remove_line):
            return removed
        elif going == "confirm":
            lines = list(application.contract_change_lines.select_related("office", "terminal"))
            if not lines and not application.contract_change.changes_details:
                messages.error(request, "変更する内容を1つ以上入力してください。")
                return redirect(request.path)
            try:
                check_lines(company, lines, exclude_application=application)
            except TransitionRefused as refusal:
                messages.error(request, str(refusal))
                return redirect(request.path)
            return redirect("applications:confirm", CONTRACT_CHANGE, application.pk)
    lines = application.contract_change_lines.select_related("office", "terminal").order_by("pk")
    return {"forms": forms, "lines": lines, "actions": Action}
