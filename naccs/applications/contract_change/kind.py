"""契約内容の変更: what the contract-change kind adds to the lifecycle (its hooks and the rules of a list of changes).
The change takes effect on its 変更希望日 through the morning run (`apply`, in changes.py), once, under the lock of
its ContractChange row; a draft is edited through drafts.py."""

from django.db.models import Prefetch, Q

from naccs.accounts.models import Company
from naccs.pki.pickups import PICKUP_MONTHS
from naccs.terminals.models import LogicalTerminal, OfficeClosure

from .. import kinds
from ..lifecycle import TransitionRefused
from ..models import Application, ContractChange, ContractChangeLine, ReissueLine
from .changes import apply_details, apply_line
from .selectors import contract_details_of

Action = ContractChangeLine.Action


class ContractChangeKind(kinds.CarriedOutOnce):
    code = Application.Kind.CONTRACT_CHANGE
    title = "契約内容変更申込"
    noun = "利用申込（契約内容の変更）"  # the manual's
    steps = (
        kinds.Step("契約者情報入力", "契約者情報の入力", "applications:contract_change_details"),
        kinds.Step("事業所・論理端末入力", "事業所・論理端末の入力", "applications:contract_change_items"),
    )
    completed_label = "変更済"
    # Category 利用申込 (the default), in the manual's words for the decisions.
    news = kinds.news_texts(
        noun,
        {
            kinds.APPROVED: "利用申込の審査を終了しました。通知内容をご確認してください。",
            kinds.INFO_REQUESTED: f"利用申込内容に確認事項があります。{kinds.ASKED_TO_AMEND}",
            kinds.COMPLETED: "契約内容を変更しました。「契約内容の確認」で変更後の内容をご確認ください。",
        },
    )

    def start(self, application):
        ContractChange.objects.create(application=application)

    def is_complete(self, application):
        return application.desired_date is not None and (
            application.contract_change.changes_details or application.contract_change_lines.exists()
        )

    def check_submittable(self, application):
        """Under the 申込's lock: what it removes is still there and no other open 申込 names it; an office closed has
        no terminal left that this 申込 does not remove."""
        lines = list(application.contract_change_lines.select_related("office", "terminal"))
        # The terminals it removes are locked (as a reissue locks its own): two 申込 naming the same terminal cannot
        # both be registered.
        removed = [line.terminal_id for line in lines if line.action == Action.REMOVE_TERMINAL]
        list(LogicalTerminal.objects.select_for_update().filter(pk__in=removed).order_by("pk").values("pk"))
        check_lines(application.company, lines, exclude_application=application)

    row_model = ContractChange

    def apply(self, row, *, actor, now):
        """The whole change: the company's details, then each 事業所 and 論理端末 in the order they were entered."""
        application = row.application
        company = Company.objects.select_for_update().get(pk=application.company_id)
        changed = apply_details(company, row)
        lines = application.contract_change_lines.select_related("office", "terminal").order_by("pk")
        made = [apply_line(company, line, application=application, actor=actor, now=now) for line in lines]
        return {"details": changed, "lines": made}

    def with_details(self, applications):
        lines = ContractChangeLine.objects.select_related("office", "terminal__office").order_by("pk")
        return applications.select_related("contract_change", "company__contract_details").prefetch_related(
            Prefetch("contract_change_lines", queryset=lines)
        )

    def section_context(self, application):
        return {
            "change": application.contract_change,
            "change_lines": application.contract_change_lines.all(),
            "current_details": contract_details_of(application.company),
        }

    def summary(self, application):
        parts = ["契約者情報"] if application.contract_change.changes_details else []
        parts += [line.get_action_display() for line in application.contract_change_lines.all()]
        return "、".join(dict.fromkeys(parts))

    def list_prefetch(self):
        return ["contract_change", "contract_change_lines"]

    def mail_context(self, application):
        added = application.contract_change_lines.filter(action=Action.ADD_TERMINAL, terminal__isnull=False)
        terminals = [line.terminal for line in added.select_related("terminal")]
        return {"added_terminals": terminals, "months": PICKUP_MONTHS}


def check_lines(company, lines, *, exclude_application=None) -> None:
    """The rules a list of changes must meet, with the user's words for each one broken."""
    removed = {line.terminal_id for line in lines if line.action == Action.REMOVE_TERMINAL}
    for line in lines:
        if line.action == Action.REMOVE_TERMINAL:
            terminal = line.terminal
            if not terminal.is_active or terminal.company_id != company.pk:
                raise TransitionRefused(f"論理端末{terminal.name}は既に利用されていません。")
            others = Q(terminal=terminal) & ~Q(application=exclude_application)
            if (
                ReissueLine.objects.busy().filter(others).exists()
                or ContractChangeLine.objects.removing().filter(others).exists()
            ):
                raise TransitionRefused(
                    f"論理端末{terminal.name}は他の申込で申込中です。事業所・論理端末の入力に戻って選択し直してください。"
                )
        elif line.action == Action.CLOSE_OFFICE:
            if OfficeClosure.objects.filter(office=line.office).exists():
                raise TransitionRefused(f"事業所{line.office.name}は既に廃止されています。")
            staying = line.office.terminals.filter(is_active=True).exclude(pk__in=removed)
            if names := sorted(staying.values_list("name", flat=True)):
                raise TransitionRefused(
                    f"事業所{line.office.name}には利用中の論理端末（{'、'.join(names)}）があります。"
                    "廃止する事業所の論理端末は、同じ申込で削除してください。"
                )
        elif line.action == Action.ADD_OFFICE and company.offices.filter(name=line.office_name).exists():
            raise TransitionRefused(f"事業所{line.office_name}は既に登録されています。")
