"""What every page's header and footer show: login time, company, nav, helpdesk, copyright."""

from datetime import datetime
from functools import cache, lru_cache

from django.conf import settings
from django.contrib.messages import get_messages
from django.core.signals import setting_changed
from django.dispatch import receiver
from django.middleware.csrf import get_token
from django.templatetags.static import static
from django.urls import reverse
from django.utils import timezone

from naccs.accounts.signals import LOGIN_AT_KEY
from naccs.lib.jinja2 import render_fragment

from .menu import GLOBAL_NAV


def site_context() -> dict:
    """The parts of every page that need neither the request nor the database (error pages render with these)."""
    return dict(site_parts())


@cache
def site_parts() -> dict:
    """site_context()'s settings, read once per process (and again when a test changes them)."""
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


@receiver(setting_changed)
def forget_site_parts(**kwargs):
    site_parts.cache_clear()


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
    # The templates get the company, not request.user: each read through its lazy proxy costs.
    user = request.user
    signed_in = user.is_authenticated
    company, office = (user.company, user.office) if signed_in else (None, None)
    login_at = request.session.get(LOGIN_AT_KEY) if signed_in else None
    with_nav = company is not None
    return {
        **site_parts(),
        "csrf_input": CsrfInput(request),
        "company": company,
        "messages": get_messages(request),
        "header": page_header(
            signed_in=signed_in,
            company_name=company.name if company else "",
            office_name=office.name if company and office else "",
            login_at=shown_login_time(login_at) if login_at else "",
            with_nav=with_nav,
            current_url=current_nav_url(request.path) if with_nav else None,
        ),
    }


@lru_cache(maxsize=10_000)
def shown_login_time(moment: str) -> str:
    """The login time kept in the session (ISO 8601) as the header shows it; the same for every page of a session,
    so converted once (a time zone conversion cost as much as the rest of this context)."""
    return f"{timezone.localtime(datetime.fromisoformat(moment)):%Y/%m/%d %H:%M}"


class CsrfInput:
    """The CSRF form field, as Django's Jinja2 backend gives it, masking a token only if a template prints it.

    Django builds the field with format_html behind a lazy proxy, which cost as much as masking the token itself; the
    token is letters and digits only, so it needs no escaping."""

    __slots__ = ("request",)

    def __init__(self, request):
        self.request = request

    def __html__(self) -> str:
        return f'<input type="hidden" name="csrfmiddlewaretoken" value="{get_token(self.request)}">'

    __str__ = __html__


def current_nav_url(path: str) -> str | None:
    return next((entry.url for entry in GLOBAL_NAV if entry.url == path), None)


@lru_cache(maxsize=10_000)
def page_header(
    *, signed_in: bool, company_name: str, office_name: str, login_at: str, with_nav: bool, current_url: str | None
) -> str:
    """The header of every page, rendered once per process for each combination of what it shows (about a tenth of
    a page's cost otherwise). Its arguments are all it depends on, so an entry is never stale."""
    context = {
        "signed_in": signed_in,
        "company_name": company_name,
        "office_name": office_name,
        "login_at": login_at,
        "with_nav": with_nav,
        "current_url": current_url,
        "global_nav": GLOBAL_NAV,
        "layout": layout_urls(),
    }
    return render_fragment("includes/header.html", context)
