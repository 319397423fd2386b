"""The wizard reads its 申込 and the 確認画面 from the shared cache, never older than the rows they were read from."""

import pytest
from django.db import transaction

from naccs.applications.models import ReissueApplication
from naccs.lib.versions import retire, version

from .conftest import APPLICANT, make_terminal

pytestmark = pytest.mark.django_db


def confirm_html(client, pk) -> str:
    response = client.get(f"/applications/reissue/{pk}/confirm/")
    assert response.status_code == 200
    return response.content.decode()


def test_a_second_look_at_the_confirmation_runs_no_query(user_client, walk, django_assert_num_queries):
    pk = walk()
    confirm_html(user_client, pk)
    with django_assert_num_queries(0):
        html = confirm_html(user_client, pk)
    assert "11110A" in html and "通関 花子" in html


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
            "reason": "expired",
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
    application = ReissueApplication.objects.get(pk=pk)
    application.status = ReissueApplication.Status.SUBMITTED
    application.save(update_fields=["status"])
    assert user_client.get(f"/applications/reissue/{pk}/confirm/").url == f"/applications/reissue/{pk}/done/"


def test_another_company_gets_404_while_the_owner_has_it_cached(user_client, other_client, walk):
    pk = walk()
    confirm_html(user_client, pk)
    assert other_client.get(f"/applications/reissue/{pk}/confirm/").status_code == 404


def test_a_second_look_at_the_terminal_list_runs_only_its_page_query(user_client, walk, django_assert_num_queries):
    pk = walk()
    user_client.get(f"/applications/reissue/{pk}/terminals/")
    with django_assert_num_queries(1):
        html = user_client.get(f"/applications/reissue/{pk}/terminals/").content.decode()
    assert "3台中 1〜3台目" in html and "選択中の論理端末：1台（11110A）" in html


def test_a_new_terminal_and_a_new_choice_show_in_the_terminal_list_at_once(user_client, walk, company, desired):
    pk = walk()
    user_client.get(f"/applications/reissue/{pk}/terminals/")
    added = make_terminal(company, "11110D")
    user_client.post(
        f"/applications/reissue/{pk}/terminals/",
        {"desired_date": desired, "reason": "expired", "shown": [added.pk], "terminals": [added.pk], "go": "1"},
    )
    html = user_client.get(f"/applications/reissue/{pk}/terminals/").content.decode()
    assert "4台中 1〜4台目" in html and "選択中の論理端末：2台（11110A、11110D）" in html


def test_a_retired_version_changes_now_and_again_after_the_commit(django_capture_on_commit_callbacks):
    before = version("test:thing")
    with django_capture_on_commit_callbacks(execute=True), transaction.atomic():
        retire("test:thing")
        during = version("test:thing")
        assert during != before
    assert version("test:thing") not in (before, during)


def test_a_version_lost_by_the_cache_is_made_again():
    from django.core.cache import cache

    first = version("test:lost")
    cache.delete("test:lost")
    assert version("test:lost") not in (None, first)


def test_each_step_marks_itself_in_the_stepper(user_client, walk):
    pk = walk()
    confirm = confirm_html(user_client, pk)
    assert '<li class="done">論理端末入力</li><li aria-current="step">申込内容確認</li><li>登録完了</li>' in confirm
    terminals = user_client.get(f"/applications/reissue/{pk}/terminals/").content.decode()
    assert '<li class="done">申込担当者入力</li><li aria-current="step">論理端末入力</li>' in terminals


def test_a_draft_too_large_to_keep_is_read_again_each_time(user_client, walk, company, desired):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from naccs.applications.views import CONFIRM_CONTENT_CACHED_MAX

    many = [make_terminal(company, f"M{number:05d}") for number in range(CONFIRM_CONTENT_CACHED_MAX // 80)]
    pk = walk(terminal_ids=[terminal.pk for terminal in many])
    first = confirm_html(user_client, pk)
    with CaptureQueriesContext(connection) as second_look:
        second = confirm_html(user_client, pk)
    assert len(second_look.captured_queries) > 0
    above_the_form = first.split('id="register-form"')[0]
    assert above_the_form == second.split('id="register-form"')[0]
    assert "<td>M00000</td>" in second and f"<td>M{len(many) - 1:05d}</td>" in second
