"""A 契約内容の変更 draft edited: the 契約者情報 step and the lines of the 事業所・論理端末 step, each saved into the
locked draft through the lifecycle (steps.save)."""

from naccs.accounts.models import Office

from ..lifecycle import TransitionRefused
from ..models import ContractChange, ContractChangeLine

Action = ContractChangeLine.Action

# Enough for a company's reorganisation; a page of changes stays one page.
MAX_LINES = 100


def set_details(application, data: dict) -> None:
    """Save the 契約者情報 step into a locked draft."""
    application.desired_date = data["desired_date"]
    ContractChange.objects.filter(application=application).update(
        **{name: data[name] for name in ContractChange.DETAIL_FIELDS}
    )


def add_line(application, *, action: str, **fields) -> None:
    """One more 事業所 or 論理端末 into a locked draft; naming the same one twice is refused."""
    lines = application.contract_change_lines
    if lines.count() >= MAX_LINES:
        raise TransitionRefused(f"1つの申込で変更できるのは{MAX_LINES}件までです。")
    if action == Action.ADD_OFFICE:
        name = fields["office_name"]
        if Office.objects.filter(company=application.company, name=name).exists():
            raise TransitionRefused(f"事業所{name}は既に登録されています。")
        if lines.filter(action=action, office_name=name).exists():
            raise TransitionRefused(f"事業所{name}は既に追加しています。")
    elif action == Action.CLOSE_OFFICE and lines.filter(action=action, office=fields["office"]).exists():
        raise TransitionRefused(f"事業所{fields['office'].name}は既に廃止する事業所にしています。")
    elif action == Action.REMOVE_TERMINAL and lines.filter(action=action, terminal=fields["terminal"]).exists():
        raise TransitionRefused(f"論理端末{fields['terminal'].name}は既に削除する論理端末にしています。")
    ContractChangeLine.objects.create(application=application, action=action, **fields)


def remove_line(application, line_id: int) -> None:
    application.contract_change_lines.filter(pk=line_id).delete()
