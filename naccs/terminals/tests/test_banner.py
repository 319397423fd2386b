"""The renewal banner on home and 契約内容の確認: shown while a terminal is in its window or expired."""

from datetime import timedelta

import pytest
from django.utils import timezone

from naccs.terminals.models import Certificate
from naccs.tests.helpers import expiring_in

pytestmark = pytest.mark.django_db
PAGES = ["/", "/contract/"]


@pytest.mark.parametrize("page", PAGES)
def test_it_shows_the_terminals_in_their_window(user_client, company, page):
    expiring_in(company, "11110A", 20)
    expiring_in(company, "11110B", 60)
    html = user_client.get(page).content.decode()
    assert "更新期間中のデジタル証明書が1件あります" in html
    expiry = timezone.localtime(timezone.now() + timedelta(days=20))
    assert f"{expiry:%Y/%m/%d}" in html
    assert "論理端末：11110A" in html and "/pki/acquire/" in html


@pytest.mark.parametrize("page", PAGES)
def test_it_shows_expired_certificates(user_client, company, page):
    expiring_in(company, "11110A", -3)
    html = user_client.get(page).content.decode()
    assert "有効期限が切れたデジタル証明書が1件あります" in html
    assert "再発行の申込" in html


@pytest.mark.parametrize("page", PAGES)
def test_there_is_no_banner_when_every_certificate_is_far_from_expiry(user_client, company, page):
    expiring_in(company, "11110A", 29)
    assert "renewal-banner" not in user_client.get(page).content.decode()


def test_a_renewed_terminal_needs_no_banner(user_client, company):
    terminal = expiring_in(company, "11110A", 20)
    Certificate.objects.filter(terminal=terminal).update(revoked_at=timezone.now())  # superseded by a renewal
    assert "renewal-banner" not in user_client.get("/").content.decode()


def test_another_companys_terminals_never_show(user_client, other_company):
    expiring_in(other_company, "22220A", 5)
    assert "renewal-banner" not in user_client.get("/").content.decode()


def reissue_of(user, terminal, status="submitted"):
    from naccs.applications.models import Application, Reissue

    application = Application.objects.create(
        kind="reissue", company=terminal.company, created_by=user, status=status, receipt_number="20261201001",
        submitted_at=timezone.now(),
    )  # fmt: skip
    Reissue.objects.create(application=application, reason="expired")
    application.reissue_lines.create(terminal=terminal)
    return application


@pytest.mark.parametrize("page", PAGES)
def test_an_expired_terminal_with_a_reissue_under_way_links_to_it_instead_of_asking_again(
    user_client, user, company, page
):
    application = reissue_of(user, expiring_in(company, "11110F", -3))
    html = user_client.get(page).content.decode()
    assert "有効期限が切れたデジタル証明書が1件あります" in html
    assert "再発行の申込を行ってください" not in html and "いずれも再発行の申込を受け付けています。" in html
    assert (
        f'論理端末11110Fは再発行の申込（申込受付番号 <a href="/applications/{application.pk}/">20261201001</a>、'
        "受付済）の手続中です。"
    ) in html


def test_only_the_expired_terminals_without_a_reissue_are_asked_for_one(user_client, user, company):
    reissue_of(user, expiring_in(company, "11110F", -3))
    expiring_in(company, "11110G", -2)
    html = user_client.get("/").content.decode()
    assert "有効期限が切れたデジタル証明書が2件あります" in html
    assert (
        "再発行の申込をしていない1件は、メニューの「デジタル証明書の再発行」から再発行の申込を行ってください。" in html
    )
    assert "論理端末11110Fは再発行の申込" in html and "論理端末11110Gは再発行の申込" not in html


@pytest.mark.parametrize("status", ["withdrawn", "rejected", "completed"])
def test_an_ended_reissue_is_not_under_way(user_client, user, company, status):
    reissue_of(user, expiring_in(company, "11110F", -3), status=status)
    html = user_client.get("/").content.decode()
    assert "再発行の申込を行ってください" in html and "手続中" not in html
