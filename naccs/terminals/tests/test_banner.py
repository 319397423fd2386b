"""The renewal banner on home and 契約内容の確認: shown while a terminal is in its window or expired."""

from datetime import timedelta

import pytest
from django.utils import timezone

from naccs.terminals.models import Certificate
from naccs.tests.helpers import make_terminal

pytestmark = pytest.mark.django_db
PAGES = ["/", "/contract/"]


def expiring_in(company, name, days):
    return make_terminal(company, name, expires_at=timezone.now() + timedelta(days=days))


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
