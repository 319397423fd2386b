"""Home (メニュー画面), 新着情報 detail and the 申込実施 menu."""

from django.http import HttpResponseServerError
from django.shortcuts import get_object_or_404, redirect, render
from django.template.loader import render_to_string
from django.templatetags.static import static

from naccs.accounts.decorators import company_user_required, contract_user_required

from .context_processors import site_context
from .menu import APPLY_ENTRIES, menu_groups_for, offered
from .selectors import latest_news, news_for


@company_user_required
def home(request):
    groups = menu_groups_for(user=request.user)
    return render(request, "portal/home.html", {"news": latest_news(request.user.company), "menu_groups": groups})


@company_user_required
def news_detail(request, pk: int):
    item = get_object_or_404(news_for(request.user.company), pk=pk)
    return render(request, "portal/news_detail.html", {"item": item})


@contract_user_required
def apply_menu(request):
    return render(request, "portal/apply.html", {"entries": offered(APPLY_ENTRIES, user=request.user)})


def favicon(request):
    """Browsers ask for /favicon.ico whatever a page links to (the back office links to none)."""
    return redirect(static("favicon.svg"), permanent=True)


def csrf_failure(request, reason=""):
    """A stale or forged form: explain in Japanese instead of Django's English page."""
    return render(request, "403_csrf.html", status=403)


def server_error(request):
    """The 500 page, rendered without the request: whatever failed may fail again while building its context."""
    return HttpResponseServerError(render_to_string("500.html", site_context()))
