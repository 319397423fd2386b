"""What every page's header and footer show: login time, company, nav, helpdesk, copyright."""

from datetime import datetime
from functools import cache

from django.conf import settings
from django.templatetags.static import static
from django.urls import reverse
from django.utils import timezone

from naccs.accounts.signals import LOGIN_AT_KEY

from .menu import global_nav_for


def site_context() -> dict:
    """The parts of every page that need neither the request nor the database."""
    return {
        "helpdesk": {
            "name": settings.HELPDESK_NAME,
            "phone": settings.HELPDESK_PHONE,
            "email": settings.HELPDESK_EMAIL,
            "hours": settings.HELPDESK_HOURS,
            "regional": settings.REGIONAL_CONTACTS,
        },
        "copyright_line": settings.COPYRIGHT_LINE,
        "layout": layout_urls(),
    }


@cache
def layout_urls() -> dict:
    """The links and the stylesheet of base.html: the same on every page, so resolved once per process."""
    return {
        "home": reverse("portal:home"),
        "login": reverse("accounts:login"),
        "logout": reverse("accounts:logout"),
        "stylesheet": static("css/portal.css"),
    }


def portal(request):
    context = site_context()
    user = getattr(request, "user", None)
    if user is not None and user.is_authenticated:
        if user.company_id:
            context["global_nav"] = global_nav_for(request.path)
        login_at = request.session.get(LOGIN_AT_KEY)
        if login_at:
            context["login_at"] = f"{timezone.localtime(datetime.fromisoformat(login_at)):%Y/%m/%d %H:%M}"
    return context
