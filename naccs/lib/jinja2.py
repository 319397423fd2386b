"""The Jinja2 environment for the long tables (see TEMPLATES in settings)."""

from django.urls import reverse
from django.utils import timezone

from jinja2 import Environment


def ymd(value) -> str:
    """A date or time as the manual shows it: YYYY/MM/DD, in Tokyo time."""
    if value is None:
        return ""
    if hasattr(value, "tzinfo"):
        value = value.astimezone(timezone.get_default_timezone())  # Tokyo; no per-request zones here
    return value.strftime("%Y/%m/%d")


def environment(**options) -> Environment:
    # Django's backend asks for autoescaping already; say it here too, so that no caller can forget it.
    env = Environment(autoescape=options.pop("autoescape", True), **options)
    env.filters["ymd"] = ymd
    env.globals["url"] = reverse
    return env
