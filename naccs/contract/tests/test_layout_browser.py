"""契約内容の確認 in Chromium at 1280 px (a desktop) and 390 px (a phone): the terminal table fits its panel on a
desktop, its rows stay a few lines tall, and no page of the portal scrolls sideways at either width (WCAG 1.4.10:
a data table may scroll inside its own box on a phone, the page may not)."""

from io import StringIO

import pytest
from django.core.management import call_command

from naccs.terminals.models import LogicalTerminal, SettingItem, TerminalSetting
from naccs.tests.helpers import log_in, make_terminal

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
PAGES = ["/", "/contract/", "/applications/", "/billing/", "/notices/expiry/", "/applications/reissue/"]


def page_overflow(page) -> int:
    """How many pixels the page is wider than the window (0: no sideways scroll)."""
    return page.evaluate("document.documentElement.scrollWidth - document.documentElement.clientWidth")


@pytest.fixture
def demo(page):
    call_command("load_demo_data", stdout=StringIO())
    log_in(page, "demo", "demo-pass-2026")
    return page


def every_setting_on_many_terminals():
    """The demo company's terminals, and 60 more that use every 業務 with mail delivery: long システム設定 cells."""
    from naccs.accounts.models import Company

    company = Company.objects.get(code="12345678")
    items = list(SettingItem.objects.all())
    for number in range(60):
        terminal = make_terminal(company, f"T{number:05d}")
        TerminalSetting.objects.bulk_create(
            TerminalSetting(
                terminal=terminal, item=item, delivery_mail="output@example.jp" if item.kind == "output" else ""
            )
            for item in items
        )
    assert LogicalTerminal.objects.filter(company=company).count() > 60


@pytest.mark.parametrize("width", [1280, 1920])
def test_the_terminal_table_fits_a_desktop_screen(demo, width):
    every_setting_on_many_terminals()
    demo.set_viewport_size({"width": width, "height": 900})
    demo.goto("/contract/")
    table = demo.locator("table[aria-labelledby=terminals-title]")
    box = demo.locator("table[aria-labelledby=terminals-title]").evaluate(
        "t => [t.scrollWidth, t.parentElement.clientWidth]"
    )
    widths = table.locator("thead th").evaluate_all(
        "ths => ths.map(t => t.innerText + ' ' + Math.round(t.getBoundingClientRect().width))"
    )
    assert box[0] <= box[1], f"{widths} the table is {box[0]} px wide in a {box[1]} px panel"
    assert page_overflow(demo) == 0
    # The demo company's rows (its own settings): a few lines each, not the 375 px of a 3-character column.
    demo_rows = table.locator("tbody tr", has_text="1111")
    assert demo_rows.count() >= 5
    heights = demo_rows.evaluate_all("rows => rows.map(r => r.getBoundingClientRect().height)")
    assert max(heights) < 120, f"a row {max(heights)} px tall"
    # 「残り日数」 and its values on one line; every 「取得する」 inside the window.
    lines = "cell => { const r = document.createRange(); r.selectNodeContents(cell); return r.getClientRects().length }"
    assert table.locator("th", has_text="残り日数").evaluate(lines) == 1
    assert set(table.locator("tbody td:nth-child(10)").evaluate_all(f"cells => cells.map({lines})")) == {1}
    for button in table.get_by_role("link", name="取得する").all():
        assert button.evaluate("b => b.getBoundingClientRect().right") <= width


@pytest.mark.parametrize("width", [1280, 390])
def test_no_page_scrolls_sideways(demo, width):
    demo.set_viewport_size({"width": width, "height": 800})
    for path in PAGES:
        demo.goto(path)
        assert page_overflow(demo) == 0, f"{path} scrolls sideways at {width} px"


@pytest.mark.parametrize("width", [1280, 390])
def test_a_company_with_2000_terminals_fits_too(page, width):
    """The 2,000-terminal company of the query budgets: its list, 50 a page, lays out like the demo's."""
    from conftest import PASSWORD
    from naccs.terminals.catalogue import seed_catalogue
    from naccs.tests.test_query_budgets import LARGE, build_company

    seed_catalogue(SettingItem)  # as the migration seeded it (a transactional test flushed the tables since)
    user, _, _ = build_company("77777777", "大量端末株式会社", **LARGE)
    user.set_password(PASSWORD)
    user.save()
    log_in(page, user.username, PASSWORD)
    page.set_viewport_size({"width": width, "height": 800})
    page.goto("/contract/")
    assert "2000台中 1〜50台目" in page.content()
    assert page_overflow(page) == 0
    if width == 1280:
        fits = "t => t.scrollWidth <= t.parentElement.clientWidth"
        assert page.locator("table[aria-labelledby=terminals-title]").evaluate(fits)
