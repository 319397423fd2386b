"""Kinds of 申込. The lifecycle (applications.lifecycle) is the same for all; a kind brings only its own steps, its
section of the 確認画面 and of 申込内容の詳細, its notices, and what is done once it is approved.

docs/architecture.md, "How to add a 申込 kind", says what a new kind writes.
"""

from dataclasses import dataclass
from functools import cache

from django.db import transaction
from django.utils import timezone
from django.utils.module_loading import import_string

from naccs.audit.services import record
from naccs.portal.models import NewsItem

from .models import Application

# Each kind's class, by Application.Kind, in the order of manual screen ① under 申請を行う (the menu and the 申込実施
# page list them so). By dotted path: a kind's module uses the lifecycle, which asks this registry.
KIND_CLASSES = {
    Application.Kind.CONTRACT_CHANGE: "naccs.applications.contract_change.kind.ContractChangeKind",
    Application.Kind.SYSTEM_SETTINGS: "naccs.applications.system_settings.kind.SystemSettingsKind",
    Application.Kind.BROKER_IDS: "naccs.applications.broker_ids.kind.BrokerIdsKind",
    Application.Kind.REISSUE: "naccs.applications.reissue.kind.ReissueKind",
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


# What the manual asks of a 申込 with 確認事項, in every kind's 新着情報.
ASKED_TO_AMEND = "通知内容をご確認の上、申込内容の修正、または取り下げを行ってください。"


def news_texts(noun: str, own: dict[str, str]) -> dict[str, str]:
    """A kind's 新着情報 per event: the sentences every kind says of its 申込 (「…を受け付けました。」), built from
    its `noun`, and its `own` texts for the rest (the decision, the question, what was done)."""
    return {
        SUBMITTED: f"{noun}を受け付けました。",
        RESUBMITTED: f"{noun}を修正して再送信しました。",
        WITHDRAWN: f"{noun}を取り下げました。",
        REJECTED: f"{noun}を却下しました。",
        **own,
    }


@dataclass(frozen=True)
class Step:
    """One input page of a kind's wizard between 申込担当者入力 and 申込内容確認."""

    label: str  # in the stepper: 「論理端末入力」
    phrase: str  # in the buttons and links: 「論理端末の入力へ進む」, 「論理端末の入力に戻る」
    url_name: str  # takes the 申込's pk


class Kind:
    """What one kind of 申込 adds to the lifecycle; subclasses set the attributes and override the hooks."""

    code: str  # an Application.Kind value
    # The 申込 named as a noun, in every mail and 新着情報 text that names it: 「デジタル証明書の再発行申込」. Texts are
    # built from it, never from `label` + 「申込」 (a label may end in 申込 already: 「システム設定の申込」).
    noun: str
    title: str  # the wizard's headings: 「デジタル証明書再発行申込」
    steps: tuple[Step, ...]  # its own input pages, in order
    completed_label = "完了"  # the status of a completed 申込 as its users say it
    # What carry_out reports to its `progress`, as the morning run's summary counts it: 「変更 1 件」.
    work_unit = ("変更", "件")
    # 新着情報 per event; events without a text post nothing. The 申込受付番号 is added to each.
    news: dict[str, str] = {}
    news_categories: dict[str, str] = {}  # per event; 利用申込 otherwise

    @property
    def guidance_url_name(self) -> str:
        """The first page, which starts a draft; the menu and 申込実施 link to it under `label` (apps.py)."""
        return f"applications:{self.code}_guidance"

    @property
    def template_folder(self) -> str:
        """Its templates: its steps, _section.html (its part of the 確認画面 and 申込内容の詳細, with 「…の入力に戻る」
        links when change_links is set) and _done.html (what happens next, on the 登録完了 page)."""
        return f"applications/{self.code}"

    @property
    def label(self) -> str:
        """申込種別: 「デジタル証明書の再発行」, as Application.Kind names it (the one home of the kinds' labels)."""
        return Application.Kind(self.code).label

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

    # What carry_out marks done: (a model with a foreign key or one-to-one `application`, the field it sets on each
    # of the 申込's rows). None: nothing to carry out.
    carried_out_rows: tuple[type, str] | None = None

    def is_carried_out(self, application: Application) -> bool:
        """Everything carry_out does is done, so the 申込 may be completed: none of its rows is left unmarked."""
        if self.carried_out_rows is None:
            return True
        model, field = self.carried_out_rows
        return not model.objects.filter(application=application, **{f"{field}__isnull": True}).exists()

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


class CarriedOutOnce(Kind):
    """A kind whose whole change takes effect in one transaction on its 希望日, under the lock of its own row (one per
    申込, `row_model`, with `carried_out_at`): two runs of one day change things once. A subclass writes `apply`."""

    row_model: type

    @property
    def carried_out_rows(self):
        return self.row_model, "carried_out_at"

    def apply(self, row, *, actor, now) -> dict:
        """Make the change of the approved 申込 `row.application`, under the lock of `row`; what was done, for the
        audit event `<code>.carried_out`."""
        raise NotImplementedError

    def carry_out(self, application_id, *, actor=None, progress=None):
        if self.carry_out_once(application_id, actor=actor) and progress:
            progress(1)

    def carry_out_once(self, application_id: int, *, actor=None) -> bool:
        """The change takes effect; False when it already has (another run did it) or the 申込 is not approved."""
        with transaction.atomic():
            row = (
                self.row_model.objects.select_for_update(of=("self",))
                .select_related("application__company")
                .get(application_id=application_id)
            )
            application = row.application
            # Under the lock: two runs of the same day must not both carry it out.
            if row.carried_out_at is not None or application.status != Application.Status.APPROVED:
                return False
            now = timezone.now()
            done = self.apply(row, actor=actor, now=now)
            row.carried_out_at = now
            row.save(update_fields=["carried_out_at"])
            record(
                action=f"{self.code}.carried_out",
                actor=actor,
                company=application.company,
                obj=row,
                after=done,
                application=application.receipt_number,
            )
        return True


@cache
def kind_of(code: str) -> Kind:
    """The kind of a 申込 (Application.kind)."""
    return import_string(KIND_CLASSES[code])()


def all_kinds() -> list[Kind]:
    return [kind_of(code) for code in KIND_CLASSES]
