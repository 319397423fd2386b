"""デジタル証明書の再発行: what the reissue kind adds to the lifecycle (manual ② to ⑦)."""

from django.db.models import OuterRef, Prefetch, Subquery
from django.urls import reverse
from django.utils import timezone

from naccs.pki import revocation
from naccs.pki.pickups import PICKUP_MONTHS
from naccs.portal.models import NewsItem
from naccs.terminals.models import Certificate, LogicalTerminal
from naccs.terminals.renewal import renewal_window_text

from .. import kinds
from ..lifecycle import TransitionRefused
from ..models import Application, ContractChangeLine, Reissue, ReissueLine
from . import processing

# Why a terminal an open 契約内容の変更 removes cannot be reissued, in the list and in the refusal.
BEING_REMOVED = "契約内容の変更で削除の申込中"


class ReissueKind(kinds.Kind):
    code = Application.Kind.REISSUE
    title = "デジタル証明書再発行申込"
    noun = "デジタル証明書の再発行申込"
    steps = (kinds.Step("論理端末入力", "論理端末の入力", "applications:reissue_terminals"),)
    completed_label = "再発行済"
    work_unit = ("端末", "台")
    news = kinds.news_texts(
        noun,
        {
            kinds.APPROVED: f"{noun}の審査が終了しました。",
            kinds.INFO_REQUESTED: f"{noun}について確認事項があります。",
            kinds.COMPLETED: "デジタル証明書を再発行しました。",
        },
    )
    NAMES_IN_NOTICE = 5
    news_categories = {kinds.COMPLETED: NewsItem.Category.CERTIFICATE}

    def start(self, application):
        Reissue.objects.create(application=application)

    def is_complete(self, application):
        return (
            application.desired_date is not None
            and bool(application.reissue.reason)
            and application.reissue_lines.exists()
        )

    def check_submittable(self, application):
        """No terminal of the 申込 may be in another open 申込, nor removed by an open 契約内容の変更; the terminals
        are locked (as a contract change locks those it removes) so that two 申込 naming the same terminal cannot
        both be registered. 有効期限切れ only for terminals whose certificate has expired."""
        terminal_ids = list(application.reissue_lines.values_list("terminal_id", flat=True))
        list(LogicalTerminal.objects.select_for_update().filter(pk__in=terminal_ids).order_by("pk").values("pk"))
        busy = ReissueLine.objects.busy().filter(terminal_id__in=terminal_ids).exclude(application=application)
        names = sorted(busy.values_list("terminal__name", flat=True))
        if names:
            raise TransitionRefused(
                f"論理端末{', '.join(names)}は既に再発行の申込中です。論理端末の入力に戻って選択し直してください。"
            )
        removing = ContractChangeLine.objects.removing().filter(terminal_id__in=terminal_ids)
        if names := sorted(removing.values_list("terminal__name", flat=True)):
            raise TransitionRefused(
                f"論理端末{', '.join(names)}は{BEING_REMOVED}のため、再発行できません。"
                "論理端末の入力に戻って選択し直してください。"
            )
        if application.reissue.reason == Reissue.Reason.EXPIRED and (valid := still_valid(terminal_ids)):
            raise TransitionRefused(expired_refusal(valid))

    def approved(self, application, *, actor):
        """A lost or leaked key: its certificate is revoked at once (keyCompromise), not at the 取得 of the new one."""
        if application.reissue.reason != Reissue.Reason.KEY_COMPROMISE:
            return
        terminals = application.reissue_lines.values("terminal_id")
        for certificate in Certificate.objects.filter(terminal__in=terminals, revoked_at__isnull=True):
            revocation.revoke_certificate(
                certificate=certificate, reason=Certificate.RevocationReason.KEY_COMPROMISE, actor=actor
            )

    carried_out_rows = (ReissueLine, "processed_at")

    def carry_out(self, application_id, *, actor=None, progress=None):
        processing.carry_out(application_id, actor=actor, progress=progress)

    def with_details(self, applications):
        # 発行日 (manual ⑤): when the terminal's newest certificate was issued.
        newest = Certificate.objects.filter(terminal=OuterRef("terminal_id")).order_by("-issued_at")
        lines = (
            ReissueLine.objects.select_related("terminal")
            .annotate(issued_at=Subquery(newest.values("issued_at")[:1]))
            .order_by("terminal__name")
        )
        return applications.select_related("reissue").prefetch_related(Prefetch("reissue_lines", queryset=lines))

    def section_context(self, application):
        return {"reissue": application.reissue, "lines": application.reissue_lines.all()}

    def notice(self, event, application):
        """The completion names the terminals and links to the 取得 page, where the new certificates are acquired."""
        if event != kinds.COMPLETED:
            return super().notice(event, application)
        names = list(application.reissue_lines.order_by("terminal__name").values_list("terminal__name", flat=True))
        shown = "、".join(names[: self.NAMES_IN_NOTICE]) + (
            f" ほか{len(names) - self.NAMES_IN_NOTICE}台" if len(names) > self.NAMES_IN_NOTICE else ""
        )
        text = (
            f"デジタル証明書を再発行しました（論理端末：{shown}）。新しい認証コード2を「契約内容の確認」でご確認の上、"
            "取得画面からデジタル証明書を取得してください。"
        )
        link = reverse("pki:acquire") + (f"?terminal={names[0]}" if len(names) == 1 else "")
        return text, link

    def summary(self, application):
        return "、".join(line.terminal.name for line in application.reissue_lines.all())

    def list_prefetch(self):
        lines = ReissueLine.objects.select_related("terminal").order_by("terminal__name")
        return [Prefetch("reissue_lines", queryset=lines)]

    def mail_context(self, application):
        lines = application.reissue_lines.select_related("terminal").order_by("terminal__name")
        return {
            "reissue": application.reissue,
            "terminals": [line.terminal for line in lines],
            "pickup_months": PICKUP_MONTHS,
        }


def choose_terminals(application, *, desired_date, reason, reason_text, terminals, shown=None) -> None:
    """Save the 論理端末 step into a locked draft (manual ④).

    `terminals` are the chosen ones among `shown`, the terminals the user saw on one page of the list; the choice on
    other pages is kept. Without `shown`, `terminals` is the whole choice. A header field given as None (the user
    moved to another page without filling it in) keeps its saved value.
    """
    if desired_date is not None:
        application.desired_date = desired_date
    if reason:
        Reissue.objects.filter(application=application).update(reason=reason, reason_text=reason_text)
    chosen = {terminal.pk for terminal in terminals}
    lines = application.reissue_lines.all()
    if shown is not None:
        lines = lines.filter(terminal_id__in=[terminal.pk for terminal in shown])
    lines.exclude(terminal_id__in=chosen).delete()
    existing = set(application.reissue_lines.filter(terminal_id__in=chosen).values_list("terminal_id", flat=True))
    ReissueLine.objects.bulk_create(
        ReissueLine(application=application, terminal_id=pk) for pk in sorted(chosen - existing)
    )


def still_valid(terminal_ids) -> list[str]:
    """The names of those terminals whose current certificate has not expired: 「有効期限切れ」 is not their reason."""
    valid = Certificate.objects.filter(terminal__in=terminal_ids, revoked_at__isnull=True, not_after__gt=timezone.now())
    return sorted(set(valid.values_list("terminal__name", flat=True)))


def expired_refusal(names: list[str]) -> str:
    return (
        f"論理端末{'、'.join(names)}のデジタル証明書は有効期限が切れていません。「有効期限切れ」以外の再発行理由を"
        f"選択してください（{renewal_window_text()}は、申込をせずに取得画面から更新できます）。"
    )
