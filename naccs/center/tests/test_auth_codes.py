"""The 認証コード in the back office: shown and set only with their own permission, each showing audited
(issue 24 #3)."""

import pytest
from django.contrib.auth.models import Permission
from django.test import Client
from django.urls import reverse

from conftest import PASSWORD
from naccs.audit.models import AuditEvent
from naccs.terminals.models import LogicalTerminal
from naccs.tests.helpers import make_terminal

pytestmark = pytest.mark.django_db
CODES = {"auth_code1": "SECRETONE1", "auth_code2": "SECRETTWO2", "auth_code3": "SECRETTRE3"}


@pytest.fixture
def terminal(company):
    terminal = make_terminal(company, "11110A")
    LogicalTerminal.objects.filter(pk=terminal.pk).update(**CODES)
    return terminal


def staff_with(make_user, username, *codenames):
    user = make_user(username, is_staff=True)
    user.user_permissions.set(Permission.objects.filter(codename__in=codenames))
    client = Client()
    client.post("/accounts/login/", {"username": username, "password": PASSWORD})
    return client


def shows_a_code(html: str) -> bool:
    return any(code in html for code in CODES.values())


def test_staff_who_may_view_terminals_do_not_see_their_codes(make_user, terminal):
    viewer = staff_with(make_user, "viewer", "view_logicalterminal", "view_certificate")
    listing = viewer.get(reverse("admin:terminals_logicalterminal_changelist"))
    detail = viewer.get(reverse("admin:terminals_logicalterminal_change", args=[terminal.pk]))
    assert listing.status_code == detail.status_code == 200
    assert "11110A" in listing.content.decode()
    assert not shows_a_code(listing.content.decode()) and not shows_a_code(detail.content.decode())
    assert not AuditEvent.objects.filter(action="terminal.auth_codes_shown").exists()


def test_staff_who_may_change_terminals_cannot_set_codes_they_may_not_see(make_user, terminal, company):
    editor = staff_with(make_user, "editor", "view_logicalterminal", "change_logicalterminal")
    url = reverse("admin:terminals_logicalterminal_change", args=[terminal.pk])
    form = {
        "company": company.pk,
        "name": "11110A",
        "category": "sea",
        "device_type": "webNACCS",
        "is_active": "on",
        "auth_code1": "KNOWN1",
        "auth_code2": "KNOWN2",
        "auth_code3": "KNOWN3",
        "certificates-TOTAL_FORMS": "1",
        "certificates-INITIAL_FORMS": "1",
        "certificates-0-id": terminal.certificates.get().pk,
        "certificates-0-terminal": terminal.pk,
        "settings-TOTAL_FORMS": "0",
        "settings-INITIAL_FORMS": "0",
    }
    assert editor.post(url, form).status_code == 302
    terminal.refresh_from_db()
    assert terminal.device_type == "webNACCS"  # the rest of the form is saved
    assert {field: getattr(terminal, field) for field in CODES} == CODES


def test_each_showing_of_the_codes_is_audited(make_user, terminal):
    holder = staff_with(make_user, "holder", "view_logicalterminal", "view_auth_codes")
    url = reverse("admin:terminals_logicalterminal_change", args=[terminal.pk])
    for _ in range(2):
        html = holder.get(url).content.decode()
        assert all(code in html for code in CODES.values())
    shown = AuditEvent.objects.filter(action="terminal.auth_codes_shown")
    assert shown.count() == 2
    assert {(event.actor.username, event.company_id, event.details["terminal"]) for event in shown} == {
        ("holder", terminal.company_id, "11110A")
    }


def test_a_terminal_added_by_staff_who_may_not_see_codes_gets_new_ones(make_user, company):
    adder = staff_with(make_user, "adder", "view_logicalterminal", "add_logicalterminal")
    form = {
        "company": company.pk,
        "name": "11110Z",
        "category": "sea",
        "device_type": "netNACCS",
        "is_active": "on",
        "certificates-TOTAL_FORMS": "0",
        "certificates-INITIAL_FORMS": "0",
        "settings-TOTAL_FORMS": "0",
        "settings-INITIAL_FORMS": "0",
    }
    assert adder.post(reverse("admin:terminals_logicalterminal_add"), form).status_code == 302
    added = LogicalTerminal.objects.get(name="11110Z")
    assert all(len(getattr(added, field)) == 8 for field in LogicalTerminal.AUTH_CODE_FIELDS)
