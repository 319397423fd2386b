"""The Jinja2 environment for the long tables (see TEMPLATES in settings)."""

from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django.utils.safestring import SafeString, mark_safe

from jinja2 import Environment


def ymd(value) -> str:
    """A date or time as the manual shows it: YYYY/MM/DD, in Tokyo time."""
    if value is None:
        return ""
    if hasattr(value, "tzinfo"):
        value = value.astimezone(timezone.get_default_timezone())  # Tokyo; no per-request zones here
    return value.strftime("%Y/%m/%d")


def environment(**options) -> Environment:
    from naccs.terminals.models import LogicalTerminal  # the engine is built after the apps are ready

    # Django's backend asks for autoescaping already; say it here too, so that no caller can forget it.
    env = Environment(autoescape=options.pop("autoescape", True), **options)
    env.filters["ymd"] = ymd
    env.globals["url"] = reverse
    # Labels by value: a dict lookup per row instead of get_FOO_display, which rebuilds the choices each call.
    env.globals["categories"] = dict(LogicalTerminal.Category.choices)
    env.globals["device_types"] = dict(LogicalTerminal.DeviceType.choices)
    return env


def render_rows(template_name: str, **context) -> SafeString:
    """Table rows from a template under jinja2/, ready to be placed in a Django template."""
    html = render_to_string(template_name, context, using="jinja2")
    return mark_safe(html)  # noqa: S308 - the Jinja2 environment above escapes
