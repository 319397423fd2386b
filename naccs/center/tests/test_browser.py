"""A staff review in Chromium: find the 申込, refuse an empty question, send one, approve another in bulk."""

import pytest

from conftest import PASSWORD
from naccs.applications.models import Application
from naccs.mailer.models import OutboundMail
from naccs.portal.models import NewsItem
from naccs.tests.helpers import log_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
Status = Application.Status


def test_staff_review_in_the_back_office(page, staff_user, make_application):
    asked, approved = make_application(), make_application()
    log_in(page, staff_user.username, PASSWORD)

    page.goto("/center/applications/application/")
    page.locator("#searchbar").fill(asked.reissue_lines.first().terminal.name)
    page.locator("#changelist-search").get_by_role("button").click()
    page.get_by_role("link", name=asked.receipt_number).click()
    page.locator("#history").wait_for()

    page.get_by_role("button", name="確認事項を送る").click()
    page.get_by_text("確認事項を入力してください。").wait_for()
    page.get_by_label("確認事項・却下理由").fill("再発行理由を具体的にご記入ください。")
    page.get_by_role("button", name="送信").click()
    page.get_by_text("確認事項を送信しました。").wait_for()
    page.get_by_text("この申込は確認事項ありのため").wait_for()
    asked.refresh_from_db()
    assert asked.status == Status.NEEDS_INFO and asked.center_message == "再発行理由を具体的にご記入ください。"
    assert NewsItem.objects.filter(company=asked.company, body=asked.center_message).exists()

    page.goto("/center/applications/application/?status__exact=submitted")
    page.locator(f"input[name=_selected_action][value='{approved.pk}']").check()
    page.locator("select[name=action]").select_option("approve_selected")
    page.get_by_role("button", name="実行").click()
    page.get_by_text("1件の申込を承認しました。").wait_for()
    approved.refresh_from_db()
    assert approved.status == Status.APPROVED
    assert OutboundMail.objects.filter(subject__contains="審査終了").count() == 1

    page.goto("/center/dashboard/")
    page.locator("#status-counts").get_by_text("確認事項あり").wait_for()
