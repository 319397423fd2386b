"""The system-settings steps' forms: the 設定希望日 with the 通知先E-mailアドレス, and one terminal's settings."""

from django import forms

from naccs.lib.forms import RowMultipleChoiceField
from naccs.terminals.models import SettingItem

from ..desired_date import DesiredDateForm, desired_date_field
from ..fields import clean_email, find_terminal
from .kind import MAX_NOTIFICATION_ADDRESSES

DATE_LABEL = "設定希望日"


class DetailsForm(DesiredDateForm):
    desired_date = desired_date_field(DATE_LABEL)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for number in range(1, MAX_NOTIFICATION_ADDRESSES + 1):
            self.fields[f"address{number}"] = forms.CharField(
                label=f"通知先E-mailアドレス{number}",
                required=False,
                help_text="半角英数字　例）notice@naccs.jp　※変更する場合のみ入力してください。",
            )

    def clean(self):
        data = super().clean()
        addresses = []
        for number in range(1, MAX_NOTIFICATION_ADDRESSES + 1):
            name = f"address{number}"
            if not (typed := data.get(name, "").strip()):
                continue
            try:
                address = clean_email(typed, label=self.fields[name].label)
            except forms.ValidationError as error:
                self.add_error(name, error)
                continue
            if address.lower() in (known.lower() for known in addresses):
                self.add_error(name, f"{self.fields[name].label}は他の通知先と同じです。")
            addresses.append(address)
        data["addresses"] = addresses
        return data


class ItemChoiceField(RowMultipleChoiceField):
    default_error_messages = {
        "invalid_choice": "選択できない業務が含まれています。画面を開き直してから選択してください。",
        "invalid_pk_value": "選択できない業務が含まれています。画面を開き直してから選択してください。",
    }

    def label_from_instance(self, item):
        return item.name


class TerminalSettingsForm(forms.Form):
    """One terminal's settings: the 業務 groups it may use and, per kind of 出力情報, a mail address for 電子メールに
    よる配信 (blank: output to the terminal)."""

    terminal_name = forms.CharField(
        label="論理端末名", help_text="半角英数字6桁　例）11110A",
        error_messages={"required": "論理端末名を入力してください。"},
    )  # fmt: skip
    business_groups = ItemChoiceField(
        label="利用する業務", queryset=None, widget=forms.CheckboxSelectMultiple,
        error_messages={"required": "利用する業務を1つ以上選択してください。"},
    )  # fmt: skip

    def __init__(self, *args, terminals, **kwargs):
        super().__init__(*args, **kwargs)
        self.terminals = terminals
        offered = SettingItem.objects.offered()
        self.fields["business_groups"].queryset = offered.filter(kind=SettingItem.Kind.BUSINESS_GROUP)
        self.outputs = list(offered.filter(kind=SettingItem.Kind.OUTPUT))
        for item in self.outputs:
            self.fields[f"output_{item.pk}"] = forms.CharField(
                label=f"{item.name}の電子メールによる配信先",
                required=False,
                help_text="空欄の場合は論理端末に出力します。",
            )

    def clean_terminal_name(self):
        return find_terminal(self.cleaned_data["terminal_name"], self.terminals)

    def clean(self):
        data = super().clean()
        data["mail_outputs"] = {}
        for item in self.outputs:
            name = f"output_{item.pk}"
            if typed := data.get(name, "").strip():
                try:
                    data["mail_outputs"][item] = clean_email(typed, label=self.fields[name].label)
                except forms.ValidationError as error:
                    self.add_error(name, error)
        return data

    def output_fields(self):
        return [self[f"output_{item.pk}"] for item in self.outputs]
