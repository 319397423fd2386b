"""The 論理端末 step's form (manual ④): 再発行希望日, 再発行理由 and the terminals."""

from django import forms

from naccs.lib.forms import RowMultipleChoiceField
from naccs.lib.text import has_control_characters

from ..desired_date import DesiredDateForm, desired_date_field
from ..models import Reissue
from .kind import expired_refusal, still_valid


class TerminalChoiceField(RowMultipleChoiceField):
    default_error_messages = {
        "invalid_choice": "選択できない論理端末が含まれています。画面を開き直してから選択してください。",
        "invalid_pk_value": "選択できない論理端末が含まれています。画面を開き直してから選択してください。",
    }

    def label_from_instance(self, terminal):
        return terminal.name


class TerminalsForm(DesiredDateForm):
    """再発行希望日, 再発行理由 and the terminals (manual ④)."""

    desired_date = desired_date_field("再発行希望日")
    reason = forms.ChoiceField(
        label="再発行理由",
        choices=Reissue.Reason.choices,
        widget=forms.RadioSelect,
        error_messages={
            "required": "再発行理由を選択してください。",
            "invalid_choice": "再発行理由を選択してください。",
        },
    )
    reason_text = forms.CharField(label="その他の理由", help_text="100文字以内", required=False)
    terminals = TerminalChoiceField(
        label="再発行を希望する論理端末",
        queryset=None,
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    # The terminals of the page the user saw: an unticked one among them is taken out of the choice.
    shown = TerminalChoiceField(
        label="表示中の論理端末", queryset=None, required=False, widget=forms.MultipleHiddenInput
    )

    NONE_CHOSEN = "再発行を希望する論理端末を1つ以上選択してください。"

    def __init__(
        self, *args, choosable=None, listed=None, proceeding=True, chosen_elsewhere=None, now=None, **kwargs,
    ):  # fmt: skip
        """`proceeding`: to the 確認画面, where every field is required; otherwise only to another page of the list,
        where what is filled in is checked and saved and what is empty keeps its saved value.
        `chosen_elsewhere(shown)`: the ids of the terminals the draft names outside the page shown."""
        super().__init__(*args, proceeding=proceeding, now=now, **kwargs)
        self.proceeding = proceeding
        self.chosen_elsewhere = chosen_elsewhere or (lambda shown: set())
        self.fields["terminals"].queryset = choosable
        self.fields["shown"].queryset = listed
        self.fields["reason"].required = proceeding

    def clean_reason_text(self):
        value = self.cleaned_data["reason_text"].strip()
        if has_control_characters(value):
            raise forms.ValidationError("その他の理由に使用できない文字が含まれています。")
        if len(value) > 100:
            raise forms.ValidationError("その他の理由は100文字以内で入力してください。")
        return value

    def clean(self):
        data = super().clean()
        if self.proceeding and "terminals" not in self.errors and "shown" not in self.errors:
            # Said with the other errors of the page, not after they are mended: what the draft would name.
            named = {terminal.pk for terminal in data.get("terminals") or []}
            named |= self.chosen_elsewhere(data.get("shown") or [])
            if not named:
                self.add_error("terminals", self.NONE_CHOSEN)
            elif data.get("reason") == Reissue.Reason.EXPIRED and (valid := still_valid(named)):
                self.add_error("reason", expired_refusal(valid))
        if data.get("reason") == Reissue.Reason.OTHER and not data.get("reason_text"):
            if "reason_text" not in self.errors:
                self.add_error("reason_text", "その他の理由を入力してください。")
        elif data.get("reason") and data.get("reason") != Reissue.Reason.OTHER:
            data["reason_text"] = ""
        return data
