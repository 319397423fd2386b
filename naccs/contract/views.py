"""契約内容の確認, and the signed-in 取得 of one of the company's terminals from it."""

from django.conf import settings
from django.contrib import messages
from django.core.paginator import Paginator
from django.http import HttpResponseNotAllowed
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.views.decorators.http import require_http_methods

from naccs.accounts.decorators import contract_administrator_required, contract_user_required
from naccs.accounts.roles import manages_contract, terminals_seen_by
from naccs.applications.broker_ids.logins import send_set_password_link
from naccs.applications.contract_change.selectors import contract_details_of
from naccs.applications.kinds import kind_of
from naccs.lib.client_address import client_address
from naccs.pki.acquisition import AcquisitionRefused, acquire_for_company, rules_context
from naccs.pki.forms import PackagePasswordForm
from naccs.pki.views import acquired_page
from naccs.terminals.listing import name_filter_of
from naccs.terminals.models import LogicalTerminal

from .selectors import (
    ACQUIRABLE,
    EXPIRED,
    company_users,
    contract_terminals,
    pending_contract_changes,
    settings_by_terminal,
    user_rows,
    with_status,
)

# A company may have thousands of terminals: a page at a time, with a name filter.
PAGE_SIZE = 50


@contract_user_required
def overview(request):
    now = timezone.now()
    name_filter = name_filter_of(request.GET.get("q", ""))
    terminals = contract_terminals(request.user, now=now, name_filter=name_filter)
    page = Paginator(terminals, PAGE_SIZE).get_page(request.GET.get("page"))
    rows = with_status(page.object_list, now=now)
    company = request.user.company
    administrator = manages_contract(request.user)
    terminal_settings = settings_by_terminal([row["pk"] for row in rows])
    context = {
        "page": page,
        "name_filter": name_filter,
        "rows": [{**row, "settings": terminal_settings[row["pk"]]} for row in rows],
        "details": contract_details_of(company),
        "notification_addresses": company.notification_addresses.values_list("email", flat=True),
        "pending_changes": [
            {
                "application": application,
                "kind": kind_of(application.kind),
                **kind_of(application.kind).section_context(application),
            }
            # A 契約内容の変更 is the 管理者's (naccs.accounts.roles): an office user is shown none.
            for application in (pending_contract_changes(company) if administrator else ())
        ],
        "expired": EXPIRED,
        "acquirable": ACQUIRABLE,
        "users": user_rows(company_users(company)) if administrator else None,
        "link_hours": settings.SET_PASSWORD_LINK_HOURS,
        **rules_context(),
    }
    return render(request, "contract/overview.html", context)


@contract_user_required
@require_http_methods(["GET", "POST"])
def acquire(request, name):
    """取得 for a terminal of the signed-in user's company: the file password alone (pki.acquisition.acquire_for_company
    says why no 認証コード and no anonymous limit); another company's terminal is 404."""
    terminals = terminals_seen_by(request.user, LogicalTerminal.objects.filter(company=request.user.company))
    terminal = get_object_or_404(terminals, name=name, is_active=True)
    form = PackagePasswordForm(request.POST or None)
    refusal = None
    if request.method == "POST" and form.is_valid():
        try:
            acquired = acquire_for_company(
                terminal_name=terminal.name,
                password=form.cleaned_data["password"],
                user=request.user,
                client_address=client_address(request),
            )
        except AcquisitionRefused as error:
            refusal = str(error)
        else:
            return acquired_page(request, acquired.certificate, pkcs12=acquired.pkcs12)
    context = {"terminal": terminal, "form": form, "refusal": refusal, **rules_context()}
    return render(request, "contract/acquire.html", context)


@contract_administrator_required
def resend_set_password_link(request, pk):
    """A new 通関士's set-password link, sent again (the one before stops working): for a link that expired.
    Another company's user is not found whatever the method."""
    user = get_object_or_404(company_users(request.user.company), pk=pk)
    if request.method != "POST":
        return HttpResponseNotAllowed(["POST"])
    if send_set_password_link(user, actor=request.user):
        messages.success(
            request, f"{user.username}（{user.last_name} {user.first_name}）にパスワード設定の案内を再送信しました。"
        )
    else:
        messages.error(
            request, f"{user.username}は既にパスワードを設定済みか、利用開始前のため、案内を送信できません。"
        )
    return redirect("contract:overview")
