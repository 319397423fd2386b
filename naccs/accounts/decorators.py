"""Access rules for company-side pages."""

from functools import wraps

from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect


def company_user_required(view):
    """Company pages need a logged-in user with a company; center staff are sent to their back office."""

    @wraps(view)
    def wrapper(request, *args, **kwargs):
        if request.user.company_id is None:
            return redirect("admin:index")
        return view(request, *args, **kwargs)

    return login_required(wrapper)
