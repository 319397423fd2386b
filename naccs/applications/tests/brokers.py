"""What the 通関士IDの追加 tests share: a 通関士 as typed, the wizard walked through, a registered 申込, its approval
and the morning run of its 利用開始希望日, and the mailed set-password link."""

import re

import pytest

from naccs.applications import lifecycle
from naccs.applications.models import Application
from naccs.center.morning_run import process_day
from naccs.lib.business_days import earliest_desired_date

from .conftest import APPLICANT

NEW_PASSWORD = "kaizoku-ou-ni-2027"


def broker(at, number="10001", **changes):
    """A 通関士 of the office `at`, as typed into the form."""
    return {
        "last_name": "関税",
        "first_name": "一郎",
        "last_name_kana": "カンゼイ",
        "first_name_kana": "イチロウ",
        "registration_number": number,
        "office": at.pk,
        "email": f"ichiro{number}@example.jp",
        "email_confirm": f"ichiro{number}@example.jp",
        **changes,
    }


@pytest.fixture
def start_date(clock):
    clock.stand_still()  # so that it stays the earliest 利用開始希望日 while the test posts it
    return earliest_desired_date()


@pytest.fixture
def walk(user_client, office, start_date):
    """The wizard up to the 確認画面 with `numbers` 通関士; returns the draft's id."""

    def go(numbers=("10001",), client=user_client):
        pk = int(client.post("/applications/broker_ids/").url.split("/")[3])
        client.post(f"/applications/broker_ids/{pk}/applicant/", APPLICANT)
        url = f"/applications/broker_ids/{pk}/brokers/"
        day = start_date.strftime("%Y%m%d")
        for number in numbers:
            client.post(url, {"go": "add", "desired_date": day, **broker(office, number)})
        assert client.post(url, {"go": "confirm", "desired_date": day}).url == f"/applications/broker_ids/{pk}/confirm/"
        return pk

    return go


@pytest.fixture
def registered(user_client, walk):
    def go(numbers=("10001",)):
        pk = walk(numbers)
        user_client.post(f"/applications/broker_ids/{pk}/confirm/")
        return Application.objects.get(pk=pk)

    return go


def approve(application, staff_user):
    return lifecycle.approve(application=application, actor=staff_user)


def link_code(mail) -> str:
    """The part of a mailed set-password link after "#": the token, which no request ever carries in its URL."""
    return re.search(r"https?://[^/\s]+/accounts/set-password/#(\S+)", mail.body).group(1)


def open_link(client, code):
    """Open the link as a browser does: the landing page, then what its script posts, then the redirect."""
    client.get("/accounts/set-password/")
    return client.post("/accounts/set-password/", {"code": code}, follow=True)


def start_use(application, staff_user):
    approve(application, staff_user)
    return process_day(day=application.desired_date)
