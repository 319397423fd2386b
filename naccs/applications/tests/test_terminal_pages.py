"""The 論理端末 step for a company with many terminals: a page at a time, a name filter, ticks kept across pages."""

import re

import pytest

from naccs.applications.models import Application, Reissue
from naccs.applications.reissue.views import TERMINAL_PAGE_SIZE
from naccs.terminals.models import LogicalTerminal
from naccs.tests.helpers import APPLICANT, make_terminal

pytestmark = pytest.mark.django_db


@pytest.fixture
def many(company):
    """One page and a half of terminals, named so that their order is their number."""
    return [make_terminal(company, f"T{number:05d}") for number in range(TERMINAL_PAGE_SIZE + 10)]


@pytest.fixture
def draft(user_client):
    pk = int(user_client.post("/applications/reissue/").url.split("/")[3])
    user_client.post(f"/applications/reissue/{pk}/applicant/", APPLICANT)
    return Application.objects.get(pk=pk)


def step_url(draft, query=""):
    return f"/applications/reissue/{draft.pk}/terminals/{query}"


def shown_ids(html):
    return [int(pk) for pk in re.findall(r'name="shown" value="(\d+)"', html)]


def chosen_names(draft):
    return sorted(draft.reissue_lines.values_list("terminal__name", flat=True))


def test_the_list_comes_a_page_at_a_time(user_client, draft, many):
    first = user_client.get(step_url(draft)).content.decode()
    second = user_client.get(step_url(draft, "?page=2")).content.decode()
    assert shown_ids(first) == [terminal.pk for terminal in many[:TERMINAL_PAGE_SIZE]]
    assert shown_ids(second) == [terminal.pk for terminal in many[TERMINAL_PAGE_SIZE:]]
    assert f"{len(many)}台中 1〜{TERMINAL_PAGE_SIZE}台目" in first
    assert '<button type="submit" name="go" value="2"' in first


def test_each_row_names_the_category_and_device_type_as_users_say_them(user_client, draft, company):
    terminal = make_terminal(company, "11110A")
    LogicalTerminal.objects.filter(pk=terminal.pk).update(category="air", device_type="webNACCS")
    html = user_client.get(step_url(draft)).content.decode()
    row = html.split(f'name="shown" value="{terminal.pk}"')[1].split("</tr>")[0]
    assert "<td>航空</td>" in row and "<td>webNACCS</td>" in row


def test_ticks_on_different_pages_add_up_and_an_untick_removes_only_its_own(user_client, draft, many):
    first_page = many[:TERMINAL_PAGE_SIZE]
    second_page = many[TERMINAL_PAGE_SIZE:]
    response = user_client.post(
        step_url(draft), {"shown": [t.pk for t in first_page], "terminals": [many[0].pk, many[1].pk], "go": "2"}
    )
    assert response.status_code == 302
    assert response.url == step_url(draft, "?page=2&q=")
    user_client.post(
        step_url(draft, "?page=2"),
        {"shown": [t.pk for t in second_page], "terminals": [second_page[0].pk], "go": "1"},
    )
    assert chosen_names(draft) == ["T00000", "T00001", second_page[0].name]
    user_client.post(step_url(draft), {"shown": [t.pk for t in first_page], "terminals": [many[1].pk], "go": "2"})
    assert chosen_names(draft) == ["T00001", second_page[0].name]
    html = user_client.get(step_url(draft)).content.decode()
    assert f'value="{many[1].pk}" id="terminal-{many[1].pk}" aria-label="T00001を選択" checked' in html
    assert f"選択中の論理端末：2台（T00001、{second_page[0].name}）" in html


def test_the_filter_lists_matching_names_only(user_client, draft, many):
    response = user_client.post(step_url(draft), {"q": "T0004", "go": "1"})
    assert response.url == step_url(draft, "?page=1&q=T0004")
    html = user_client.get(response.url).content.decode()
    assert shown_ids(html) == [terminal.pk for terminal in many[40:50]][:TERMINAL_PAGE_SIZE]
    html = user_client.get(step_url(draft, "?q=ZZZ")).content.decode()
    assert "「ZZZ」を含む論理端末はありません。" in html


def test_moving_between_pages_keeps_the_date_and_reason_typed(user_client, draft, many, desired):
    user_client.post(step_url(draft), {"desired_date": desired, "reason": "replaced", "go": "2"})
    draft.refresh_from_db()
    assert draft.desired_date.strftime("%Y%m%d") == desired
    assert Reissue.objects.get(application=draft).reason == "replaced"


def test_a_wrong_date_stops_the_move_and_says_why(user_client, draft, many):
    response = user_client.post(
        step_url(draft), {"desired_date": "2026121", "shown": [many[0].pk], "terminals": [many[0].pk], "go": "2"}
    )
    assert response.status_code == 200
    assert "再発行希望日はYYYYMMDDの形式" in response.content.decode()


def test_going_on_without_any_terminal_is_refused_beside_the_list(user_client, draft, many, desired):
    response = user_client.post(
        step_url(draft), {"desired_date": desired, "reason": "replaced", "shown": [many[0].pk], "go": "confirm"}
    )
    assert response.status_code == 200
    assert "再発行を希望する論理端末を1つ以上選択してください。" in response.content.decode()


def test_a_choice_made_on_another_page_is_enough_to_go_on(user_client, draft, many, desired):
    user_client.post(step_url(draft), {"shown": [many[0].pk], "terminals": [many[0].pk], "go": "2"})
    response = user_client.post(
        step_url(draft, "?page=2"),
        {"desired_date": desired, "reason": "replaced", "shown": [many[-1].pk], "go": "confirm"},
    )
    assert response.url == f"/applications/reissue/{draft.pk}/confirm/"


def test_another_companys_terminal_cannot_be_slipped_into_the_shown_list(user_client, draft, many, other_terminal):
    response = user_client.post(step_url(draft), {"shown": [other_terminal.pk], "go": "2"})
    assert response.status_code == 200
    assert "選択できない論理端末が含まれています" in response.content.decode()
    assert not draft.reissue_lines.exists()


@pytest.mark.parametrize("page", ["0", "999", "x", "-1", "9" * 30])
def test_any_page_number_shows_a_page(user_client, draft, many, page):
    assert user_client.get(step_url(draft, f"?page={page}")).status_code == 200


def test_the_rows_are_escaped(user_client, draft, company):
    make_terminal(company, "<i>1")  # names are at most 6 characters
    html = user_client.get(step_url(draft)).content.decode()
    assert "&lt;i&gt;1" in html
    assert "<i>1" not in html


def test_choose_all_takes_every_choosable_terminal_of_the_filtered_list(user_client, user, draft, many, company):
    busy = many[1]
    other = Application.objects.create(
        kind="reissue",
        company=company,
        created_by=user,
        receipt_number="26112500001",
        status=Application.Status.SUBMITTED,
    )
    other.reissue_lines.create(terminal=busy)
    response = user_client.post(step_url(draft, "?q=T0000"), {"go": "all", "q": "T0000"})
    assert response.url == step_url(draft, "?q=T0000")
    assert chosen_names(draft) == [f"T0000{n}" for n in range(10) if n != 1]


def test_choose_none_clears_the_whole_choice(user_client, draft, many):
    user_client.post(step_url(draft), {"go": "all"})
    assert draft.reissue_lines.count() == len(many)
    html = user_client.get(step_url(draft)).content.decode()
    assert f"選択中の論理端末：{len(many)}台" in html
    assert f"ほか{len(many) - 20}台" in html
    user_client.post(step_url(draft), {"go": "none"})
    assert not draft.reissue_lines.exists()


def test_enter_in_a_field_goes_on_to_the_confirmation(user_client, draft, many):
    """The browser submits with the form's first button when Enter is pressed in a field."""
    html = user_client.get(step_url(draft)).content.decode()
    form = html.split('<form method="post" novalidate>')[1]
    assert re.search(r'<button type="submit" name="go" value="([^"]+)"', form).group(1) == "confirm"


@pytest.mark.parametrize(
    ("name_filter", "expected"),
    [
        ("", ["AB10%", "A\\300", "A_100", "B0001", "D0003", "a_200"]),
        ("a_", ["A_100", "a_200"]),
        ("10%", ["AB10%"]),
        ("\\", ["A\\300"]),
    ],
)
def test_the_list_marks_busy_and_chosen_terminals_and_filters_literally(
    company, other_company, user, name_filter, expected
):
    """The filter matches the typed characters themselves (% and _ are no wildcards), inactive terminals and other
    companies' are not listed, and each row knows its newest certificate's 発行日."""
    from datetime import timedelta

    from django.utils import timezone

    from naccs.applications.reissue.selectors import terminal_choices
    from naccs.terminals.models import Certificate

    names = ["A_100", "AB10%", "a_200", "A\\300", "B0001", "C0002", "D0003"]
    terminals = {name: make_terminal(company, name, certificate_age_days=30 * age) for age, name in enumerate(names)}
    newest = timezone.now() - timedelta(days=1)
    Certificate.objects.create(
        terminal=terminals["B0001"], serial="b" * 32, not_before=newest, not_after=newest, issued_at=newest
    )
    terminals["C0002"].is_active = False
    terminals["C0002"].save()
    make_terminal(other_company, "A_999")
    draft = Application.objects.create(kind="reissue", company=company, created_by=user)
    draft.reissue_lines.create(terminal=terminals["A_100"])
    submitted = Application.objects.create(
        kind="reissue",
        company=company,
        created_by=user,
        status=Application.Status.SUBMITTED,
        receipt_number="26112600001",
    )
    submitted.reissue_lines.create(terminal=terminals["a_200"])
    closed = Application.objects.create(
        kind="reissue",
        company=company,
        created_by=user,
        status=Application.Status.COMPLETED,
        receipt_number="26112600002",
    )
    closed.reissue_lines.create(terminal=terminals["D0003"])

    rows = {terminal.name: terminal for terminal in terminal_choices(user, draft, name_filter=name_filter)}
    assert list(rows) == expected
    if not name_filter:
        assert rows["a_200"].busy and not rows["D0003"].busy and not rows["A_100"].busy
        assert rows["A_100"].chosen and not rows["B0001"].chosen
        assert rows["B0001"].issued_at == newest
