"""契約内容の確認."""

from django.core.paginator import Paginator
from django.shortcuts import render
from django.template.loader import render_to_string
from django.utils.safestring import mark_safe

from naccs.accounts.decorators import company_user_required

from .models import LogicalTerminal
from .selectors import contract_terminals, statuses_of

# A company may have thousands of terminals: a page at a time, with a name filter.
PAGE_SIZE = 50
NAME_FILTER_MAX = 20
CATEGORY_LABELS = dict(LogicalTerminal.Category.choices)
DEVICE_TYPE_LABELS = dict(LogicalTerminal.DeviceType.choices)


@company_user_required
def contract(request):
    name_filter = request.GET.get("q", "").strip()[:NAME_FILTER_MAX]
    page = Paginator(contract_terminals(request.user.company, name_filter=name_filter), PAGE_SIZE).get_page(
        request.GET.get("page")
    )
    rows_html = render_to_string(
        "terminals/contract_rows.html",
        {
            "rows": statuses_of(list(page.object_list)),
            "name_filter": name_filter,
            "categories": CATEGORY_LABELS,
            "device_types": DEVICE_TYPE_LABELS,
        },
        using="jinja2",
    )
    context = {
        "page": page,
        "name_filter": name_filter,
        "rows_html": mark_safe(rows_html),  # noqa: S308 - rendered by the autoescaping Jinja2 engine
    }
    return render(request, "terminals/contract.html", context)
