"""Pages stay light for the demo company: HTML + CSS + JS under 100 KB each."""

from io import StringIO
from pathlib import Path

import pytest
from django.contrib.staticfiles import finders
from django.core.management import call_command
from django.test import Client

from naccs.accounts.models import User
from naccs.applications.services import start_draft

from .urlmatrix import all_routes, is_staff_route

pytestmark = pytest.mark.django_db
LIMIT = 100 * 1024


def test_every_company_page_of_the_demo_company_is_under_100_kb():
    call_command("load_demo_data", stdout=StringIO())
    user = User.objects.get(username="demo")
    draft = start_draft(user=user)
    client = Client()
    client.force_login(user)
    stylesheet = Path(finders.find("css/portal.css")).stat().st_size
    urls = [route.fill({}) for route in all_routes() if not is_staff_route(route) and not route.converters]
    urls += [f"/applications/reissue/{draft.pk}/{step}/" for step in ("applicant", "terminals")]
    checked = 0
    for url in urls:
        response = client.get(url)
        if response.status_code != 200 or "text/html" not in response["Content-Type"]:
            continue
        weight = len(response.content) + stylesheet
        assert weight < LIMIT, f"{url} weighs {weight} bytes"
        assert "<script" not in response.content.decode()  # no JavaScript is needed at all
        checked += 1
    assert checked >= 8
