"""What every page's header and footer show: login time, company, nav, helpdesk, copyright."""

from datetime import datetime

from django.conf import settings
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
    }


def portal(request):
    context = site_context()
    user = getattr(request, "user", None)
    if user is not None and user.is_authenticated:
        if user.company_id:
            context["global_nav"] = global_nav_for(request.path)
        login_at = request.session.get(LOGIN_AT_KEY)
        if login_at:
            context["login_at"] = timezone.localtime(datetime.fromisoformat(login_at))
    return context
