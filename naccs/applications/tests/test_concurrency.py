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
    colleague = make_user("colleague", company=company)
    clients = []
    for person in (user, colleague):
        client = Client()
        client.force_login(person)
        clients.append((client, walk(client)))
    turn = iter(clients)
    lock = threading.Lock()

    def register():
        with lock:
            client, pk = next(turn)
        return client.post(f"/applications/reissue/{pk}/confirm/").url

    _, errors = at_once(register, count=2)

    assert errors == []
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
