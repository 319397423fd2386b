"""The contract-change steps' forms: 契約者情報 with the 変更希望日, and the 事業所 and 論理端末 added or removed."""

from django import forms

from naccs.lib.forms import RowChoiceField
from naccs.terminals.models import LogicalTerminal

from ..desired_date import DesiredDateForm, desired_date_field
from ..fields import clean_phone, clean_plain_text, find_terminal
from ..models import ContractChange

DATE_LABEL = "変更希望日"
CHOOSE_DEVICE = "利用機器区分を選択してください。"
UNCHANGED_HINT = "変更する場合のみ入力してください（空欄の項目は変更しません）。"


class DetailsForm(DesiredDateForm):
    """変更希望日 and the company details as they are to be; a blank field stays as it is."""

    desired_date = desired_date_field(DATE_LABEL)
    company_name = forms.CharField(label="利用者名", required=False, help_text=UNCHANGED_HINT)
    address = forms.CharField(label="住所", required=False, help_text=UNCHANGED_HINT)
    representative = forms.CharField(label="代表者", required=False, help_text=UNCHANGED_HINT)
    phone = forms.CharField(label="連絡先電話番号", required=False, help_text="半角数字10桁または11桁　例）0301234567")

    def _text(self, name):
        max_length = ContractChange._meta.get_field(name).max_length
        return clean_plain_text(self.cleaned_data[name], label=self.fields[name].label, max_length=max_length)

    def clean_company_name(self):
        return self._text("company_name")

    def clean_address(self):
        return self._text("address")

    def clean_representative(self):
        return self._text("representative")

    def clean_phone(self):
        return clean_phone(self.cleaned_data["phone"], label="連絡先電話番号")


class OfficeChoiceField(RowChoiceField):
    default_error_messages = {"invalid_choice": "選択できない事業所です。画面を開き直してから選択してください。"}

    def label_from_instance(self, office):
        return office.name


class AddOfficeForm(forms.Form):
    office_name = forms.CharField(label="追加する事業所名", error_messages={"required": "事業所名を入力してください。"})

    def clean_office_name(self):
        return clean_plain_text(self.cleaned_data["office_name"], label="事業所名", max_length=100)


class CloseOfficeForm(forms.Form):
    office = OfficeChoiceField(
        label="廃止する事業所", queryset=None, empty_label="選択してください",
        error_messages={"required": "廃止する事業所を選択してください。"},
    )  # fmt: skip

    def __init__(self, *args, offices, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["office"].queryset = offices


class AddTerminalForm(forms.Form):
    category = forms.ChoiceField(
        label="区分", choices=LogicalTerminal.Category.choices, widget=forms.RadioSelect,
        error_messages={"required": "区分を選択してください。", "invalid_choice": "区分を選択してください。"},
    )  # fmt: skip
    device_type = forms.ChoiceField(
        label="利用機器区分", choices=LogicalTerminal.DeviceType.choices, widget=forms.RadioSelect,
        error_messages={"required": CHOOSE_DEVICE, "invalid_choice": CHOOSE_DEVICE},
    )  # fmt: skip
    terminal_office = OfficeChoiceField(
        label="設置する事業所", queryset=None, empty_label="選択してください",
        error_messages={"required": "設置する事業所を選択してください。"},
    )  # fmt: skip

    def __init__(self, *args, offices, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["terminal_office"].queryset = offices


class RemoveTerminalForm(forms.Form):
    terminal_name = forms.CharField(
        label="削除する論理端末名", help_text="半角英数字6桁　例）11110A",
        error_messages={"required": "削除する論理端末名を入力してください。"},
    )  # fmt: skip

    def __init__(self, *args, terminals, **kwargs):
        super().__init__(*args, **kwargs)
        self.terminals = terminals

    def clean_terminal_name(self):
        return find_terminal(self.cleaned_data["terminal_name"], self.terminals)
