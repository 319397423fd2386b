"""The Jinja2 environment of the portal's pages (jinja2/); the back office and the mails stay Django templates.

Why Jinja2 for the pages: it compiles a template to Python, and a page costs a tenth of what the Django engine
spends walking its nodes (issue #7: the pages everyone opens at 9:00 must stay close to a bare Django view).
"""

from functools import lru_cache

from django.core.signals import setting_changed
from django.dispatch import receiver
from django.template.defaultfilters import linebreaks_filter, linebreaksbr
from django.template.loader import render_to_string
from django.templatetags.static import static
from django.urls import get_script_prefix, get_urlconf, reverse
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


def iso(value) -> str:
    """A moment in ISO 8601, Tokyo time (for <time datetime>)."""
    return value.astimezone(timezone.get_default_timezone()).isoformat() if value else ""


def paragraphs(value) -> str:
    """Text as escaped paragraphs with line breaks (Django's linebreaks filter)."""
    return linebreaks_filter(value, autoescape=True)


def line_breaks(value) -> str:
    """Escaped text with its line breaks as <br> (Django's linebreaksbr filter)."""
    return linebreaksbr(value, autoescape=True)


def url(name: str, *args) -> str:
    """reverse(), remembered: a page links to the same few URLs on every request, and reverse() costs ~40 us each."""
    return _reverse(get_script_prefix(), get_urlconf(), name, args)


@lru_cache(maxsize=10_000)
def _reverse(script_prefix: str, urlconf, name: str, args: tuple) -> str:
    return reverse(name, args=args, urlconf=urlconf)


@receiver(setting_changed)
def forget_urls(*, setting, **kwargs):
    if setting == "ROOT_URLCONF":
        _reverse.cache_clear()


def render_fragment(template_name: str, context: dict) -> SafeString:
    """A part of a page rendered by the Jinja2 engine, ready to be cached and placed in a page as it is."""
    return mark_safe(render_to_string(template_name, context, using="jinja2"))  # noqa: S308 - the engine escapes


class PortalEnvironment(Environment):
    def make_globals(self, d):
        """A template's globals as one plain dict, not Jinja2's ChainMap over the environment's: every render copies
        them into its context, and copying a ChainMap, key by key in Python, cost ~20 us a page. The ChainMap only
        serves globals changed after a template is loaded, which Jinja2's documentation advises against and ours
        never are (environment() sets them all)."""
        return {**self.globals, **(d or {})}


def environment(**options) -> Environment:
    # The engine is built after the apps are ready.
    from naccs.applications.models import ReissueApplication
    from naccs.terminals.models import LogicalTerminal

    # Django's backend asks for autoescaping already; say it here too, so that no caller can forget it.
    options.pop("autoescape", None)
    env = PortalEnvironment(autoescape=True, **options)
    env.filters.update(ymd=ymd, iso=iso, linebreaks=paragraphs, linebreaksbr=line_breaks)
    env.globals.update(url=url, static=static)
    # Labels by value: a dict lookup per row instead of get_FOO_display, which rebuilds the choices each call.
    env.globals["categories"] = dict(LogicalTerminal.Category.choices)
    env.globals["device_types"] = dict(LogicalTerminal.DeviceType.choices)
    env.globals["reasons"] = dict(ReissueApplication.Reason.choices)
    return env
