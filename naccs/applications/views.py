"""The reissue wizard (manual ② to ⑥) and 申込内容の確認. Every step has its own URL; every POST redirects."""

from django.contrib import messages
from django.core.paginator import Paginator
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_http_methods

from naccs.accounts.decorators import company_user_required

from . import services
from .forms import ApplicantForm, TerminalsForm
from .models import ReissueApplication
from .selectors import applications_for, open_application_terminal_ids, terminals_for, wizard_applications

Status = ReissueApplication.Status
STEPS = ["ガイダンス", "申込担当者入力", "論理端末入力", "申込内容確認", "登録完了"]
PAGE_SIZE = 20


def wizard_context(step: int, application=None, **extra) -> dict:
    return {"steps": STEPS, "current_step": step, "application": application, **extra}


def editable_or_redirect(request, pk):
    """The application for a wizard step, or where to go when it cannot be edited any more (e.g. after Back)."""
    application = get_object_or_404(wizard_applications(request.user.company, request.user), pk=pk)
    if application.status in (Status.DRAFT, Status.NEEDS_INFO):
        return application, None
    if application.status == Status.SUBMITTED:
        return application, redirect("applications:done", pk=application.pk)
    return application, redirect("applications:detail", pk=application.pk)


@company_user_required
@require_http_methods(["GET", "POST"])
def guidance(request):
    if request.method == "POST":
        draft = services.start_draft(user=request.user)
        return redirect("applications:applicant", pk=draft.pk)
    draft = ReissueApplication.objects.filter(created_by=request.user, status=Status.DRAFT).first()
    return render(request, "applications/guidance.html", wizard_context(0, draft))


@company_user_required
@require_http_methods(["GET", "POST"])
def applicant_step(request, pk):
    application, elsewhere = editable_or_redirect(request, pk)
    if elsewhere:
        return elsewhere
    initial = {field: getattr(application, f"applicant_{field}") for field in services.APPLICANT_FIELDS}
    initial["email_confirm"] = initial["email"]
    form = ApplicantForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        services.save_applicant(application=application, data=form.cleaned_data)
        return redirect("applications:terminals", pk=application.pk)
    return render(request, "applications/applicant.html", wizard_context(1, application, form=form))


@company_user_required
@require_http_methods(["GET", "POST"])
def terminals_step(request, pk):
    application, elsewhere = editable_or_redirect(request, pk)
    if elsewhere:
        return elsewhere
    company = request.user.company
    busy = open_application_terminal_ids(company, excluding=application)
    all_terminals = list(terminals_for(company).prefetch_related("certificates"))
    choosable = terminals_for(company).exclude(pk__in=busy)
    chosen = set(application.lines.values_list("terminal_id", flat=True))
    initial = {
        "desired_date": application.desired_date.strftime("%Y%m%d") if application.desired_date else "",
        "reason": application.reason,
        "reason_text": application.reason_text,
        "terminals": list(chosen - busy),
    }
    form = TerminalsForm(request.POST or None, initial=initial, terminals=choosable)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        services.save_terminals(
            application=application,
            desired_date=data["desired_date"],
            reason=data["reason"],
            reason_text=data["reason_text"],
            terminals=data["terminals"],
        )
        return redirect("applications:confirm", pk=application.pk)
    selected = {str(value) for value in (form["terminals"].value() or [])}
    rows = [
        {
            "terminal": terminal,
            "certificate": current_certificate(terminal),
            "busy": terminal.pk in busy,
            "checked": str(terminal.pk) in selected,
        }
        for terminal in all_terminals
    ]
    return render(request, "applications/terminals.html", wizard_context(2, application, form=form, rows=rows))


def current_certificate(terminal):
    """The newest certificate of a terminal (prefetched, newest first)."""
    certificates = terminal.certificates.all()
    return certificates[0] if certificates else None


@company_user_required
@require_http_methods(["GET", "POST"])
def confirm_step(request, pk):
    application, elsewhere = editable_or_redirect(request, pk)
    if elsewhere:
        return elsewhere
    if not services.is_complete(application):
        messages.info(request, "入力されていない項目があります。入力を続けてください。")
        if not application.applicant_email:
            return redirect("applications:applicant", pk=application.pk)
        return redirect("applications:terminals", pk=application.pk)
    if request.method == "POST":
        try:
            application = services.submit(application=application, user=request.user)
        except services.ApplicationError as error:
            messages.error(request, str(error))
            return redirect("applications:confirm", pk=application.pk)
        return redirect("applications:done", pk=application.pk)
    return render(request, "applications/confirm.html", wizard_context(3, application, lines=lines_of(application)))


def lines_of(application):
    return application.lines.select_related("terminal").prefetch_related("terminal__certificates")


@company_user_required
def done(request, pk):
    application = get_object_or_404(applications_for(request.user.company), pk=pk)
    return render(request, "applications/done.html", wizard_context(4, application))


@company_user_required
def application_list(request):
    applications = applications_for(request.user.company).prefetch_related("lines__terminal")
    page = Paginator(applications.order_by("-submitted_at", "-pk"), PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "applications/list.html", {"page": page})


@company_user_required
def application_detail(request, pk):
    application = get_object_or_404(applications_for(request.user.company), pk=pk)
    return render(request, "applications/detail.html", {"application": application, "lines": lines_of(application)})


@company_user_required
@require_http_methods(["GET", "POST"])
def withdraw(request, pk):
    application = get_object_or_404(applications_for(request.user.company), pk=pk)
    if request.method == "POST":
        try:
            services.withdraw(application=application, user=request.user)
            messages.success(request, f"申込（申込受付番号：{application.receipt_number}）を取り下げました。")
        except services.ApplicationError as error:
            messages.error(request, str(error))
        return redirect("applications:detail", pk=application.pk)
    return render(request, "applications/withdraw.html", {"application": application})
