"""What every page's header and footer show: login time, company, nav, helpdesk, copyright."""

from datetime import datetime
from functools import cache

from django.conf import settings
from django.contrib.messages import get_messages
from django.templatetags.static import static
from django.urls import reverse
from django.utils import timezone

from naccs.accounts.signals import LOGIN_AT_KEY

from .menu import GLOBAL_NAV


def site_context() -> dict:
    """The parts of every page that need neither the request nor the database (error pages render with these)."""
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


def portal(request) -> dict:
    """The context of every page (jinja2/base.html) rendered with a request."""
    context = site_context()
    # The templates get the company and the office, not request.user: each read through its lazy proxy costs.
    user = request.user
    signed_in = user.is_authenticated
    context.update(signed_in=signed_in, messages=get_messages(request), global_nav=(), login_at=None)
    context["company"], context["office"] = (user.company, user.office) if signed_in else (None, None)
    if signed_in:
        if user.company_id:
            context["global_nav"] = GLOBAL_NAV
        login_at = request.session.get(LOGIN_AT_KEY)
        if login_at:
            context["login_at"] = f"{timezone.localtime(datetime.fromisoformat(login_at)):%Y/%m/%d %H:%M}"
    return context
