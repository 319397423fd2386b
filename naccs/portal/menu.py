"""The home menu (メニュー一覧) and the global nav, as in manual screen ①.

The entries under 申請を行う are the kinds of 申込: each registered kind adds its own, with its label and its place
(register_apply_entry, called by naccs.applications at start, since the portal sits below the apps that make the
kinds and knows none of them).
"""

from dataclasses import dataclass
from functools import cache

from django.urls import reverse

from naccs.accounts.roles import manages_contract, sees_contract


@cache
def url_of(url_name: str) -> str:
    """The menu is the same on every page; resolve each entry once per process."""
    return reverse(url_name)


@dataclass(frozen=True)
class MenuEntry:
    label: str
    url_name: str
    position: int = 0  # among the entries of its group, for those registered at start

    @property
    def url(self) -> str:
        return url_of(self.url_name)


# Filled at start by register_apply_entry, in the order the kinds give (the manual's); the same list in both menus.
APPLY_ENTRIES: list[MenuEntry] = []


def register_apply_entry(label: str, url_name: str, *, position: int) -> None:
    """A kind of 申込 under 申請を行う and on the 申込実施 page, at its `position` (registering it again changes
    nothing)."""
    entry = MenuEntry(label, url_name, position)
    if entry not in APPLY_ENTRIES:
        APPLY_ENTRIES.append(entry)
        APPLY_ENTRIES.sort(key=lambda entry: entry.position)


MENU_GROUPS = (
    ("申請を行う", APPLY_ENTRIES),
    ("契約内容の確認", (MenuEntry("契約内容の確認", "contract:overview"),)),
    (
        "ユーザー情報",
        (
            MenuEntry("パスワードの変更", "accounts:password_change"),
            # Where a user looks for their own mail settings (it was reachable from the renewal banner only).
            MenuEntry("有効期限のお知らせメールの設定", "expiry_notices"),
        ),
    ),
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

# What a login that does not see the company's contract (a 通関士 ID, naccs.accounts.roles) is offered: the pages
# without contract_user_required. The rest would answer it with 403.
EVERY_LOGIN = frozenset({"portal:home", "accounts:password_change"})
# What an office user (not the company's 管理者) is offered besides: the pages without contract_administrator_required.
OFFICE_USER_PAGES = EVERY_LOGIN | {
    "portal:apply",
    "applications:list",
    "applications:reissue_guidance",
    "contract:overview",
}


def offered(entries, *, user) -> list[MenuEntry]:
    """The entries `user`'s role may open (naccs.accounts.roles): the others would answer 403."""
    if manages_contract(user):
        return list(entries)
    pages = OFFICE_USER_PAGES if sees_contract(user) else EVERY_LOGIN
    return [entry for entry in entries if entry.url_name in pages]


def menu_groups_for(*, user) -> list:
    groups = [(label, offered(entries, user=user)) for label, entries in MENU_GROUPS]
    return [(label, entries) for label, entries in groups if entries]
