"""The page benchmark's floors (bench/urls.py) exist only under the benchmark's URLconf, and the signed-in floor
costs what every company page costs first: the session, the user and the base layout."""

import pytest
from django.urls import Resolver404, resolve

pytestmark = pytest.mark.django_db


def test_production_urls_have_no_floor():
    for path in ("/bench/bare/", "/bench/signed-in/"):
        with pytest.raises(Resolver404):
            resolve(path, urlconf="naccs.urls")


def test_the_signed_in_floor_shows_the_base_layout_with_the_user_and_nothing_else(settings, user_client, user):
    settings.ROOT_URLCONF = "bench.urls"
    response = user_client.get("/bench/signed-in/")
    page = response.content.decode()
    assert response.status_code == 200
    assert user.company.name in page and "ログアウト" in page  # the header of a signed-in page
    assert '<main id="main" class="main" tabindex="-1">\n    \n    \n  </main>' in page


def test_the_signed_in_floor_sends_a_visitor_to_the_login(settings, client):
    settings.ROOT_URLCONF = "bench.urls"
    assert client.get("/bench/signed-in/").url.startswith("/accounts/login/")
