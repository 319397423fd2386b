"""契約内容の確認."""

from django.core.paginator import Paginator
from django.shortcuts import render
from django.utils import timezone

from naccs.accounts.decorators import company_user_required
from naccs.applications.contract_change.kind import contract_details_of
from naccs.applications.kinds import kind_of
from naccs.pki.acquisition import rules_context
from naccs.terminals.listing import name_filter_of

from .selectors import (
    ACQUIRABLE,
    EXPIRED,
    contract_terminals,
    pending_contract_changes,
    settings_by_terminal,
    with_status,
)

# A company may have thousands of terminals: a page at a time, with a name filter.
PAGE_SIZE = 50


@company_user_required
def overview(request):
    now = timezone.now()
    name_filter = name_filter_of(request.GET.get("q", ""))
    terminals = contract_terminals(request.user.company, now=now, name_filter=name_filter)
    page = Paginator(terminals, PAGE_SIZE).get_page(request.GET.get("page"))
    rows = with_status(page.object_list, now=now)
    company = request.user.company
    settings = settings_by_terminal([row["pk"] for row in rows])
    context = {
        "page": page,
        "name_filter": name_filter,
        "rows": [{**row, "settings": settings[row["pk"]]} for row in rows],
        "details": contract_details_of(company),
        "notification_addresses": company.notification_addresses.values_list("email", flat=True),
        "pending_changes": [
            {
                "application": application,
                "kind": kind_of(application.kind),
                **kind_of(application.kind).section_context(application),
            }
            for application in pending_contract_changes(company)
        ],
        "expired": EXPIRED,
        "acquirable": ACQUIRABLE,
        **rules_context(),
    }
    return render(request, "contract/overview.html", context)
