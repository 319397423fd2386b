"""Every portal page passes axe-core (WCAG 2.2 AA rules) in Debian's Chromium: no serious or critical violation and
no critical result left "incomplete", with and without form errors. Each wizard step is kept as a screenshot under
var/screenshots/ for a reviewer to look at (a Japanese font is installed by `make test`)."""

from io import StringIO
from pathlib import Path

import pytest
from axe_playwright_python.sync_playwright import Axe
from django.conf import settings
from django.core.management import call_command

from naccs.lib.business_days import earliest_desired_date
from naccs.tests.helpers import log_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
AXE_OPTIONS = {
    "runOnly": {"type": "tag", "values": ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa", "best-practice"]},
    "resultTypes": ["violations", "incomplete"],
}
BLOCKING = {"serious", "critical"}
SCREENSHOTS = Path(settings.VAR_DIR) / "screenshots"
moderate: dict[str, set[str]] = {}  # what remains below the bar, by page, for the closing note


def check(page, name: str, *, screenshot: bool = False) -> None:
    page.wait_for_load_state("load")
    results = Axe().run(page, options=AXE_OPTIONS).response
    found = [(v["id"], v["impact"], v["help"]) for v in results["violations"] if v["impact"] in BLOCKING]
    found += [(v["id"], "incomplete", v["help"]) for v in results["incomplete"] if v["impact"] == "critical"]
    assert found == [], f"{name}: {found}"
    moderate[name] = {v["id"] for v in results["violations"] if v["impact"] not in BLOCKING}
    if screenshot:
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=SCREENSHOTS / f"{name}.png", full_page=True)


@pytest.fixture
def demo(page):
    call_command("load_demo_data", stdout=StringIO())
    return page


def test_the_company_pages_pass_axe(demo):
    page = demo
    page.goto("/accounts/login/")
    check(page, "login")
    page.get_by_role("button", name="ログイン").click()
    check(page, "login-with-errors")
    log_in(page, "demo", "demo-pass-2026")
    check(page, "home")

    page.get_by_role("link", name="デジタル証明書の再発行").first.click()
    check(page, "1-guidance", screenshot=True)
    page.get_by_role("button", name="申込担当者入力へ進む").click()
    check(page, "2-applicant", screenshot=True)
    page.get_by_label("所属部課名").fill("")
    page.get_by_label("電話番号").fill("03-12")
    page.get_by_role("button", name="論理端末の入力へ進む").click()
    check(page, "2-applicant-with-errors", screenshot=True)
    page.get_by_label("所属部課名").fill("第一通関部")
    page.get_by_label("電話番号").fill("0312345678")
    page.get_by_role("button", name="論理端末の入力へ進む").click()
    check(page, "3-terminals", screenshot=True)
    page.get_by_label("再発行希望日").fill("2026")
    page.get_by_role("button", name="申込内容確認へ進む").click()
    check(page, "3-terminals-with-errors", screenshot=True)
    page.get_by_label("再発行希望日").fill(earliest_desired_date().strftime("%Y%m%d"))
    page.get_by_label("端末の入れ替え").check()
    page.get_by_label("11110Aを選択").check()
    page.get_by_role("button", name="申込内容確認へ進む").click()
    check(page, "4-confirm", screenshot=True)
    page.get_by_role("button", name="申込内容を登録する").click()
    check(page, "5-done", screenshot=True)

    page.goto("/applications/")
    check(page, "applications")
    page.locator("table.data a").first.click()
    check(page, "application-detail")
    page.goto("/contract/")
    check(page, "contract")
    page.goto("/accounts/password/")
    check(page, "password-change")
    page.get_by_role("button", name="パスワードを変更する").click()
    check(page, "password-change-with-errors")


def test_the_acquire_page_passes_axe(page):
    page.goto("/pki/acquire/")
    check(page, "acquire")
    page.get_by_role("button", name="証明書を取得する").click()
    check(page, "acquire-with-errors")


def teardown_module():
    """What axe reports below the bar, printed for the reviewer (pytest -s shows it)."""
    print("\naxe, moderate or minor:", {name: sorted(ids) for name, ids in moderate.items() if ids})
