"""Every wizard page shows the rows as they are now: a change made anywhere (another step, another tab, the morning
run, a QuerySet.update) shows on the next page."""

import pytest

from naccs.applications.models import Application

from .conftest import APPLICANT, make_terminal

pytestmark = pytest.mark.django_db


def confirm_html(client, pk) -> str:
    response = client.get(f"/applications/reissue/{pk}/confirm/")
    assert response.status_code == 200
    return response.content.decode()


def test_a_changed_applicant_shows_at_once(user_client, walk):
    pk = walk()
    assert "通関 花子" in confirm_html(user_client, pk)
    user_client.post(f"/applications/reissue/{pk}/applicant/", {**APPLICANT, "last_name": "佐藤"})
    html = confirm_html(user_client, pk)
    assert "佐藤 花子" in html and "通関 花子" not in html


def test_changed_terminal_choices_show_at_once(user_client, walk, terminals, desired):
    pk = walk()
    assert "<td>11110A</td>" in confirm_html(user_client, pk)
    user_client.post(
        f"/applications/reissue/{pk}/terminals/",
        {
            "desired_date": desired,
            "reason": "replaced",
            "shown": [terminal.pk for terminal in terminals],
            "terminals": [terminals[1].pk],
        },
    )
    html = confirm_html(user_client, pk)
    assert "<td>11110B</td>" in html and "<td>11110A</td>" not in html


def test_a_terminal_changed_elsewhere_shows_at_once(user_client, walk, terminals):
    pk = walk()
    confirm_html(user_client, pk)
    terminals[0].auth_code2 = "NEWCODE22"  # as the morning run gives a reissued terminal a new 認証コード2
    terminals[0].save(update_fields=["auth_code2"])
    assert "NEWCODE22" in confirm_html(user_client, pk)


def test_registered_in_another_tab_the_confirmation_goes_to_the_completion_page(user_client, walk):
    pk = walk()
    confirm_html(user_client, pk)
    application = Application.objects.get(pk=pk)
    application.status = Application.Status.SUBMITTED
    application.save(update_fields=["status"])
    assert user_client.get(f"/applications/reissue/{pk}/confirm/").url == f"/applications/reissue/{pk}/done/"


def test_another_company_gets_404_while_the_owner_has_it_cached(user_client, other_client, walk):
    pk = walk()
    confirm_html(user_client, pk)
    assert other_client.get(f"/applications/reissue/{pk}/confirm/").status_code == 404


def test_a_new_terminal_and_a_new_choice_show_in_the_terminal_list_at_once(user_client, walk, company, desired):
    pk = walk()
    user_client.get(f"/applications/reissue/{pk}/terminals/")
    added = make_terminal(company, "11110D")
    user_client.post(
        f"/applications/reissue/{pk}/terminals/",
        {"desired_date": desired, "reason": "replaced", "shown": [added.pk], "terminals": [added.pk], "go": "1"},
    )
    html = user_client.get(f"/applications/reissue/{pk}/terminals/").content.decode()
    assert "4台中 1〜4台目" in html and "選択中の論理端末：2台（11110A、11110D）" in html


def test_each_step_marks_itself_in_the_stepper(user_client, walk):
    pk = walk()
    confirm = confirm_html(user_client, pk)
    assert '<li class="done">論理端末入力</li><li aria-current="step">申込内容確認</li><li>登録完了</li>' in confirm
    terminals = user_client.get(f"/applications/reissue/{pk}/terminals/").content.decode()
    assert '<li class="done">申込担当者入力</li><li aria-current="step">論理端末入力</li>' in terminals


def test_a_terminal_changed_by_a_queryset_update_shows_at_once(user_client, walk, terminals):
    from naccs.terminals.models import LogicalTerminal

    pk = walk()
    confirm_html(user_client, pk)
    LogicalTerminal.objects.filter(pk=terminals[0].pk).update(auth_code2="UPDATED22")
    assert "UPDATED22" in confirm_html(user_client, pk)
