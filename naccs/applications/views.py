"""The pages every kind of 申込 shares: 申込担当者入力, 申込内容確認, 登録完了 (manual ③, ⑤, ⑥), and 申込内容の確認 with
the detail and 取り下げ. A kind's own steps are in its package (applications/reissue/views.py).

Every step has its own URL and is safe to revisit with Back or Reload; every POST redirects.
"""

from urllib.parse import urlencode

from django.contrib import messages
from django.core.paginator import Paginator
from django.db.models import prefetch_related_objects
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.views.decorators.http import require_http_methods

from naccs.accounts.decorators import contract_user_required

from . import lifecycle
from .applicant import ApplicantForm, applicant_is_complete, applicant_of, set_applicant
from .kinds import Kind, all_kinds, kind_of
from .models import Application
from .selectors import applications_for, wizard_applications

Status = Application.Status
PAGE_SIZE = 20
GUIDANCE, APPLICANT = "ガイダンス", "申込担当者入力"
CONFIRM, DONE = "申込内容確認", "登録完了"


def stepper(kind: Kind, current: str) -> dict:
    """The wizard's progress bar: the shared steps around the kind's own."""
    steps = [GUIDANCE, APPLICANT, *(step.label for step in kind.steps), CONFIRM, DONE]
    return {"steps": steps, "current_step": steps.index(current)}


def wizard_context(kind: Kind, current: str, application=None, **extra) -> dict:
    return {"kind": kind, "stepper": stepper(kind, current), "application": application, **extra}


def wizard_application(request, kind: str, pk: int, *, details: bool = False, related=()) -> Application:
    """A 申込 a wizard page may show (404 otherwise): this user's draft, or a registered 申込 of the company; with
    `details`, together with what its kind's section shows, or with the `related` rows a step reads."""
    applications = wizard_applications(request.user, kind).select_related(*related)
    if details:
        applications = kind_of(kind).with_details(applications)
    return get_object_or_404(applications, pk=pk)


def redirect_unless_editable(application: Application):
    """Where a wizard page sends the user when the 申込 can no longer be changed (e.g. after Back), else None."""
    if application.is_editable:
        return None
    if application.status == Status.SUBMITTED:
        return redirect("applications:done", application.kind, application.pk)
    return redirect(application)


def first_step_url(kind: Kind, application: Application) -> str:
    return reverse(kind.steps[0].url_name, args=[application.pk])


@contract_user_required
@require_http_methods(["GET", "POST"])
def applicant_step(request, kind, pk):
    kind = kind_of(kind)
    application = wizard_application(request, kind.code, pk)
    if elsewhere := redirect_unless_editable(application):
        return elsewhere
    initial = applicant_of(application)
    form = ApplicantForm(request.POST or None, initial={**initial, "email_confirm": initial["email"]})
    if request.method == "POST" and form.is_valid():
        try:
            lifecycle.save_step(
                application=application,
                user=request.user,
                change=lambda locked: set_applicant(locked, form.cleaned_data),
            )
        except lifecycle.TransitionRefused as refusal:
            messages.error(request, str(refusal))
            return redirect(request.path)
        return redirect(first_step_url(kind, application))
    return render(request, "applications/applicant.html", wizard_context(kind, APPLICANT, application, form=form))


@contract_user_required
@require_http_methods(["GET", "POST"])
def confirm_step(request, kind, pk):
    """申込内容確認 (manual ⑤): everything entered, a 「…の入力に戻る」 per section, and 「申込内容を登録する」."""
    kind = kind_of(kind)
    application = wizard_application(request, kind.code, pk, details=True)
    if elsewhere := redirect_unless_editable(application):
        return elsewhere
    if not lifecycle.is_complete(application):
        messages.info(request, "入力されていない項目があります。入力を続けてください。")
        if not applicant_is_complete(application):
            return redirect("applications:applicant", kind.code, application.pk)
        return redirect(first_step_url(kind, application))
    if request.method == "POST":
        # Registration reads and checks everything again, under a lock.
        try:
            shown = request.POST.get("version")  # absent only for a client that is no browser
            outcome = lifecycle.submit(application=application, user=request.user, shown_version=shown)
        except lifecycle.TransitionRefused as refusal:
            messages.error(request, str(refusal))
            return redirect(request.path)
        if outcome.message:
            messages.error(request, outcome.message)
        return redirect_unless_editable(outcome.application) or redirect(request.path)
    context = wizard_context(
        kind, CONFIRM, application, **kind.section_context(application), change_links=True,
        version=lifecycle.version_of(application),
    )  # fmt: skip
    return render(request, "applications/confirm.html", context)


@contract_user_required
def done(request, kind, pk):
    application = get_object_or_404(wizard_applications(request.user, kind).exclude(status=Status.DRAFT), pk=pk)
    return render(request, "applications/done.html", wizard_context(kind_of(kind), DONE, application))


@contract_user_required
def application_list(request):
    """申込内容の確認: the company's 申込 of every kind, newest first, a page at a time; ?kind= shows one kind."""
    applications = applications_for(request.user).order_by("-submitted_at", "-pk")
    kind_filter = request.GET.get("kind", "")
    if kind_filter in Application.Kind.values:
        applications = applications.filter(kind=kind_filter)
    else:
        kind_filter = ""
    page = Paginator(applications, PAGE_SIZE).get_page(request.GET.get("page"))
    applications = list(page.object_list)
    for code in {application.kind for application in applications}:
        of_kind = [application for application in applications if application.kind == code]
        prefetch_related_objects(of_kind, *kind_of(code).list_prefetch())
    rows = []
    for application in applications:
        kind = kind_of(application.kind)
        rows.append({"application": application, "kind": kind, "summary": kind.summary(application)})
    context = {
        "page": page,
        "rows": rows,
        "kinds": all_kinds(),
        "kind_filter": kind_filter,
        "page_query": urlencode({"kind": kind_filter}) if kind_filter else "",
    }
    return render(request, "applications/list.html", context)


@contract_user_required
def application_detail(request, pk):
    kind_code = get_object_or_404(applications_for(request.user).values_list("kind", flat=True), pk=pk)
    kind = kind_of(kind_code)
    application = kind.with_details(applications_for(request.user)).get(pk=pk)
    context = {"application": application, "kind": kind, **kind.section_context(application)}
    return render(request, "applications/detail.html", context)


@contract_user_required
@require_http_methods(["GET", "POST"])
def withdraw(request, pk):
    application = get_object_or_404(applications_for(request.user), pk=pk)
    if request.method == "POST":
        outcome = lifecycle.withdraw(application=application, user=request.user)
        if outcome.message:
            messages.error(request, outcome.message)
        else:
            messages.success(request, f"申込（申込受付番号：{application.receipt_number}）を取り下げました。")
        return redirect(application)
    # The confirmation is shown only where its button can succeed (a finished 申込 goes back to its detail).
    if refusal := lifecycle.why_not_withdrawable(application):
        messages.error(request, refusal)
        return redirect(application)
    return render(request, "applications/withdraw.html", {"application": application})
