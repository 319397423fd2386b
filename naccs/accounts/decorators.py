"""Access rules for company-side pages."""

from functools import wraps

from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render

from .roles import manages_contract, may_apply_for, sees_contract


def company_user_required(view):
    """Company pages need a logged-in user with a company; center staff are sent to their back office."""

    @wraps(view)
    def wrapper(request, *args, **kwargs):
        if request.user.company_id is None:
            return redirect("admin:index")
        return view(request, *args, **kwargs)

    return login_required(wrapper)


def for_logins_that(allowed, view):
    """`view` for a company login that `allowed(user)`; any other login gets a page saying the page is not for this
    login (403)."""

    @wraps(view)
    def wrapper(request, *args, **kwargs):
        if not allowed(request.user):
            return render(request, "accounts/not_for_this_login.html", status=403)
        return view(request, *args, **kwargs)

    return company_user_required(wrapper)


def contract_user_required(view):
    """Pages about the company's contract (申込, 契約内容, 取得, 請求, 通知メール): for a company login that
    `sees_contract`; a 通関士 ID gets a page saying so (403)."""
    return for_logins_that(sees_contract, view)


def contract_administrator_required(view):
    """Pages of the company's 管理者 (契約内容の変更, システム設定, 通関士IDの追加, 請求, the expiry reminders, the
    company's logins): for a login that `manages_contract`; an office user or a 通関士 ID gets a page saying so
    (403)."""
    return for_logins_that(manages_contract, view)


def may_apply_required(kind: str):
    """The pages of the wizard of a kind of 申込: for a login that `may_apply_for` it; anyone else gets a page saying
    they are not for this login (403), as on the 管理者's pages."""
    return lambda view: for_logins_that(lambda user: may_apply_for(user, kind), view)
