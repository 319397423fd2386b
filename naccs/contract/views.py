"""契約内容の確認."""

from django.core.paginator import Paginator
from django.shortcuts import render
from django.utils import timezone

from naccs.accounts.decorators import company_user_required
from naccs.pki.acquisition import rules_context
from naccs.terminals.listing import name_filter_of

from .selectors import ACQUIRABLE, EXPIRED, contract_terminals, with_status

# A company may have thousands of terminals: a page at a time, with a name filter.
PAGE_SIZE = 50


@company_user_required
def overview(request):
    now = timezone.now()
    name_filter = name_filter_of(request.GET.get("q", ""))
    terminals = contract_terminals(request.user.company, now=now, name_filter=name_filter)
    page = Paginator(terminals, PAGE_SIZE).get_page(request.GET.get("page"))
    context = {
        "page": page,
        "name_filter": name_filter,
        "rows": with_status(page.object_list, now=now),
        "expired": EXPIRED,
        "acquirable": ACQUIRABLE,
        **rules_context(),
    }
    return render(request, "contract/overview.html", context)
