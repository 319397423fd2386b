"""The 通関士IDの追加 wizard's own pages: its guidance and the 通関士 step (several 通関士 in one 申込)."""

from django.conf import settings
from django.contrib import messages
from django.shortcuts import redirect
from django.views.decorators.http import require_http_methods

from naccs.accounts.decorators import contract_administrator_required
from naccs.accounts.models import Office

from .. import steps
from ..desired_date import as_typed
from ..models import Application
from .forms import BrokerForm, StartDateForm
from .kind import MAX_BROKERS_PER_APPLICATION, add_broker, remove_broker

BROKER_IDS = Application.Kind.BROKER_IDS
ADD, CONFIRM = "add", "confirm"  # the buttons' go values, besides steps.REMOVE's
ADDED = "通関士を追加しました。続けて追加するか、「申込内容確認へ進む」をクリックしてください。"
NONE_ADDED = "追加する通関士を1名以上入力し、「この通関士を追加する」をクリックしてください。"


@contract_administrator_required
@require_http_methods(["GET", "POST"])
def guidance(request):
    template = "applications/broker_ids/guidance.html"
    return steps.guidance_page(request, BROKER_IDS, template, link_hours=settings.SET_PASSWORD_LINK_HOURS)


@steps.step_page(BROKER_IDS, 0, "brokers.html")
def brokers_step(request, application):
    """The 通関士 already added, a form for one more, and the 利用開始希望日. Every button saves what is filled in:
    「この通関士を追加する」 stays on the page, 「申込内容確認へ進む」 goes on once at least one 通関士 is added."""
    offices = Office.objects.filter(company=request.user.company).order_by("name")
    going = request.POST.get("go", CONFIRM)
    lines = application.broker_lines.select_related("office").order_by("pk")
    if request.method == "POST":
        date_form = StartDateForm(request.POST, proceeding=going == CONFIRM)
        broker_form = BrokerForm(request.POST, offices=offices, application=application)
        adding = going == ADD or (going == CONFIRM and not broker_form.is_blank())
        # The 削除 buttons sit inside the step's form, so that the 利用開始希望日 typed meanwhile is saved too.
        removing = steps.line_to_remove(request)
        if date_form.is_valid() and (not adding or broker_form.is_valid()):

            def change(locked):
                if date_form.cleaned_data["desired_date"] is not None:
                    locked.desired_date = date_form.cleaned_data["desired_date"]
                if adding:
                    add_broker(locked, broker_form.cleaned_data)
                if removing:
                    remove_broker(locked, removing)

            # Refused when registered in another tab (the page then sends the user to the 申込), or the list is full.
            if not steps.save(request, application, change):
                return redirect(request.path)
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
        date_form = StartDateForm(initial={"desired_date": as_typed(application.desired_date)})
        broker_form = BrokerForm(offices=offices)
    return {
        "date_form": date_form,
        "broker_form": broker_form,
        "lines": list(lines),
        "max_brokers": MAX_BROKERS_PER_APPLICATION,
    }
