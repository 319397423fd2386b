"""Registering the same draft from several requests at the same moment makes exactly one 申込."""

import threading

import pytest
from django.db import connection
from django.test import Client

from naccs.applications.models import Application
from naccs.audit.models import AuditEvent
from naccs.mailer.models import OutboundMail
from naccs.tests.helpers import at_once

pytestmark = pytest.mark.django_db(transaction=True)
REQUESTS = 4


def registered_at_once(kind: str, people, walk) -> list:
    """Each of `people` walks the `kind` wizard to its 確認画面 in a browser of their own, then all register at once:
    the errors."""
    clients = []
    for person in people:
        client = Client()
        client.force_login(person)
        clients.append((client, walk(client)))
    turn = iter(clients)
    lock = threading.Lock()

    def register():
        with lock:
            client, pk = next(turn)
        return client.post(f"/applications/{kind}/{pk}/confirm/").url

    _, errors = at_once(register, count=len(clients))
    return errors


def test_concurrent_registrations_of_one_draft_make_one_application(user, walk):
    client = Client()
    client.force_login(user)
    pk = walk(client)
    session_cookie = client.cookies

    def register():
        browser_tab = Client()
        browser_tab.cookies = session_cookie
        return browser_tab.post(f"/applications/reissue/{pk}/confirm/").url

    results, errors = at_once(register, count=REQUESTS)

    assert errors == []
    assert set(results) == {f"/applications/reissue/{pk}/done/"}
    application = Application.objects.get(pk=pk)
    assert application.status == Application.Status.SUBMITTED
    assert Application.objects.exclude(status=Application.Status.DRAFT).count() == 1
    assert OutboundMail.objects.count() == 1
    assert AuditEvent.objects.filter(action="application.submitted").count() == 1


def test_two_users_naming_the_same_terminal_at_once_make_one_open_application(user, make_user, company, walk):
    colleague = make_user("colleague", company=company, is_company_administrator=True)
    assert registered_at_once("reissue", (user, colleague), walk) == []
    assert Application.objects.filter(status=Application.Status.SUBMITTED).count() == 1


@pytest.mark.skipif(connection.vendor != "postgresql", reason="row locks need PostgreSQL")
def test_starting_in_two_tabs_at_once_gives_one_draft(user):
    """Both tabs press 「申込担当者入力へ進む」 together: the user's row lock lets one make the draft, the other
    finds it."""
    from naccs.applications import lifecycle

    results, errors = at_once(lambda: lifecycle.start(kind="reissue", user=user).pk, count=REQUESTS)
    assert errors == []
    assert len(set(results)) == 1
    assert Application.objects.filter(status=Application.Status.DRAFT).count() == 1


def approved(client, pk, kind, staff_user):
    from naccs.applications import lifecycle

    client.post(f"/applications/{kind}/{pk}/confirm/")
    lifecycle.approve(application=pk, actor=staff_user)


@pytest.mark.skipif(connection.vendor != "postgresql", reason="row locks need PostgreSQL")
def test_two_runs_carrying_out_one_contract_change_change_the_contract_once(
    user_client, walk_contract_change, staff_user, company
):
    """Both morning runs listed the 申込 as due; the ContractChange row lock and the check under it let one change
    the contract, the other finds it done."""
    from naccs.applications.kinds import kind_of
    from naccs.terminals.models import LogicalTerminal

    pk = walk_contract_change()
    approved(user_client, pk, "contract_change", staff_user)
    terminals_before = LogicalTerminal.objects.filter(company=company).count()

    _, errors = at_once(lambda: kind_of("contract_change").carry_out(pk), count=REQUESTS)

    assert errors == []
    assert LogicalTerminal.objects.filter(company=company).count() == terminals_before + 1
    assert AuditEvent.objects.filter(action="contract_change.carried_out").count() == 1
    assert AuditEvent.objects.filter(action="pickup.opened").count() == 1


@pytest.mark.skipif(connection.vendor != "postgresql", reason="row locks need PostgreSQL")
def test_two_runs_applying_one_system_settings_application_apply_it_once(user_client, walk_system_settings, staff_user):
    from naccs.applications.kinds import kind_of

    pk = walk_system_settings()
    approved(user_client, pk, "system_settings", staff_user)

    _, errors = at_once(lambda: kind_of("system_settings").carry_out(pk), count=REQUESTS)

    assert errors == []
    assert AuditEvent.objects.filter(action="system_settings.carried_out").count() == 1


@pytest.mark.skipif(connection.vendor != "postgresql", reason="row locks need PostgreSQL")
def test_two_contract_changes_removing_the_same_terminal_at_once_make_one_open_application(
    user, make_user, company, office, walk_contract_change
):
    colleague = make_user("colleague", company=company, office=office, is_company_administrator=True)
    assert registered_at_once("contract_change", (user, colleague), walk_contract_change) == []
    assert Application.objects.filter(status=Application.Status.SUBMITTED, kind="contract_change").count() == 1
