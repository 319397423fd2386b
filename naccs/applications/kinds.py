"""Kinds of 申込. The lifecycle (applications.lifecycle) is the same for all; a kind brings only its own steps, its
section of the 確認画面 and of 申込内容の詳細, its notices, and what is done once it is approved.

docs/architecture.md, "How to add a 申込 kind", says what a new kind writes.
"""

from dataclasses import dataclass
from functools import cache

from django.utils.module_loading import import_string

from naccs.portal.models import NewsItem

from .models import Application

# Each kind's class, by Application.Kind. By dotted path: a kind's module uses the lifecycle, which asks this registry.
KIND_CLASSES = {
    Application.Kind.REISSUE: "naccs.applications.reissue.kind.ReissueKind",
    Application.Kind.BROKER_IDS: "naccs.applications.broker_ids.kind.BrokerIdsKind",
    Application.Kind.CONTRACT_CHANGE: "naccs.applications.contract_change.kind.ContractChangeKind",
    Application.Kind.SYSTEM_SETTINGS: "naccs.applications.system_settings.kind.SystemSettingsKind",
}

# What happens to a 申込, each announced as the kind says (Kind.news, Kind.mail_template).
STARTED = "started"
STEP_SAVED = "step_saved"
SUBMITTED = "submitted"
RESUBMITTED = "resubmitted"
WITHDRAWN = "withdrawn"
APPROVED = "approved"
INFO_REQUESTED = "info_requested"
REJECTED = "rejected"
COMPLETED = "completed"


@dataclass(frozen=True)
class Step:
    """One input page of a kind's wizard between 申込担当者入力 and 申込内容確認."""

    label: str  # in the stepper: 「論理端末入力」
    phrase: str  # in the buttons and links: 「論理端末の入力へ進む」, 「論理端末の入力に戻る」
    url_name: str  # takes the 申込's pk


class Kind:
    """What one kind of 申込 adds to the lifecycle; subclasses set the attributes and override the hooks."""

    code: str  # an Application.Kind value
    label: str  # 申込種別: 「デジタル証明書の再発行」
    # The 申込 named as a noun, in every mail and 新着情報 text that names it: 「デジタル証明書の再発行申込」. Texts are
    # built from it, never from `label` + 「申込」 (a label may end in 申込 already: 「システム設定の申込」).
    noun: str
    title: str  # the wizard's headings: 「デジタル証明書再発行申込」
    # The first page, which starts a draft; the menu and 申込実施 link to it under `label` (apps.py).
    guidance_url_name: str
    steps: tuple[Step, ...]  # its own input pages, in order
    # Its templates: _section.html (its part of the 確認画面 and 申込内容の詳細, with 「…の入力に戻る」 links when
    # change_links is set) and _done.html (what happens next, on the 登録完了 page).
    template_folder: str
    completed_label = "完了"  # the status of a completed 申込 as its users say it
    # What carry_out reports to its `progress`, as the morning run's summary counts it: 「変更 1 件」.
    work_unit = ("変更", "件")
    # 新着情報 per event; events without a text post nothing. The 申込受付番号 is added to each.
    news: dict[str, str] = {}
    news_categories: dict[str, str] = {}  # per event; 利用申込 otherwise

    def start(self, application: Application) -> None:
        """A draft was just made: create the kind's own rows."""

    def is_complete(self, application: Application) -> bool:
        """Every one of the kind's own steps is filled in."""
        raise NotImplementedError

    def check_submittable(self, application: Application) -> None:
        """Rules checked under the 申込's row lock when it is registered; raise lifecycle.TransitionRefused."""

    def approved(self, application: Application, *, actor) -> None:
        """Done in the approval's transaction (for example, what takes effect at once)."""

    def carry_out(self, application_id: int, *, actor=None, progress=None) -> None:
        """The morning run of the 希望日: make the 申込 take effect, safe to repeat after a crash."""

    def is_carried_out(self, application: Application) -> bool:
        """Everything carry_out does is done, so the 申込 may be completed."""
        return True

    def with_details(self, applications):
        """`applications` (a QuerySet) with what the kind's section and is_complete read, fetched with them."""
        return applications

    def section_context(self, application: Application) -> dict:
        """What its _section.html shows, from an application loaded through with_details."""
        return {}

    @property
    def section_template(self) -> str:
        return f"{self.template_folder}/_section.html"

    @property
    def done_template(self) -> str:
        return f"{self.template_folder}/_done.html"

    def summary(self, application: Application) -> str:
        """A few words for the list of 申込 (申込内容の確認)."""
        return ""

    def list_prefetch(self) -> list:
        """prefetch_related lookups for what summary() reads, so that the list costs the same for any length."""
        return []

    def mail_context(self, application: Application) -> dict:
        return {}

    def mail_templates(self, event: str) -> list[str]:
        """Under templates/mail/, tried in order: the kind's own text, then the one every kind shares."""
        shared = SUBMITTED if event == RESUBMITTED else event
        return [f"{self.code}/{shared}", f"application/{shared}"]

    def notice(self, event: str, application: Application) -> tuple[str, str] | None:
        """The 新着情報 item of `event`: its text (the 申込受付番号 is added) and where it links; None posts nothing."""
        text = self.news.get(event)
        return (text, application.get_absolute_url()) if text else None

    def news_category(self, event: str) -> str:
        return self.news_categories.get(event, NewsItem.Category.APPLICATION)

    def status_label(self, application: Application) -> str:
        if application.status == Application.Status.COMPLETED:
            return self.completed_label
        return application.get_status_display()


@cache
def kind_of(code: str) -> Kind:
    """The kind of a 申込 (Application.kind)."""
    return import_string(KIND_CLASSES[code])()


def all_kinds() -> list[Kind]:
    return [kind_of(code) for code in KIND_CLASSES]
