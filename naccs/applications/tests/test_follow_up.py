"""申込内容の確認: the list, the detail, 取り下げ, and answering a question of the center."""

import pytest

from naccs.applications.models import Application

from .conftest import APPLICANT

pytestmark = pytest.mark.django_db
Status = Application.Status


@pytest.fixture
def submitted(user_client, walk):
    pk = walk()
    user_client.post(f"/applications/reissue/{pk}/confirm/")
    return Application.objects.get(pk=pk)


def test_the_list_shows_number_date_kind_status_and_terminals(user_client, submitted):
    html = user_client.get("/applications/").content.decode()
    assert submitted.receipt_number in html
    assert "デジタル証明書の再発行" in html and "受付済" in html and "11110A" in html


def test_the_list_is_paginated_newest_first(user_client, user, company):
    from django.utils import timezone

    for number in range(25):
        Application.objects.create(
            kind="reissue",
            company=company,
            created_by=user,
            status=Status.SUBMITTED,
            receipt_number=f"20261125{number:03d}",
            submitted_at=timezone.now() - timezone.timedelta(minutes=number),
        )
    first = user_client.get("/applications/").content.decode()
    assert "20261125000" in first and "20261125019" in first and "20261125020" not in first
    assert "1 / 2ページ" in first
    assert "20261125024" in user_client.get("/applications/?page=2").content.decode()


def test_drafts_are_not_listed(user_client, walk):
    walk()
    assert "申込はありません。" in user_client.get("/applications/").content.decode()


def test_the_detail_shows_the_application(user_client, submitted):
    html = user_client.get(f"/applications/{submitted.pk}/").content.decode()
    assert submitted.receipt_number in html and "通関 花子" in html and "取り下げる" in html


def test_another_company_gets_404_for_detail_and_withdraw(other_client, submitted):
    assert other_client.get(f"/applications/{submitted.pk}/").status_code == 404
    assert other_client.post(f"/applications/{submitted.pk}/withdraw/").status_code == 404
    submitted.refresh_from_db()
    assert submitted.status == Status.SUBMITTED


def test_withdrawing_asks_for_confirmation_first(user_client, submitted):
    html = user_client.get(f"/applications/{submitted.pk}/withdraw/").content.decode()
    assert "取り下げた申込は元に戻せません" in html
    submitted.refresh_from_db()
    assert submitted.status == Status.SUBMITTED


def test_withdrawing_ends_the_application(user_client, submitted):
    response = user_client.post(f"/applications/{submitted.pk}/withdraw/", follow=True)
    assert "を取り下げました。" in response.content.decode()
    submitted.refresh_from_db()
    assert submitted.status == Status.WITHDRAWN


def test_an_approved_application_cannot_be_withdrawn(user_client, submitted):
    Application.objects.filter(pk=submitted.pk).update(status=Status.APPROVED)
    response = user_client.post(f"/applications/{submitted.pk}/withdraw/", follow=True)
    assert "審査が終了した申込は取り下げできません。" in response.content.decode()
    submitted.refresh_from_db()
    assert submitted.status == Status.APPROVED


def test_a_question_of_the_center_is_shown_and_answered_through_the_wizard(user_client, submitted, desired):
    Application.objects.filter(pk=submitted.pk).update(
        status=Status.NEEDS_INFO, center_message="電話番号をご確認ください。"
    )
    html = user_client.get(f"/applications/{submitted.pk}/").content.decode()
    assert "NACCSセンターからの確認事項" in html and "電話番号をご確認ください。" in html
    assert "申込内容を修正する" in html

    user_client.post(f"/applications/reissue/{submitted.pk}/applicant/", {**APPLICANT, "phone": "0399998888"})
    user_client.post(f"/applications/reissue/{submitted.pk}/confirm/")

    submitted.refresh_from_db()
    number = submitted.receipt_number
    assert submitted.status == Status.SUBMITTED
    assert submitted.applicant_phone == "0399998888"
    assert submitted.receipt_number == number
    assert Application.objects.count() == 1


def test_the_next_application_is_prefilled_from_the_last_one(user_client, submitted):
    Application.objects.filter(pk=submitted.pk).update(applicant_department="第二通関部")
    url = user_client.post("/applications/reissue/").url
    assert 'value="第二通関部"' in user_client.get(url).content.decode()


@pytest.mark.parametrize("status", [Status.APPROVED, Status.COMPLETED, Status.REJECTED, Status.WITHDRAWN])
def test_a_decided_application_offers_no_withdrawal(user_client, submitted, status):
    Application.objects.filter(pk=submitted.pk).update(status=status)
    assert "取り下げる" not in user_client.get(f"/applications/{submitted.pk}/").content.decode()
    response = user_client.get(f"/applications/{submitted.pk}/withdraw/")
    assert response.status_code == 302 and response.url == f"/applications/{submitted.pk}/"
    html = user_client.get(response.url).content.decode()
    assert "取り下げた申込は元に戻せません" not in html
    expected = "取り下げ済みです。" if status == Status.WITHDRAWN else "審査が終了した申込は取り下げできません。"
    assert expected in html


@pytest.mark.parametrize("status", [Status.SUBMITTED, Status.NEEDS_INFO])
def test_an_undecided_application_offers_withdrawal(user_client, submitted, status):
    Application.objects.filter(pk=submitted.pk).update(status=status)
    html = user_client.get(f"/applications/{submitted.pk}/").content.decode()
    assert f'href="/applications/{submitted.pk}/withdraw/"' in html
    assert (
        "取り下げた申込は元に戻せません" in user_client.get(f"/applications/{submitted.pk}/withdraw/").content.decode()
    )


def test_a_rejected_application_shows_the_reason_of_the_center(user_client, submitted):
    Application.objects.filter(pk=submitted.pk).update(status=Status.REJECTED, center_message="書類が不足しています。")
    html = user_client.get(f"/applications/{submitted.pk}/").content.decode()
    assert "却下の理由" in html and "書類が不足しています。" in html


def test_an_application_not_asked_about_offers_no_correction(user_client, submitted):
    Application.objects.filter(pk=submitted.pk).update(center_message="以前の確認事項")
    html = user_client.get(f"/applications/{submitted.pk}/").content.decode()
    assert "申込内容を修正する" not in html and "却下の理由" not in html and "以前の確認事項" not in html
