"""契約内容の確認."""

from django.core.paginator import Paginator
from django.shortcuts import render

from naccs.accounts.decorators import company_user_required

from .selectors import contract_terminals, statuses_of

# A company may have thousands of terminals: a page at a time, with a name filter.
PAGE_SIZE = 50
NAME_FILTER_MAX = 20


@company_user_required
def contract(request):
    name_filter = request.GET.get("q", "").strip()[:NAME_FILTER_MAX]
    page = Paginator(contract_terminals(request.user.company, name_filter=name_filter), PAGE_SIZE).get_page(
        request.GET.get("page")
    )
    context = {
        "page": page,
        "name_filter": name_filter,
        "rows": statuses_of(list(page.object_list)),
    }
    return render(request, "terminals/contract.html", context)
