"""No input to any field of the wizard gives a 500; a refused step changes nothing; what is shown again is escaped."""

from urllib.parse import quote

import pytest
from django.test import Client
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from naccs.applications.lifecycle import start
from naccs.applications.models import Application
from naccs.tests.hostile import as_form_value, assert_escaped, hostile_text

from .conftest import APPLICANT

pytestmark = pytest.mark.django_db
FAST = settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])


@pytest.fixture
def draft_client(user):
    client = Client()
    client.force_login(user)
    return client, start(kind="reissue", user=user)


@FAST
@given(field=st.sampled_from(sorted(APPLICANT)), value=hostile_text)
def test_applicant_step_survives_hostile_input(draft_client, field, value):
    client, draft = draft_client
    before = Application.objects.values().get(pk=draft.pk)
    response = client.post(f"/applications/reissue/{draft.pk}/applicant/", {**APPLICANT, field: as_form_value(value)})
    assert response.status_code in (200, 302)
    if response.status_code == 200:
        assert_escaped(response.content.decode(), value)
        assert Application.objects.values().get(pk=draft.pk) == before


@FAST
@given(
    desired_date=hostile_text,
    reason=st.one_of(st.sampled_from(["expired", "replaced", "other"]), hostile_text),
    reason_text=hostile_text,
    terminal=st.one_of(hostile_text, st.integers(min_value=-(2**70), max_value=2**70).map(str)),
)
def test_terminals_step_survives_hostile_input(draft_client, terminals, desired_date, reason, reason_text, terminal):
    client, draft = draft_client
    data = {
        "desired_date": as_form_value(desired_date),
        "reason": as_form_value(reason),
        "reason_text": as_form_value(reason_text),
        "terminals": [as_form_value(terminal)],
    }
    response = client.post(f"/applications/reissue/{draft.pk}/terminals/", data)
    assert response.status_code in (200, 302)
    if response.status_code == 200:
        assert_escaped(response.content.decode(), reason_text)
        assert not draft.reissue_lines.exists()


BROKER = {
    "last_name": "関税",
    "first_name": "一郎",
    "last_name_kana": "カンゼイ",
    "first_name_kana": "イチロウ",
    "registration_number": "10001",
    "email": "ichiro@example.jp",
    "email_confirm": "ichiro@example.jp",
}


@pytest.fixture
def broker_draft_client(user):
    client = Client()
    client.force_login(user)
    return client, start(kind="broker_ids", user=user)


@FAST
@given(
    field=st.sampled_from([*sorted(BROKER), "office", "desired_date", "go"]),
    value=st.one_of(hostile_text, st.integers(min_value=-(2**70), max_value=2**70).map(str)),
)
def test_brokers_step_survives_hostile_input(broker_draft_client, office, field, value):
    """One field hostile, the others valid: the page answers, and a refused 通関士 is not added."""
    client, draft = broker_draft_client
    draft.broker_lines.all().delete()  # hypothesis runs every example against the same draft
    data = {**BROKER, "office": str(office.pk), "go": "add", field: as_form_value(value)}
    response = client.post(f"/applications/broker_ids/{draft.pk}/brokers/", data)
    assert response.status_code in (200, 302)
    if response.status_code == 200:
        assert_escaped(response.content.decode(), value)
        assert not draft.broker_lines.exists()


@FAST
@given(value=st.one_of(hostile_text, st.integers(min_value=-(2**70), max_value=2**70).map(str)))
def test_kind_filter_and_set_password_link_survive_hostile_input(user_client, value):
    assert user_client.get("/applications/", {"kind": as_form_value(value)}).status_code == 200
    part = quote(as_form_value(value)[:50], safe="") or "x"
    assert Client().get(f"/accounts/set-password/{part}/{part}/").status_code in (200, 302, 404)
