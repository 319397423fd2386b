"""The 通関士 step's forms: the 利用開始希望日 of the 申込, and one 通関士 at a time."""

import re

from django import forms

from naccs.lib.forms import RowChoiceField, required
from naccs.lib.text import digits_only

from ..applicant import check_email_confirmed, fullwidth_name, kana_name
from ..desired_date import DesiredDateForm, desired_date_field
from ..fields import clean_email
from .kind import duplicate_broker

START_DATE = "利用開始希望日"
NAME_MAX_LENGTH = 50


class StartDateForm(DesiredDateForm):
    """利用開始希望日: a business day, by the same rules as 再発行希望日. Required only to go on to the 確認画面."""

    desired_date = desired_date_field(START_DATE)


class OfficeChoiceField(RowChoiceField):
    default_error_messages = {"invalid_choice": "所属事業所を一覧から選択してください。"}

    def label_from_instance(self, office):
        return office.name


class BrokerForm(forms.Form):
    """One 通関士: 氏名 and フリガナ read as on the 申込担当者 step, 通関士登録番号, 所属事業所, E-mail twice."""

    last_name = forms.CharField(label="氏名（姓）", help_text="全角　例）通関", error_messages=required("氏名（姓）"))
    first_name = forms.CharField(label="氏名（名）", help_text="全角　例）一郎", error_messages=required("氏名（名）"))
    last_name_kana = forms.CharField(
        label="フリガナ（姓）", help_text="全角カナ　例）ツウカン", error_messages=required("フリガナ（姓）")
    )
    first_name_kana = forms.CharField(
        label="フリガナ（名）", help_text="全角カナ　例）イチロウ", error_messages=required("フリガナ（名）")
    )
    registration_number = forms.CharField(
        label="通関士登録番号", help_text="半角数字8桁以内　例）12345", error_messages=required("通関士登録番号")
    )
    office = OfficeChoiceField(
        label="所属事業所", queryset=None, empty_label="選択してください", error_messages=required("所属事業所")
    )
    email = forms.CharField(
        label="E-mailアドレス（登録用）",
        help_text="半角英数字　パスワード設定の案内をこのアドレスにお送りします。",
        error_messages=required("E-mailアドレス（登録用）"),
    )
    email_confirm = forms.CharField(
        label="E-mailアドレス（確認用）",
        help_text="確認のため、同じE-mailアドレスを入力してください。",
        error_messages=required("E-mailアドレス（確認用）"),
    )

    def __init__(self, *args, offices, application=None, **kwargs):
        """`offices`: the company's 事業所; `application`: the 申込 the 通関士 is added to (checked for the same
        person twice, kind.duplicate_broker)."""
        super().__init__(*args, **kwargs)
        self.fields["office"].queryset = offices
        self.application = application

    def clean_last_name(self):
        return fullwidth_name(self.cleaned_data["last_name"], "氏名（姓）", NAME_MAX_LENGTH)

    def clean_first_name(self):
        return fullwidth_name(self.cleaned_data["first_name"], "氏名（名）", NAME_MAX_LENGTH)

    def clean_last_name_kana(self):
        return kana_name(self.cleaned_data["last_name_kana"], "フリガナ（姓）", NAME_MAX_LENGTH)

    def clean_first_name_kana(self):
        return kana_name(self.cleaned_data["first_name_kana"], "フリガナ（名）", NAME_MAX_LENGTH)

    def clean_registration_number(self):
        value = digits_only(self.cleaned_data["registration_number"])
        if not re.fullmatch(r"\d{1,8}", value):
            raise forms.ValidationError("通関士登録番号は半角数字8桁以内で入力してください。")
        return value

    def clean_email(self):
        return clean_email(self.cleaned_data["email"], label="E-mailアドレス（登録用）")

    def clean_email_confirm(self):
        return clean_email(self.cleaned_data["email_confirm"], label="E-mailアドレス（確認用）")

    def clean(self):
        data = super().clean()
        check_email_confirmed(self, "email", "email_confirm")
        if self.application is not None:
            number, email = data.get("registration_number"), data.get("email")
            if found := duplicate_broker(self.application, registration_number=number, email=email):
                self.add_error(*found)
        return data

    def is_blank(self) -> bool:
        """Nothing typed into the form (the user goes on without adding one more 通関士)."""
        return not any((self.data.get(self.add_prefix(name)) or "").strip() for name in self.fields)
