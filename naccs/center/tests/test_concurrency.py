"""Two staff members approving at once, two workers running the same morning run: each change happens once."""

import pytest
from django.db import connection

from naccs.applications import lifecycle
from naccs.applications.models import Application
from naccs.audit.models import AuditEvent
from naccs.center import morning_run
from naccs.mailer.models import OutboundMail
from naccs.tests.helpers import at_once

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(connection.vendor != "postgresql", reason="row locks need PostgreSQL"),
]


def in_threads(target, count=2):
    results, errors = at_once(target, count)
    assert not errors, errors
    return results


def test_two_simultaneous_approvals_change_the_application_once(make_application, staff_user):
    application = make_application()
    outcomes = in_threads(lambda: lifecycle.approve(application=application.pk, actor=staff_user))
    assert sorted(outcome.changed for outcome in outcomes) == [False, True]
    assert AuditEvent.objects.filter(action="application.approved").count() == 1
    assert OutboundMail.objects.count() == 1


def test_two_workers_on_the_same_run_process_each_terminal_once(make_application, staff_user, fake_pki, run_day):
    applications = [make_application(count=3) for _ in range(4)]
    for application in applications:
        lifecycle.approve(application=application, actor=staff_user)
    OutboundMail.objects.all().delete()
    in_threads(lambda: morning_run.process_day(day=run_day))
    assert len(fake_pki.pickups) == len(set(fake_pki.pickups)) == 12
    assert set(Application.objects.values_list("status", flat=True)) == {"completed"}
    assert OutboundMail.objects.count() == 4
    assert AuditEvent.objects.filter(action="application.completed").count() == 4
