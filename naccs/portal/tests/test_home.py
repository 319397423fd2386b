import pytest

from naccs.portal.models import NewsItem

from .factories import make_news

pytestmark = pytest.mark.django_db


def test_it_shows_company_office_and_helpdesk(user_client):
    html = user_client.get("/").content.decode()
    assert "通関商事株式会社" in html
    assert "東京事業所" in html
    assert "0120-794527" in html
    assert "人・物・国をつなぐ" in html


def test_it_shows_the_latest_ten_news_items_newest_first(user_client, company):
    for day in range(12):
        make_news(company, f"お知らせ{day:02d}", days_ago=day)
    html = user_client.get("/").content.decode()
    assert html.count('class="news-item"') == 10
    assert html.index("お知らせ00") < html.index("お知らせ09")
    assert "お知らせ10" not in html


def test_a_news_item_shows_date_bold_category_code_and_detail_link(user_client, company):
    item = make_news(company, "デジタル証明書を再発行しました。", category=NewsItem.Category.CERTIFICATE)
    html = user_client.get("/").content.decode()
    assert item.published_at.astimezone().strftime("%Y/%m/%d") in html
    assert '<strong class="news-item__category">証明書発行</strong>' in html
    assert "【12345678】 デジタル証明書を再発行しました。" in html
    assert f'href="/news/{item.pk}/"' in html


def test_it_shows_news_for_all_companies_without_a_code(user_client):
    make_news(None, "前月分の請求額が確定しました。", category=NewsItem.Category.FEES)
    html = user_client.get("/").content.decode()
    assert "前月分の請求額が確定しました。" in html
    assert "【" not in html.split('class="news-list"')[1].split("</ul>")[0]


def test_it_never_shows_another_companys_news(user_client, other_company):
    make_news(other_company, "港湾物流向けのお知らせ")
    assert "港湾物流向けのお知らせ" not in user_client.get("/").content.decode()


def test_news_detail_shows_the_body(user_client, company):
    item = make_news(company, "見出し", body="本文の内容です。")
    html = user_client.get(f"/news/{item.pk}/").content.decode()
    assert "本文の内容です。" in html


def test_news_detail_of_another_company_is_not_found(user_client, other_company):
    item = make_news(other_company, "港湾物流向けのお知らせ")
    assert user_client.get(f"/news/{item.pk}/").status_code == 404


def test_news_detail_of_a_missing_item_is_not_found(user_client):
    assert user_client.get("/news/999999/").status_code == 404


def test_menu_lists_every_entry_of_the_manual(user_client):
    """Under 申請を行う, each kind of 申込 that is registered (applications.kinds.KIND_CLASSES) has its entry."""
    from naccs.applications.kinds import all_kinds

    html = user_client.get("/").content.decode()
    for label in [
        *(kind.label for kind in all_kinds()),
        "申請を行う",
        "通関士IDの追加",
        "デジタル証明書の再発行",
        "契約内容の確認",
        "ユーザー情報",
        "パスワードの変更",
        "請求を参照する",
        "請求金額の参照",
        "申込内容の確認",
    ]:
        assert label in html


def test_the_expiry_mail_settings_are_in_the_menu_under_user_information(user_client):
    html = user_client.get("/").content.decode()
    user_information = html.split("ユーザー情報", 1)[1].split("請求を参照する", 1)[0]
    assert '<a href="/notices/expiry/">有効期限のお知らせメールの設定</a>' in user_information
    assert user_client.get("/notices/expiry/").status_code == 200


def test_global_nav_has_the_six_entries(user_client):
    html = user_client.get("/").content.decode()
    nav = html.split('class="global-nav"')[1].split("</nav>")[0]
    for label in ["ホーム", "申込実施", "申込内容確認", "契約内容確認", "請求内容参照", "パスワード変更"]:
        assert label in nav


def test_the_header_marks_the_current_page_and_follows_a_renamed_company(user_client, company):
    contract = user_client.get("/contract/").content.decode().split("</header>")[0]
    assert '<a href="/contract/" aria-current="page">契約内容確認</a>' in contract
    assert contract.count("aria-current") == 1
    home = user_client.get("/").content.decode().split("</header>")[0]
    assert '<a href="/" aria-current="page">ホーム</a>' in home and "からログイン中" in home
    company.name = "新通関商事株式会社"
    company.save()
    assert "新通関商事株式会社" in user_client.get("/").content.decode().split("</header>")[0]


def test_a_page_outside_the_nav_marks_nothing(user_client):
    header = user_client.get("/applications/reissue/").content.decode().split("</header>")[0]
    assert "aria-current" not in header and "ログアウト" in header


def test_the_login_page_has_no_session_header(client):
    header = client.get("/accounts/login/").content.decode().split("</header>")[0]
    assert "ログアウト" not in header and "global-nav" not in header


def test_every_feature_of_the_menu_is_built(user_client):
    html = user_client.get("/").content.decode()
    # Issues 15 and 16 built the last of them: nothing says 「準備中」, every kind and billing are links.
    assert "準備中" not in html and 'class="unavailable"' not in html
    for path, label in (
        ("/applications/contract_change/", "契約内容の変更"),
        ("/applications/system_settings/", "システム設定の申込"),
        ("/applications/broker_ids/", "通関士IDの追加"),
        ("/applications/reissue/", "デジタル証明書の再発行"),
        ("/billing/", "請求金額の参照"),
    ):
        assert f'<a href="{path}">{label}</a>' in html


def test_every_menu_link_opens_a_page(user_client):
    from naccs.portal.menu import GLOBAL_NAV, MENU_GROUPS

    entries = list(GLOBAL_NAV) + [entry for _, group in MENU_GROUPS for entry in group]
    for entry in entries:
        if entry.url:
            assert user_client.get(entry.url).status_code == 200, entry.label


def test_apply_menu_lists_the_four_applications(user_client):
    html = user_client.get("/apply/").content.decode()
    assert '<a class="button button--secondary" href="/applications/reissue/">デジタル証明書の再発行</a>' in html
    assert '<a class="button button--secondary" href="/applications/broker_ids/">通関士IDの追加</a>' in html
    assert "準備中" not in html.split("</header>")[1]
    # In the manual's order: 通関士IDの追加 before デジタル証明書の再発行.
    assert html.index("通関士IDの追加") < html.index("デジタル証明書の再発行")


def test_the_home_menu_links_to_each_kind_of_application(user_client):
    html = user_client.get("/").content.decode()
    assert '<a href="/applications/broker_ids/">通関士IDの追加</a>' in html
    assert '<a href="/applications/reissue/">デジタル証明書の再発行</a>' in html


def test_center_staff_are_sent_to_the_back_office(staff_client):
    response = staff_client.get("/")
    assert response.status_code == 302
    assert response.url == "/center/"


def test_home_needs_at_most_four_queries_whatever_the_news(user_client, company, django_assert_max_num_queries):
    for day in range(30):
        make_news(company, f"お知らせ{day}", days_ago=day)
    # session, user with company and office, news, the renewal banner (issue 18: one query, whatever the fleet)
    with django_assert_max_num_queries(4):
        user_client.get("/")


def test_news_posted_after_a_visit_shows_on_the_next_one(user_client, company, other_company):
    user_client.get("/")
    make_news(company, "論理端末を追加しました。")
    make_news(None, "システムメンテナンスのお知らせ")
    make_news(other_company, "他社のお知らせ")
    html = user_client.get("/").content.decode()
    assert "論理端末を追加しました。" in html
    assert "システムメンテナンスのお知らせ" in html
    assert "他社のお知らせ" not in html


def test_a_changed_or_deleted_news_item_changes_the_next_visit(user_client, company):
    item = make_news(company, "旧い見出し")
    user_client.get("/")
    item.text = "新しい見出し"
    item.save()
    assert "新しい見出し" in user_client.get("/").content.decode()
    item.delete()
    assert "新しい見出し" not in user_client.get("/").content.decode()


def test_a_changed_helpdesk_setting_shows_on_the_next_page(client, settings):
    assert 'href="tel:0120-794527"' in client.get("/accounts/login/").content.decode()
    settings.HELPDESK_PHONE = "0120-000000"
    html = client.get("/accounts/login/").content.decode()
    assert 'href="tel:0120-000000"' in html and 'href="tel:0120-794527"' not in html


def test_every_page_has_an_icon_and_favicon_ico_leads_to_it(client, db):
    html = client.get("/accounts/login/").content.decode()
    assert '<link rel="icon" href="/static/favicon.svg" type="image/svg+xml">' in html
    response = client.get("/favicon.ico")
    assert response.status_code == 301 and response.url == "/static/favicon.svg"


def test_a_kind_registered_later_takes_its_place_in_the_manuals_order(monkeypatch):
    from naccs.portal import menu

    # As if システム設定の申込 were registered last (after the other kinds' apps were ready), and twice.
    later = next(entry for entry in menu.APPLY_ENTRIES if entry.label == "システム設定の申込")
    monkeypatch.setattr(menu, "APPLY_ENTRIES", [entry for entry in menu.APPLY_ENTRIES if entry != later])
    menu.register_apply_entry(later.label, later.url_name, position=later.position)
    menu.register_apply_entry(later.label, later.url_name, position=later.position)
    labels = [entry.label for entry in menu.APPLY_ENTRIES]
    assert labels == ["契約内容の変更", "システム設定の申込", "通関士IDの追加", "デジタル証明書の再発行"]
