"""Pages stay light for the demo company: HTML + CSS + JS under 100 KB each."""

import re
from io import StringIO
from pathlib import Path

import pytest
from django.contrib.staticfiles import finders
from django.core.management import call_command
from django.test import Client

from naccs.accounts.models import User
from naccs.applications.lifecycle import start

from .urlmatrix import all_routes, is_staff_route

pytestmark = pytest.mark.django_db
LIMIT = 100 * 1024


def test_every_company_page_of_the_demo_company_is_under_100_kb():
    call_command("load_demo_data", stdout=StringIO())
    user = User.objects.get(username="demo")
    draft = start(kind="reissue", user=user)
    client = Client()
    client.force_login(user)
    # Every page loads the stylesheet and one small script of ours (progressive: the pages work without it).
    assets = sum(Path(finders.find(name)).stat().st_size for name in ("css/portal.css", "js/portal.js"))
    urls = [route.fill({}) for route in all_routes() if not is_staff_route(route) and not route.converters]
    urls += [f"/applications/reissue/{draft.pk}/{step}/" for step in ("applicant", "terminals")]
    checked = 0
    for url in urls:
        response = client.get(url)
        if response.status_code != 200 or "text/html" not in response["Content-Type"]:
            continue
        weight = len(response.content) + assets
        assert weight < LIMIT, f"{url} weighs {weight} bytes"
        scripts = re.findall(r"<script[^>]*>", response.content.decode())
        assert scripts == ['<script src="/static/js/portal.js" defer>'], scripts  # no inline script, no other
        checked += 1
    assert checked >= 8


def test_static_files_are_hashed_compressed_and_cached_for_a_year(tmp_path, settings):
    import re

    from django.contrib.staticfiles.storage import staticfiles_storage
    from django.test import RequestFactory
    from whitenoise.middleware import WhiteNoiseMiddleware

    settings.STATIC_ROOT = tmp_path
    settings.STORAGES = {
        **settings.STORAGES,
        "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"},
    }
    call_command("collectstatic", "--no-input", verbosity=0)
    url = staticfiles_storage.url("css/portal.css")
    assert re.fullmatch(r"/static/css/portal\.[0-9a-f]{12}\.css", url)
    assert (tmp_path / f"{url.removeprefix('/static/')}.gz").exists()

    serve = WhiteNoiseMiddleware(lambda request: None)
    response = serve(RequestFactory().get(url, HTTP_ACCEPT_ENCODING="gzip, br"))
    assert response.status_code == 200
    # At least a year (WhiteNoise gives hashed files ten), and never revalidated.
    max_age = int(re.search(r"max-age=(\d+)", response["Cache-Control"]).group(1))
    assert max_age >= 365 * 24 * 60 * 60
    assert "immutable" in response["Cache-Control"]
    assert response["Content-Encoding"] in ("gzip", "br")
