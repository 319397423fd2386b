"""Home (メニュー画面), 新着情報 detail and the 申込実施 menu."""

from django.shortcuts import get_object_or_404, render

from naccs.accounts.decorators import company_user_required

from .menu import APPLY_ENTRIES, MENU_GROUPS
from .selectors import HOME_NEWS_COUNT, news_for, news_version


@company_user_required
def home(request):
    # Everything below the header comes from a fragment cached per company and news version (see the template);
    # the template calls `news` only to fill a missing fragment. Everyone opens this page at 9:00.
    company = request.user.company
    context = {
        "news": lambda: list(news_for(company)[:HOME_NEWS_COUNT]),
        "news_version": news_version(),
        "menu_groups": MENU_GROUPS,
    }
    return render(request, "portal/home.html", context)


@company_user_required
def news_detail(request, pk: int):
    item = get_object_or_404(news_for(request.user.company), pk=pk)
    return render(request, "portal/news_detail.html", {"item": item})


@company_user_required
def apply_menu(request):
    return render(request, "portal/apply.html", {"entries": APPLY_ENTRIES})


def csrf_failure(request, reason=""):
    """A stale or forged form: explain in Japanese instead of Django's English page."""
    return render(request, "403_csrf.html", status=403)
