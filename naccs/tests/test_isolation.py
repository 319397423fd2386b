"""The isolation matrix: built from the URL configuration, so a new page is covered without editing this file.

A user of company B asks for every company-side page with company A's object ids and gets 404; a logged-out client
asks for every page and is sent to the login page (or the page is public); company users never get staff pages.
"""

import itertools
from io import StringIO

import pytest
from django.apps import apps
from django.core.exceptions import FieldDoesNotExist, FieldError
from django.core.management import call_command
from django.db import models
from django.test import Client

from naccs.accounts.models import Company, User
from naccs.applications.models import Application

from .urlmatrix import all_routes, is_staff_route

pytestmark = pytest.mark.django_db

# Pages anyone may open: login, the 取得 / PKI / EST endpoints a terminal uses without a portal login, and a new
# 通関士's set-password link (opened before they have a password; its token is what guards it: test_broker_ids).
PUBLIC_ROUTE_PREFIXES = ("accounts:login", "accounts:logout", "accounts:set_password", "pki:", "est:", "portal:favicon")
# Lookups that tie a row to its company, tried in order for every model.
COMPANY_PATHS = ("company", "terminal__company", "application__company", "application__terminal__company")


def is_public(route) -> bool:
    return route.name.startswith(PUBLIC_ROUTE_PREFIXES)


def company_rows(company):
    """Every row of every model that belongs to `company`."""
    for model in apps.get_models():
        if not model.__module__.startswith("naccs."):
            continue
        for path in COMPANY_PATHS:
            try:
                model._meta.get_field(path.split("__")[0])
            except FieldDoesNotExist:
                continue
            try:
                rows = model.objects.filter(**{path: company})
            except FieldError:  # the first step exists but the rest of the path does not fit this model
                continue
            yield from rows
            break


def candidate_values(company) -> dict[str, set]:
    """Ids and unique text keys (申込受付番号, 論理端末名, serial) of the company's rows, by converter type.

    An id is a candidate only when no row of any model that is not the company's (another company's, or a notice
    for all) has the same id, so that whatever model a URL looks up, the id can only name the company's own row.
    """
    own_pks, strings = set(), set()
    for row in company_rows(company):
        own_pks.add(row.pk)
        for field in row._meta.fields:
            if isinstance(field, models.CharField) and field.unique and getattr(row, field.attname):
                strings.add(getattr(row, field.attname))
    foreign_pks = set()
    for model in {type(row) for row in company_rows(company)}:
        own = {row.pk for row in company_rows(company) if type(row) is model}
        foreign_pks |= set(model.objects.exclude(pk__in=own).values_list("pk", flat=True))
    ints = own_pks - foreign_pks
    strings |= {str(pk) for pk in ints}
    return {
        "int": ints,
        "str": strings,
        "slug": strings,
        "path": strings,
        "kind": set(Application.Kind.values),
        "shared_int": own_pks & foreign_pks,
    }


def shared_id_reaches_own_page(route, values, client_a, client_b) -> bool:
    """For a page that no candidate id reached: an id of the company's that another row also has (a 申込 whose id
    is also company B's user's) may still show that company A reaches its page where company B gets 404."""
    shared = {**values, "int": values["shared_int"], "str": {str(pk) for pk in values["shared_int"]}}
    for kwargs in argument_sets(route, shared):
        url = route.fill(kwargs)
        refused = all(getattr(client_b, method)(url).status_code == 404 for method in ("get", "post"))
        if refused and client_a.get(url).status_code != 404:
            return True
    return False


def converter_type(converter) -> str:
    return type(converter).__name__.replace("Converter", "").lower()


def argument_sets(route, values):
    """Every combination of candidate values for the route's arguments: company A's ids and keys, and for a kind of
    申込 every kind."""
    names, choices = [], []
    for name, converter in route.converters.items():
        names.append(name)
        choices.append(sorted(values.get(converter_type(converter), set()), key=str))
    if not names:
        return []
    return [dict(zip(names, combination, strict=True)) for combination in itertools.product(*choices)]


@pytest.fixture
def demo_world(db):
    call_command("load_demo_data", stdout=StringIO())
    company_a = Company.objects.get(code="12345678")
    return company_a, User.objects.get(username="demo"), User.objects.get(username="demo2")


def company_routes():
    return [route for route in all_routes() if not is_staff_route(route) and not is_public(route)]


def test_another_company_gets_404_for_every_object_page(demo_world):
    company_a, user_a, user_b = demo_world
    values = candidate_values(company_a)
    client_a, client_b = Client(), Client()
    client_a.force_login(user_a)
    client_b.force_login(user_b)
    checked = 0
    for route in company_routes():
        reached_own_object = False
        for kwargs in argument_sets(route, values):
            url = route.fill(kwargs)
            for method in ("get", "post"):
                response = getattr(client_b, method)(url)
                assert response.status_code == 404, f"{method.upper()} {url} gave {response.status_code} to company B"
                checked += 1
            reached_own_object |= client_a.get(url).status_code != 404
        if route.converters and not reached_own_object:
            reached_own_object = shared_id_reaches_own_page(route, values, client_a, client_b)
        if route.converters:
            assert reached_own_object, f"{route.name}: no id of company A reached a real page; extend the demo data"
    assert checked > 0


def test_logged_out_clients_are_sent_to_login(demo_world):
    company_a, _, _ = demo_world
    values = candidate_values(company_a)
    client = Client()
    for route in company_routes():
        urls = [route.fill(kwargs) for kwargs in argument_sets(route, values)] if route.converters else [route.fill({})]
        for url in urls:
            response = client.get(url)
            assert response.status_code == 302, f"GET {url} gave {response.status_code} without login"
            assert response.url.startswith("/accounts/login/"), f"GET {url} redirected to {response.url}"


# Pages every company login may open, a 通関士 ID's too; every other company page is the contract's
# (naccs.accounts.roles, issue 24 #10).
OPEN_TO_EVERY_LOGIN = ("portal:home", "portal:news_detail", "accounts:password_change", "accounts:password_change_done")


def test_a_customs_broker_id_reaches_no_page_of_the_contract(demo_world):
    company_a, user_a, _ = demo_world
    values = candidate_values(company_a)
    broker = User.objects.create_user(
        "12345678901", password=None, company=company_a, office=user_a.office, is_customs_broker=True
    )
    client = Client()
    client.force_login(broker)
    checked = 0
    for route in company_routes():
        if route.name in OPEN_TO_EVERY_LOGIN:
            continue
        urls = [route.fill(kwargs) for kwargs in argument_sets(route, values)] if route.converters else [route.fill({})]
        for url in urls:
            for method in ("get", "post"):
                response = getattr(client, method)(url)
                assert response.status_code == 403, f"{method.upper()} {url} gave {response.status_code} to a 通関士"
                checked += 1
    assert checked > 0
    home = client.get("/").content.decode()
    assert "パスワードの変更" in home and "契約内容の確認" not in home and "申込内容" not in home
    assert client.get("/accounts/password/").status_code == 200


def test_company_users_never_reach_staff_pages(demo_world):
    _, user_a, _ = demo_world
    client = Client()
    client.force_login(user_a)
    for route in all_routes():
        if not is_staff_route(route) or route.name in ("admin:login", "admin:logout"):
            continue
        if route.converters or "(?P" in route.template:
            continue
        response = client.get(route.fill({}))
        assert response.status_code in (302, 404), f"{route.name} gave {response.status_code} to a company user"
        if response.status_code == 302:
            assert "/center/login/" in response.url
