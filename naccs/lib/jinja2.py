"""The Jinja2 environment of the portal's pages (jinja2/); the back office and the mails stay Django templates.

Why Jinja2 for the pages: it compiles a template to Python, and a page costs a fraction of what the Django engine
spends walking its nodes (the pages everyone opens at 9:00 must stay close to a bare Django view). It knows no part of
the domain: a page gets its labels from its view (for example `get_category_display()`).
"""

from functools import lru_cache

from django.core.signals import setting_changed
from django.dispatch import receiver
from django.template.defaultfilters import linebreaks_filter, linebreaksbr
from django.templatetags.static import static
from django.urls import get_script_prefix, get_urlconf, reverse
from django.utils import timezone

from jinja2 import Environment

from .business_days import run_time_words
from .formats import billing_month, yen


def ymd(value) -> str:
    """A date or time as the manual shows it: YYYY/MM/DD, in Tokyo time."""
    if value is None:
        return ""
    if hasattr(value, "tzinfo"):
        value = value.astimezone(timezone.get_default_timezone())  # Tokyo; no per-request zones here
    return value.strftime("%Y/%m/%d")


def hm(value) -> str:
    """The time of day, HH:MM in Tokyo time (next to ymd)."""
    return value.astimezone(timezone.get_default_timezone()).strftime("%H:%M") if value else ""


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
    """reverse(), remembered: a page links to the same URLs on every request, and reverse() costs 20–30 µs each
    (bench/README.md). A URL is a function of the URLconf, the script prefix, the name and the arguments only, so
    a remembered one is never stale."""
    return _reverse(get_script_prefix(), get_urlconf(), name, args)


@lru_cache(maxsize=10_000)
def _reverse(script_prefix: str, urlconf, name: str, args: tuple) -> str:
    return reverse(name, args=args, urlconf=urlconf)


@receiver(setting_changed)
def forget_urls(*, setting, **kwargs):
    if setting == "ROOT_URLCONF":
        _reverse.cache_clear()


def environment(**options) -> Environment:
    # Django's backend asks for autoescaping already; say it here too, so that no caller can forget it.
    options.pop("autoescape", None)
    env = Environment(autoescape=True, **options)
    env.filters.update(
        ymd=ymd, hm=hm, iso=iso, linebreaks=paragraphs, linebreaksbr=line_breaks, yen=yen, billing_month=billing_month
    )
    env.globals.update(url=url, static=static, run_time_words=run_time_words)
    return env
