"""The isolation matrix: built from the URL configuration, so a new page is covered without editing this file.

A user of company B asks for every company-side page with company A's object ids and gets 404; a logged-out client
asks for every page and is sent to the login page (or the page is public); company users never get staff pages.
"""

import itertools
import re
from datetime import timedelta
from io import StringIO

import pytest
from django.apps import apps
from django.core.exceptions import FieldDoesNotExist, FieldError
from django.core.management import call_command
from django.db import models
from django.test import Client
from django.utils import timezone

from naccs.accounts.models import Company, User
from naccs.applications.models import Application
from naccs.terminals.models import Certificate, LogicalTerminal

from .urlmatrix import OFFICE_USER_ROUTES, all_routes, is_staff_route

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
        # Only what the converter accepts: a unique key such as a mail's Message-ID ("<…@…>") names no page.
        fits = {
            value for value in values.get(converter_type(converter), set()) if re.fullmatch(converter.regex, str(value))
        }
        choices.append(sorted(fits, key=str))
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


def urls_of(route, values) -> list[str]:
    return [route.fill(kwargs) for kwargs in argument_sets(route, values)] if route.converters else [route.fill({})]


def test_an_office_user_gets_403_for_the_administrators_pages_and_404_for_what_is_not_theirs(demo_world):
    """Every company page over every id of the company's rows, as an office user (大阪事業所) none of whose rows
    exist yet: the 管理者's pages say they are not for this login, the others find nothing of Tokyo's terminals or of
    the 管理者's 申込."""
    company_a, _, _ = demo_world
    values = candidate_values(company_a)
    osaka = User.objects.get(username="demo-osaka")
    assert not osaka.is_company_administrator
    client = Client()
    client.force_login(osaka)
    checked = set()
    for route in company_routes():
        if route.name in OPEN_TO_EVERY_LOGIN:
            continue
        ours = route.name in OFFICE_USER_ROUTES
        for url in urls_of(route, values):
            for method in ("get", "post"):
                if ours and not route.converters and method == "post":
                    continue  # a page without an id is theirs; posting to it starts a draft
                expected = (200 if not route.converters else 404) if ours else 403
                response = getattr(client, method)(url)
                assert response.status_code == expected, (
                    f"{method.upper()} {url} gave {response.status_code} to an office user, expected {expected}"
                )
                checked.add(route.name)
    assert checked >= OFFICE_USER_ROUTES and len(checked) > len(OFFICE_USER_ROUTES)


@pytest.fixture
def osaka_terminal(demo_world):
    company_a, _, _ = demo_world
    osaka = User.objects.get(username="demo-osaka")
    return LogicalTerminal.objects.create(
        company=company_a, office=osaka.office, name="33330A", category="sea", device_type="netNACCS",
        auth_code1="OSAKA111", auth_code2="OSAKA222", auth_code3="OSAKA333",
    )  # fmt: skip


def test_an_office_user_sees_and_acquires_only_their_offices_terminals(demo_world, osaka_terminal):
    client = Client()
    client.force_login(User.objects.get(username="demo-osaka"))
    page = client.get("/contract/").content.decode()
    assert "33330A" in page and "OSAKA222" in page
    tokyo = LogicalTerminal.objects.filter(company=osaka_terminal.company).exclude(pk=osaka_terminal.pk)
    for terminal in tokyo:
        assert terminal.name not in page and terminal.auth_code2 not in page
        assert client.get(f"/contract/acquire/{terminal.name}/").status_code == 404
    assert client.get("/contract/acquire/33330A/").status_code == 200
    # The company's logins and their set-password links are the 管理者's.
    assert "demo-nagoya" not in page


def test_the_reissue_wizard_offers_an_office_user_only_their_offices_terminals(demo_world, osaka_terminal):
    client = Client()
    client.force_login(User.objects.get(username="demo-osaka"))
    started = client.post("/applications/reissue/")
    draft = Application.objects.get(created_by__username="demo-osaka", kind="reissue")
    assert started.status_code == 302
    page = client.get(f"/applications/reissue/{draft.pk}/terminals/").content.decode()
    assert "33330A" in page
    for terminal in LogicalTerminal.objects.filter(company=osaka_terminal.company).exclude(pk=osaka_terminal.pk):
        assert terminal.name not in page
    tokyo = LogicalTerminal.objects.get(name="11110A")
    posted = client.post(
        f"/applications/reissue/{draft.pk}/terminals/",
        {"desired_date": "", "reason": "replaced", "terminals": [tokyo.pk], "shown": [tokyo.pk], "go": "confirm"},
    )
    assert posted.status_code == 200
    assert not draft.reissue_lines.exists()


def test_the_administrator_sees_every_offices_terminals_and_the_companys_logins(demo_world, osaka_terminal):
    _, demo, _ = demo_world
    client = Client()
    client.force_login(demo)
    page = client.get("/contract/").content.decode()
    assert "33330A" in page and "11110A" in page and "demo-nagoya" in page
    assert client.get("/contract/acquire/33330A/").status_code == 200


def test_an_office_user_is_offered_only_what_they_may_open(demo_world, osaka_terminal):
    Certificate.objects.create(
        terminal=osaka_terminal, serial="5" * 32, not_before=timezone.now() - timedelta(days=350),
        not_after=timezone.now() + timedelta(days=5), issued_at=timezone.now() - timedelta(days=350),
    )  # fmt: skip
    client = Client()
    client.force_login(User.objects.get(username="demo-osaka"))
    home = client.get("/").content.decode()
    assert "33330A" in home  # the renewal banner, about their own terminal
    assert 'href="/contract/"' in home and 'href="/applications/reissue/"' in home
    administrators = ("/billing/", "/applications/broker_ids/", "/applications/contract_change/", "/notices/expiry/")
    for url in (*administrators, "/applications/system_settings/"):
        assert f'href="{url}"' not in home
    apply = client.get("/apply/").content.decode()
    assert 'href="/applications/reissue/"' in apply and 'href="/applications/broker_ids/"' not in apply


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
