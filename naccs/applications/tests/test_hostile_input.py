"""No input to any field of the wizard gives a 500; a refused step changes nothing; what is shown again is escaped."""

from urllib.parse import quote

import pytest
from django.test import Client
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from naccs.applications.lifecycle import start
from naccs.applications.models import Application
from naccs.tests.hostile import as_form_value, hostile_text, refused

from .conftest import APPLICANT

pytestmark = pytest.mark.django_db
FAST = settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])

# Digits that are not ASCII: 「²」 passes str.isdigit() and int() refuses it; 「١」 and 「１」 int() reads as 1.
NON_ASCII_DIGITS = ["²", "١", "١٢", "１", "𝟙", "৩"]
non_ascii_digits = st.one_of(
    st.sampled_from(NON_ASCII_DIGITS),
    st.text(st.characters(categories=["Nd", "No"], exclude_characters="0123456789"), min_size=1, max_size=20),
)


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
    if refused(response, value):
        assert Application.objects.values().get(pk=draft.pk) == before


@FAST
@given(
    desired_date=hostile_text,
    reason=st.one_of(st.sampled_from(["expired", "replaced", "other"]), hostile_text),
    reason_text=hostile_text,
    terminal=st.one_of(hostile_text, st.integers(min_value=-(2**70), max_value=2**70).map(str), non_ascii_digits),
)
def test_terminals_step_survives_hostile_input(draft_client, terminals, desired_date, reason, reason_text, terminal):
    client, draft = draft_client
    data = {
        "desired_date": as_form_value(desired_date),
        "reason": as_form_value(reason),
        "reason_text": as_form_value(reason_text),
        "terminals": [as_form_value(terminal)],
        "shown": [as_form_value(terminal)],
    }
    response = client.post(f"/applications/reissue/{draft.pk}/terminals/", data)
    if refused(response, reason_text):
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


@pytest.fixture
def kind_draft(user):
    """A draft of the kind asked for, and a client of its user."""
    client = Client()
    client.force_login(user)
    return client, lambda kind: start(kind=kind, user=user)


ids = st.one_of(hostile_text, st.integers(min_value=-(2**70), max_value=2**70).map(str), non_ascii_digits)


@FAST
@given(
    field=st.sampled_from([*sorted(BROKER), "office", "desired_date", "go"]),
    value=st.one_of(
        hostile_text,
        st.integers(min_value=-(2**70), max_value=2**70).map(str),
        non_ascii_digits,
        non_ascii_digits.map(lambda digits: f"remove-{digits}"),
    ),
)
def test_brokers_step_survives_hostile_input(broker_draft_client, office, field, value):
    """One field hostile, the others valid: the page answers, and a refused 通関士 is not added."""
    client, draft = broker_draft_client
    draft.broker_lines.all().delete()  # hypothesis runs every example against the same draft
    data = {**BROKER, "office": str(office.pk), "go": "add", field: as_form_value(value)}
    response = client.post(f"/applications/broker_ids/{draft.pk}/brokers/", data)
    if refused(response, value):
        assert not draft.broker_lines.exists()


@FAST
@given(value=st.one_of(hostile_text, st.integers(min_value=-(2**70), max_value=2**70).map(str)))
def test_kind_filter_and_set_password_link_survive_hostile_input(user_client, value):
    assert user_client.get("/applications/", {"kind": as_form_value(value)}).status_code == 200
    part = quote(as_form_value(value)[:50], safe="") or "x"
    assert Client().get(f"/accounts/set-password/{part}/{part}/").status_code in (200, 302, 404)
    assert Client().post("/accounts/set-password/", {"code": as_form_value(value)}).status_code in (200, 302)


@FAST
@given(
    field=st.sampled_from(["desired_date", "company_name", "address", "representative", "phone"]), value=hostile_text
)
def test_contract_change_details_survive_hostile_input(kind_draft, desired, field, value):
    client, make = kind_draft
    draft = make("contract_change")
    before = Application.objects.values().get(pk=draft.pk)
    data = {"desired_date": desired, field: as_form_value(value)}
    response = client.post(f"/applications/contract_change/{draft.pk}/details/", data)
    if refused(response, value):
        assert Application.objects.values().get(pk=draft.pk) == before


@FAST
@given(
    go=st.one_of(
        st.sampled_from(["add_office", "close_office", "add_terminal", "remove_terminal", "remove"]), hostile_text
    ),
    text=hostile_text,
    choice=ids,
)
def test_contract_change_items_survive_hostile_input(kind_draft, office, go, text, choice):
    client, make = kind_draft
    draft = make("contract_change")
    data = {
        "go": as_form_value(go),
        "line": choice,
        "add_office-office_name": as_form_value(text),
        "close_office-office": choice,
        "add_terminal-category": as_form_value(text),
        "add_terminal-device_type": "netNACCS",
        "add_terminal-terminal_office": choice,
        "remove_terminal-terminal_name": as_form_value(text),
    }
    response = client.post(f"/applications/contract_change/{draft.pk}/items/", data)
    refused(response, text)


@FAST
@given(field=st.sampled_from(["desired_date", "address1", "address2", "address3"]), value=hostile_text)
def test_system_settings_details_survive_hostile_input(kind_draft, desired, field, value):
    client, make = kind_draft
    draft = make("system_settings")
    before = draft.system_settings.notification_addresses
    response = client.post(
        f"/applications/system_settings/{draft.pk}/details/", {"desired_date": desired, field: as_form_value(value)}
    )
    if refused(response, value):
        draft.system_settings.refresh_from_db()
        assert draft.system_settings.notification_addresses == before


@FAST
@given(name=hostile_text, group=ids, mail=hostile_text, go=st.one_of(st.sampled_from(["add", "remove"]), hostile_text))
def test_system_settings_terminals_survive_hostile_input(kind_draft, terminals, name, group, mail, go):
    from naccs.terminals.models import SettingItem

    client, make = kind_draft
    draft = make("system_settings")
    output = SettingItem.objects.filter(kind="output").first()
    data = {
        "go": as_form_value(go),
        "line": group,
        "terminal_name": as_form_value(name),
        "business_groups": [group],
        f"output_{output.pk}": as_form_value(mail),
    }
    response = client.post(f"/applications/system_settings/{draft.pk}/terminals/", data)
    if refused(response, name):
        assert not draft.system_settings_lines.exists()


@pytest.mark.parametrize("digits", NON_ASCII_DIGITS)
@pytest.mark.parametrize(
    "kind, step, data",
    [
        ("contract_change", "items", lambda line: {"go": "remove", "line": line}),
        ("system_settings", "terminals", lambda line: {"go": "remove", "line": line}),
        ("broker_ids", "brokers", lambda line: {"go": f"remove-{line}"}),
    ],
)
def test_a_line_removal_with_non_ascii_digits_removes_nothing_and_answers(kind_draft, kind, step, data, digits):
    client, make = kind_draft
    draft = make(kind)
    response = client.post(f"/applications/{kind}/{draft.pk}/{step}/", data(digits))
    assert response.status_code in (200, 302)


@pytest.mark.parametrize("digits", ["١", "１", "²"])
def test_a_terminal_chosen_by_non_ascii_digits_is_not_chosen(draft_client, terminals, desired, digits):
    """「١」 is int 1 to Python: read as an id it would choose whichever terminal has id 1."""
    client, draft = draft_client
    first = min(terminals, key=lambda terminal: terminal.pk)
    typed = str(first.pk).translate(
        str.maketrans("0123456789", "０１２３４５６７８９" if digits == "１" else "٠١٢٣٤٥٦٧٨٩")
    )
    if digits == "²":
        typed = "²"
    data = {"desired_date": desired, "reason": "replaced", "terminals": [typed]}
    response = client.post(f"/applications/reissue/{draft.pk}/terminals/", data)
    assert response.status_code == 200
    assert "選択できない論理端末が含まれています。" in response.content.decode()
    assert not draft.reissue_lines.exists()


@pytest.mark.parametrize("digits", ["١", "１"])
def test_an_office_chosen_by_non_ascii_digits_is_not_chosen(broker_draft_client, office, digits):
    client, draft = broker_draft_client
    typed = str(office.pk).translate(
        str.maketrans("0123456789", "０１２３４５６７８９" if digits == "１" else "٠١٢٣٤٥٦٧٨٩")
    )
    response = client.post(f"/applications/broker_ids/{draft.pk}/brokers/", {**BROKER, "office": typed, "go": "add"})
    assert response.status_code == 200
    assert "所属事業所を一覧から選択してください。" in response.content.decode()
    assert not draft.broker_lines.exists()
