"""The home menu (メニュー一覧) and the global nav, as in manual screen ①.

An entry names a URL pattern; when that pattern does not exist yet the entry is shown as 「準備中」
rather than as a link to a dead page, so a feature appears in the menu by adding its URL.
"""

from dataclasses import dataclass
from functools import cache

from django.urls import NoReverseMatch, reverse


@cache
def url_or_none(url_name: str) -> str | None:
    """The menu is the same on every page; resolve each entry once per process."""
    try:
        return reverse(url_name)
    except NoReverseMatch:
        return None


@dataclass(frozen=True)
class MenuEntry:
    label: str
    url_name: str | None

    @property
    def url(self) -> str | None:
        return url_or_none(self.url_name) if self.url_name else None


APPLY_ENTRIES = (
    MenuEntry("契約内容の変更", "applications:contract_change_guidance"),
    MenuEntry("システム設定の申込", "applications:system_settings_guidance"),
    MenuEntry("通関士IDの追加", None),
    MenuEntry("デジタル証明書の再発行", "applications:reissue_guidance"),
)

MENU_GROUPS = (
    ("申請を行う", APPLY_ENTRIES),
    ("契約内容の確認", (MenuEntry("契約内容の確認", "contract:overview"),)),
    ("ユーザー情報", (MenuEntry("パスワードの変更", "accounts:password_change"),)),
    ("請求を参照する", (MenuEntry("請求金額の参照", "billing:invoices"),)),
    ("申込内容の確認", (MenuEntry("申込内容の確認", "applications:list"),)),
)

GLOBAL_NAV = (
    MenuEntry("ホーム", "portal:home"),
    MenuEntry("申込実施", "portal:apply"),
    MenuEntry("申込内容確認", "applications:list"),
    MenuEntry("契約内容確認", "contract:overview"),
    MenuEntry("請求内容参照", "billing:invoices"),
    MenuEntry("パスワード変更", "accounts:password_change"),
)
