from datetime import UTC, date, datetime

from django.template.loader import render_to_string
from django.urls import set_script_prefix

from naccs.lib.jinja2 import iso, line_breaks, paragraphs, url, ymd


def test_ymd_shows_the_tokyo_date_of_a_moment():
    assert ymd(datetime(2026, 11, 30, 15, 0, tzinfo=UTC)) == "2026/12/01"
    assert ymd(datetime(2026, 11, 30, 14, 59, tzinfo=UTC)) == "2026/11/30"


def test_ymd_shows_a_date_and_nothing_for_none():
    assert ymd(date(2027, 1, 4)) == "2027/01/04"
    assert ymd(None) == ""


def test_the_jinja2_engine_escapes(db):
    html = render_to_string(
        "contract/_rows.html",
        {"rows": [], "name_filter": "<script>"},
        using="jinja2",
    )
    assert "「&lt;script&gt;」を含む論理端末はありません。" in html


def test_url_is_remembered_per_script_prefix():
    assert url("applications:confirm", "reissue", 7) == "/applications/reissue/7/confirm/"
    set_script_prefix("/naccs/")
    try:
        assert url("applications:confirm", "reissue", 7) == "/naccs/applications/reissue/7/confirm/"
    finally:
        set_script_prefix("/")
    assert url("applications:confirm", "reissue", 7) == "/applications/reissue/7/confirm/"


def test_url_follows_a_changed_urlconf(settings):
    assert url("portal:home") == "/"
    settings.ROOT_URLCONF = "bench.urls"
    assert url("portal:home") == "/"
    assert url("applications:list") == "/applications/"


def test_the_text_filters_escape_and_keep_line_breaks():
    assert paragraphs("<b>一行目</b>\n二行目") == "<p>&lt;b&gt;一行目&lt;/b&gt;<br>二行目</p>"
    assert line_breaks("a<\nb") == "a&lt;<br>b"
    assert iso(datetime(2026, 11, 30, 15, 0, tzinfo=UTC)) == "2026-12-01T00:00:00+09:00"
    assert iso(None) == ""
