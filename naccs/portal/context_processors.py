"""What every page's header and footer show: login time, company, nav, helpdesk, copyright."""

from datetime import datetime

from django.conf import settings
from django.contrib.messages import get_messages
from django.templatetags.static import static
from django.utils import timezone

from naccs.accounts.roles import manages_contract, sees_contract
from naccs.accounts.signals import LOGIN_AT_KEY
from naccs.lib.jinja2 import url

from .menu import GLOBAL_NAV, offered


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
        "layout": {
            "home": url("portal:home"),
            "login": url("accounts:login"),
            "logout": url("accounts:logout"),
            "stylesheet": static("css/portal.css"),
            "icon": static("favicon.svg"),
            "script": static("js/portal.js"),
        },
    }


def portal(request) -> dict:
    """The context of every page (jinja2/base.html) rendered with a request."""
    user = request.user
    signed_in = user.is_authenticated
    company = user.company if signed_in else None
    login_at = request.session.get(LOGIN_AT_KEY) if signed_in else None
    return {
        **site_context(),
        "signed_in": signed_in,
        "company": company,
        "office": user.office if company else None,
        "login_at": f"{timezone.localtime(datetime.fromisoformat(login_at)):%Y/%m/%d %H:%M}" if login_at else "",
        "global_nav": offered(GLOBAL_NAV, user=user) if company else (),
        "sees_contract": sees_contract(user),
        "manages_contract": manages_contract(user),
        "current_url": request.path,
        "messages": get_messages(request),
    }
