"""The system-settings wizard's own pages: its guidance, 設定内容 (設定希望日, 通知先) and each terminal's settings."""

from django.contrib import messages
from django.shortcuts import redirect
from django.views.decorators.http import require_http_methods

from naccs.accounts.decorators import contract_administrator_required

from .. import steps
from ..desired_date import as_typed
from ..kinds import kind_of
from ..models import Application
from .forms import DetailsForm, TerminalSettingsForm
from .kind import remove_terminal, set_details, set_terminal

SYSTEM_SETTINGS = Application.Kind.SYSTEM_SETTINGS
NOTHING_TO_SET = "設定する論理端末を1台以上追加するか、通知先E-mailアドレスを入力してください。"


@contract_administrator_required
@require_http_methods(["GET", "POST"])
def guidance(request):
    return steps.guidance_page(request, SYSTEM_SETTINGS, "applications/system_settings/guidance.html")


@steps.step_page(SYSTEM_SETTINGS, 0, "details.html", related=("system_settings",))
def details_step(request, application):
    saved = application.system_settings.notification_addresses
    initial = {f"address{number}": address for number, address in enumerate(saved, start=1)}
    form = DetailsForm(request.POST or None, initial={**initial, "desired_date": as_typed(application.desired_date)})
    if request.method == "POST" and form.is_valid():
        if steps.save(request, application, lambda locked: set_details(locked, form.cleaned_data)):
            return redirect("applications:system_settings_terminals", application.pk)
        return redirect(application)
    return {
        "form": form,
        "current_addresses": request.user.company.notification_addresses.values_list("email", flat=True),
    }


@steps.step_page(SYSTEM_SETTINGS, 1, "terminals.html", related=("system_settings",))
def terminals_step(request, application):
    """Each terminal's settings, one terminal at a time: 「この論理端末の設定を追加する」 adds (or replaces) a terminal,
    「取り消す」 takes one out, and 「申込内容確認へ進む」 goes on when something is to be set."""
    going = request.POST.get("go", "")
    terminals = request.user.company.terminals.filter(is_active=True)
    form = TerminalSettingsForm(request.POST if going == "add" else None, terminals=terminals)
    if request.method == "POST":
        if going == "add" and form.is_valid():
            data = form.cleaned_data
            fields = {
                "terminal": data["terminal_name"],
                "business_groups": data["business_groups"],
                "mail_outputs": data["mail_outputs"],
            }
            if steps.save(request, application, lambda locked: set_terminal(locked, **fields), form=form, field=None):
                return redirect(request.path)
        elif removed := steps.remove_line(request, application, remove_terminal):
            return removed
        elif going == "confirm":
            if not kind_of(SYSTEM_SETTINGS).is_complete(application):
                messages.error(request, NOTHING_TO_SET)
                return redirect(request.path)
            return redirect("applications:confirm", SYSTEM_SETTINGS, application.pk)
    kind = kind_of(SYSTEM_SETTINGS)
    return {"form": form, **kind.section_context(kind.with_details(Application.objects).get(pk=application.pk))}
