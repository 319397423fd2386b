"""The 通関士IDの追加 wizard's own pages: its guidance and the 通関士 step (several 通関士 in one 申込)."""

from django.conf import settings
from django.contrib import messages
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods

from naccs.accounts.decorators import contract_administrator_required
from naccs.accounts.models import Office
from naccs.lib.ids import parse_id

from .. import lifecycle
from ..kinds import kind_of
from ..models import Application
from ..selectors import draft_of
from ..views import GUIDANCE, redirect_unless_editable, wizard_application, wizard_context
from .forms import BrokerForm, StartDateForm
from .kind import MAX_BROKERS_PER_APPLICATION, add_broker, remove_broker

BROKER_IDS = Application.Kind.BROKER_IDS
ADD, CONFIRM, REMOVE = "add", "confirm", "remove-"  # the buttons' go values; REMOVE is followed by the line's id
ADDED = "通関士を追加しました。続けて追加するか、「申込内容確認へ進む」をクリックしてください。"
NONE_ADDED = "追加する通関士を1名以上入力し、「この通関士を追加する」をクリックしてください。"


@contract_administrator_required
@require_http_methods(["GET", "POST"])
def guidance(request):
    if request.method == "POST":
        draft = lifecycle.start(kind=BROKER_IDS, user=request.user)
        return redirect("applications:applicant", BROKER_IDS, draft.pk)
    context = wizard_context(
        kind_of(BROKER_IDS), GUIDANCE, draft_of(request.user, BROKER_IDS), link_hours=settings.SET_PASSWORD_LINK_HOURS
    )
    return render(request, "applications/broker_ids/guidance.html", context)


@contract_administrator_required
@require_http_methods(["GET", "POST"])
def brokers_step(request, pk):
    """The 通関士 already added, a form for one more, and the 利用開始希望日. Every button saves what is filled in:
    「この通関士を追加する」 stays on the page, 「申込内容確認へ進む」 goes on once at least one 通関士 is added."""
    application = wizard_application(request, BROKER_IDS, pk)
    if elsewhere := redirect_unless_editable(application):
        return elsewhere
    offices = Office.objects.filter(company=request.user.company).order_by("name")
    going = request.POST.get("go", CONFIRM)
    lines = application.broker_lines.select_related("office").order_by("pk")
    if request.method == "POST":
        date_form = StartDateForm(request.POST, proceeding=going == CONFIRM)
        broker_form = BrokerForm(request.POST, offices=offices, application=application)
        adding = going == ADD or (going == CONFIRM and not broker_form.is_blank())
        removing = parse_id(going.removeprefix(REMOVE)) if going.startswith(REMOVE) else None
        if date_form.is_valid() and (not adding or broker_form.is_valid()):

            def change(locked):
                if date_form.cleaned_data["desired_date"] is not None:
                    locked.desired_date = date_form.cleaned_data["desired_date"]
                if adding:
                    add_broker(locked, broker_form.cleaned_data)
                if removing:
                    remove_broker(locked, removing)

            try:
                lifecycle.save_step(application=application, user=request.user, change=change)
            except lifecycle.TransitionRefused as refusal:  # registered in another tab, or the list is full
                messages.error(request, str(refusal))
                return redirect(request.path) if application.is_editable else redirect(application)
            if going == CONFIRM:
                if application.broker_lines.exists():
                    return redirect("applications:confirm", BROKER_IDS, application.pk)
                messages.error(request, NONE_ADDED)
            elif adding:
                messages.success(request, ADDED)
            return redirect(request.path)
        if not adding:
            broker_form = BrokerForm(offices=offices)
    else:
        initial = {"desired_date": application.desired_date.strftime("%Y%m%d") if application.desired_date else ""}
        date_form = StartDateForm(initial=initial)
        broker_form = BrokerForm(offices=offices)
    kind = kind_of(BROKER_IDS)
    context = wizard_context(
        kind,
        kind.steps[0].label,
        application,
        date_form=date_form,
        broker_form=broker_form,
        lines=list(lines),
        max_brokers=MAX_BROKERS_PER_APPLICATION,
    )
    return render(request, "applications/broker_ids/brokers.html", context)
