"""通関士IDの追加 at the same moment in two places: each check made under a lock holds (PostgreSQL)."""

import pytest
from django.db import connection
from django.utils import timezone

from naccs.accounts.models import User
from naccs.applications import lifecycle
from naccs.applications.broker_ids.kind import add_broker
from naccs.applications.models import Application, BrokerLine
from naccs.lib.business_days import earliest_desired_date
from naccs.tests.helpers import at_once

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(connection.vendor != "postgresql", reason="row locks need PostgreSQL"),
]


def submitted_with_one_broker(user, office, number):
    application = Application.objects.create(
        kind=Application.Kind.BROKER_IDS, company=user.company, created_by=user, status=Application.Status.SUBMITTED,
        receipt_number=f"261201{number:05d}", applicant_email="hanako@example.jp", desired_date=earliest_desired_date(),
        submitted_at=timezone.now(),
    )  # fmt: skip
    BrokerLine.objects.create(
        application=application, last_name="関税", first_name="一郎", last_name_kana="カンゼイ",
        first_name_kana="イチロウ", registration_number=str(number), office=office, email=f"b{number}@example.jp",
    )  # fmt: skip
    return application


def test_two_approvals_for_one_company_at_once_take_different_ids(user, office, staff_user):
    """Both read the free 識別番号 at once: the company's row lock makes the second wait for the first's users."""
    applications = iter([submitted_with_one_broker(user, office, n) for n in (10001, 10002)])
    pks = [next(applications).pk, next(applications).pk]
    turn = iter(pks)

    def approve():
        return lifecycle.approve(application=next(turn), actor=staff_user).changed

    results, errors = at_once(approve, count=2)
    assert errors == []
    assert results == [True, True]
    usernames = sorted(User.objects.filter(is_customs_broker=True).values_list("username", flat=True))
    assert usernames == ["12345678001", "12345678002"]


def test_two_tabs_adding_the_same_broker_at_once_add_one(user, office):
    """The form's check ran before the lock in both tabs: the check again under the 申込's lock refuses one."""
    draft = lifecycle.start(kind=Application.Kind.BROKER_IDS, user=user)
    data = {
        "last_name": "関税", "first_name": "一郎", "last_name_kana": "カンゼイ", "first_name_kana": "イチロウ",
        "registration_number": "10001", "office": office, "email": "b@example.jp",
    }  # fmt: skip

    def add():
        try:
            lifecycle.save_step(application=draft.pk, user=user, change=lambda locked: add_broker(locked, data))
        except lifecycle.TransitionRefused as refusal:
            return str(refusal)
        return "added"

    results, errors = at_once(add, count=2)
    assert errors == []
    assert sorted(results) == ["added", "この通関士登録番号の通関士は既にこの申込に追加されています。"]
    assert BrokerLine.objects.filter(application=draft).count() == 1
