"""The reissue wizard (manual ② to ⑥) and 申込内容の確認. Every step has its own URL; every POST redirects."""

from dataclasses import dataclass
from functools import cache
from urllib.parse import urlencode

from django.contrib import messages
from django.core.paginator import Paginator
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.views.decorators.http import require_http_methods

from naccs.accounts.decorators import company_user_required
from naccs.lib.cache import fragments
from naccs.lib.jinja2 import render_fragment
from naccs.lib.versions import cached_under, company_version_key

from . import services
from .forms import ApplicantForm, TerminalsForm
from .models import ReissueApplication
from .selectors import (
    applications_for,
    chosen_summary,
    lines_of,
    terminal_choices,
    terminals_for,
    wizard_application,
    wizard_applications,
)
from .terminal_page_sql import TerminalPages

Status = ReissueApplication.Status
STEPS = ["ガイダンス", "申込担当者入力", "論理端末入力", "申込内容確認", "登録完了"]
PAGE_SIZE = 20
TERMINAL_PAGE_SIZE = 20
NAME_FILTER_MAX = 20
CHOSEN_NAMES_SHOWN = 20
CHOOSE_ALL_LISTED = "all"
CHOOSE_NONE = "none"
CONFIRM_CONTENT_CACHED_MAX = 16_000  # characters: about a hundred terminals


def wizard_context(step: int, application=None, **extra) -> dict:
    return {"stepper": stepper(step), "application": application, **extra}


@cache
def stepper(current_step: int) -> str:
    """The wizard's progress bar, the same for every 申込 at a step: rendered once per process."""
    return render_fragment("applications/_stepper.html", {"steps": STEPS, "current_step": current_step})


def editable_or_redirect(request, pk):
    """The application for a wizard step, or where to go when it cannot be edited any more (e.g. after Back)."""
    application = wizard_application(request.user.company, request.user, pk)
    return application, redirect_unless_editable(application)


def redirect_unless_editable(application):
    if application.status in (Status.DRAFT, Status.NEEDS_INFO):
        return None
    if application.status == Status.SUBMITTED:
        return redirect("applications:done", pk=application.pk)
    return redirect("applications:detail", pk=application.pk)


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
    """Manual ④. A company may have thousands of terminals, so the list comes a page at a time with a name filter;
    every button saves the ticks of the page shown, then goes to another page or on to the 確認画面."""
    application, elsewhere = editable_or_redirect(request, pk)
    if elsewhere:
        return elsewhere
    company = request.user.company
    name_filter = request.GET.get("q", "").strip()[:NAME_FILTER_MAX]
    # Plain values, a page at a time in one statement: the rows only print them.
    terminal_pages = TerminalPages(company.pk, application.pk, name_filter=name_filter)
    page = Paginator(terminal_pages, TERMINAL_PAGE_SIZE).get_page(request.GET.get("page"))
    # Which button: "confirm" (the 確認画面), a page number, or one of the two that choose in bulk.
    going = request.POST.get("go", "confirm")
    proceeding = going == "confirm"
    initial = {
        "desired_date": application.desired_date.strftime("%Y%m%d") if application.desired_date else "",
        "reason": application.reason,
        "reason_text": application.reason_text,
    }
    if request.method == "POST":
        form = TerminalsForm(
            request.POST,
            choosable=terminal_choices(company, application).filter(busy=False),
            listed=terminals_for(company),
            proceeding=proceeding,
        )
    else:
        form = TerminalsForm(initial=initial)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        if going == CHOOSE_ALL_LISTED:
            # Every terminal of the list shown that can be chosen, on every page of it.
            data["terminals"] = data["shown"] = list(
                form.fields["terminals"].queryset.filter(name__icontains=name_filter)
            )
        elif going == CHOOSE_NONE:
            data["terminals"], data["shown"] = [], None
        application = services.save_terminals(
            application=application,
            desired_date=data["desired_date"],
            reason=data["reason"],
            reason_text=data["reason_text"],
            terminals=data["terminals"],
            shown=data["shown"],
        )
        if going.isdigit():
            query = urlencode({"page": going, "q": request.POST.get("q", "").strip()})
            return redirect(f"{reverse('applications:terminals', args=[application.pk])}?{query}")
        if not proceeding:
            return redirect(request.get_full_path())
        if application.lines.exists():
            return redirect("applications:confirm", pk=application.pk)
        form.add_error("terminals", TerminalsForm.NONE_CHOSEN)
    # After a refused POST the boxes show what was ticked, otherwise what is saved.
    ticked = {str(value) for value in form["terminals"].value() or []} if form.is_bound else None
    chosen_count, chosen_names = chosen_summary(application, CHOSEN_NAMES_SHOWN)
    context = wizard_context(
        2,
        application,
        form=form,
        page=page,
        rows=terminal_rows(page.object_list, ticked=ticked),
        name_filter=name_filter,
        page_range=page.paginator.get_elided_page_range(page.number, on_each_side=2, on_ends=1),
        chosen_count=chosen_count,
        chosen_names=chosen_names,
        chosen_more=chosen_count - len(chosen_names),
    )
    return render(request, "applications/terminals.html", context)


def terminal_rows(terminals, *, ticked: set[str] | None) -> list[dict]:
    """The table rows of one page of the 論理端末 step: each terminal and whether its box is ticked."""
    return [
        {"terminal": terminal, "checked": terminal["chosen"] if ticked is None else str(terminal["pk"]) in ticked}
        for terminal in terminals
    ]


@dataclass(frozen=True)
class ConfirmSummary:
    """What the 確認画面 needs of a 申込: where to send the user instead, and the page above its form."""

    pk: int
    status: str
    applicant_email: str
    complete: bool
    content: str


def confirm_summary(company, user, pk: int) -> ConfirmSummary:
    """The 確認画面 of one 申込 (404 as wizard_applications), kept in each process's memory under the version of
    everything it shows: everyone who applies opens this page, and while nothing changes it costs no query and no
    render. The key names the company and the user: only a request that passed the 404 check fills it."""

    def summarize() -> ConfirmSummary:
        application = get_object_or_404(wizard_applications(company, user), pk=pk)
        lines = list(lines_of(application))
        return ConfirmSummary(
            pk=application.pk,
            status=application.status,
            applicant_email=application.applicant_email,
            complete=services.is_complete(application, lines),
            content=render_fragment("applications/_confirm_content.html", {"application": application, "lines": lines}),
        )

    return cached_under(
        f"applications:confirm:{company.pk}:{user.pk}:{pk}",
        company_version_key(company.pk),
        summarize,
        store=fragments,
        # Large drafts (hundreds of terminals) are rendered each time rather than held in every worker's memory.
        keep=lambda summary: len(summary.content) <= CONFIRM_CONTENT_CACHED_MAX,
    )


@company_user_required
@require_http_methods(["GET", "POST"])
def confirm_step(request, pk):
    summary = confirm_summary(request.user.company, request.user, pk)
    elsewhere = redirect_unless_editable(summary)
    if elsewhere:
        return elsewhere
    if not summary.complete:
        messages.info(request, "入力されていない項目があります。入力を続けてください。")
        if not summary.applicant_email:
            return redirect("applications:applicant", pk=pk)
        return redirect("applications:terminals", pk=pk)
    if request.method == "POST":
        # Registration reads and checks everything again, under a lock.
        application = wizard_application(request.user.company, request.user, pk)
        try:
            application = services.submit(application=application, user=request.user)
        except services.ApplicationError as error:
            messages.error(request, str(error))
            return redirect("applications:confirm", pk=pk)
        return redirect("applications:done", pk=application.pk)
    return render(request, "applications/confirm.html", wizard_context(3, content=summary.content))


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
