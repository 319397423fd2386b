"""The wizard's input forms: normalise what is unambiguous, then refuse what is wrong with a precise message."""

import re
import unicodedata
from datetime import date

import jpholiday
from django import forms
from django.core.validators import validate_email

from naccs.lib import business_days
from naccs.lib.text import digits_only, has_control_characters, is_fullwidth, is_katakana, to_fullwidth, to_kana

from .models import ReissueApplication


def required(label: str) -> dict:
    return {"required": f"{label}を入力してください。"}


class ApplicantForm(forms.Form):
    """申込担当者 (manual ③)."""

    last_name = forms.CharField(label="氏名（姓）", help_text="全角　例）通関", error_messages=required("氏名（姓）"))
    first_name = forms.CharField(label="氏名（名）", help_text="全角　例）太郎", error_messages=required("氏名（名）"))
    last_name_kana = forms.CharField(
        label="フリガナ（姓）", help_text="全角カナ　例）ツウカン", error_messages=required("フリガナ（姓）")
    )
    first_name_kana = forms.CharField(
        label="フリガナ（名）", help_text="全角カナ　例）タロウ", error_messages=required("フリガナ（名）")
    )
    department = forms.CharField(
        label="所属部課名", help_text="全角　例）第一営業部営業第3課", error_messages=required("所属部課名")
    )
    job_title = forms.CharField(label="役職名", help_text="全角　例）課長", required=False)
    phone = forms.CharField(
        label="電話番号", help_text="半角数字10桁または11桁　例）0301234567", error_messages=required("電話番号")
    )
    fax = forms.CharField(label="FAX番号", help_text="半角数字10桁または11桁　例）0398765432", required=False)
    email = forms.CharField(
        label="E-mailアドレス（登録用）",
        help_text="半角英数字　例）taro.tsukan@naccs.jp",
        error_messages=required("E-mailアドレス（登録用）"),
    )
    email_confirm = forms.CharField(
        label="E-mailアドレス（確認用）",
        help_text="確認のため、同じE-mailアドレスを入力してください。",
        error_messages=required("E-mailアドレス（確認用）"),
    )

    MAX_LENGTHS = {
        "last_name": 50,
        "first_name": 50,
        "last_name_kana": 50,
        "first_name_kana": 50,
        "department": 100,
        "job_title": 50,
    }

    def _fullwidth(self, name: str) -> str:
        label = self.fields[name].label
        value = to_fullwidth(self.cleaned_data[name].strip())
        if not value:
            return value
        if has_control_characters(value) or not is_fullwidth(value):
            raise forms.ValidationError(f"{label}は全角で入力してください。")
        if len(value) > self.MAX_LENGTHS[name]:
            raise forms.ValidationError(f"{label}は{self.MAX_LENGTHS[name]}文字以内で入力してください。")
        return value

    def _kana(self, name: str) -> str:
        label = self.fields[name].label
        value = to_kana(self.cleaned_data[name]).replace(" ", "　")
        if not is_katakana(value):
            raise forms.ValidationError(f"{label}は全角カナで入力してください。")
        if len(value) > self.MAX_LENGTHS[name]:
            raise forms.ValidationError(f"{label}は{self.MAX_LENGTHS[name]}文字以内で入力してください。")
        return value

    def _phone(self, name: str) -> str:
        label = self.fields[name].label
        value = digits_only(self.cleaned_data[name])
        if value and not re.fullmatch(r"\d{10,11}", value):
            raise forms.ValidationError(f"{label}は10桁または11桁の数字で入力してください。（ハイフンは不要です）")
        return value

    def _email(self, name: str) -> str:
        value = unicodedata.normalize("NFKC", self.cleaned_data[name]).strip()
        try:
            validate_email(value)
        except forms.ValidationError:
            raise forms.ValidationError(
                f"{self.fields[name].label}の形式が正しくありません。（例）taro.tsukan@naccs.jp"
            ) from None
        if len(value) > 254:
            raise forms.ValidationError(f"{self.fields[name].label}は254文字以内で入力してください。")
        return value

    def clean_last_name(self):
        return self._fullwidth("last_name")

    def clean_first_name(self):
        return self._fullwidth("first_name")

    def clean_department(self):
        return self._fullwidth("department")

    def clean_job_title(self):
        return self._fullwidth("job_title")

    def clean_last_name_kana(self):
        return self._kana("last_name_kana")

    def clean_first_name_kana(self):
        return self._kana("first_name_kana")

    def clean_phone(self):
        return self._phone("phone")

    def clean_fax(self):
        return self._phone("fax")

    def clean_email(self):
        return self._email("email")

    def clean_email_confirm(self):
        return self._email("email_confirm")

    def clean(self):
        data = super().clean()
        if data.get("email") and data.get("email_confirm") and data["email"].lower() != data["email_confirm"].lower():
            self.add_error("email_confirm", "確認用のE-mailアドレスが登録用と一致しません。")
        return data


def parse_desired_date(text: str) -> date:
    """YYYYMMDD as the manual asks; 2026/12/01 and 2026-12-01 (a date picker) are the same date."""
    value = re.sub(r"[/\-.\s]", "", unicodedata.normalize("NFKC", text))
    if not re.fullmatch(r"\d{8}", value):
        raise forms.ValidationError("再発行希望日はYYYYMMDDの形式（半角数字8桁）で入力してください。（例）20261201")
    try:
        return date(int(value[:4]), int(value[4:6]), int(value[6:]))
    except ValueError:
        raise forms.ValidationError("再発行希望日に存在しない日付が入力されています。") from None


def check_desired_date(day: date, *, now=None) -> None:
    """The rules of manual ④ for 再発行希望日, one message each."""
    if day.weekday() >= 5:
        raise forms.ValidationError("再発行希望日に土曜日・日曜日は指定できません。")
    if holiday := jpholiday.is_holiday_name(day):
        raise forms.ValidationError(f"再発行希望日に祝日（{holiday}）は指定できません。")
    if business_days.is_closure_day(day):
        raise forms.ValidationError("再発行希望日にセンター休業日（年末年始）は指定できません。")
    earliest = business_days.earliest_desired_date(now)
    if day < earliest:
        raise forms.ValidationError(f"再発行希望日は翌営業日（{earliest:%Y/%m/%d}）以降の日付を入力してください。")
    latest = business_days.latest_desired_date(now)
    if day > latest:
        raise forms.ValidationError(f"再発行希望日は{latest:%Y/%m/%d}までの日付を入力してください。")


class TerminalChoiceField(forms.ModelMultipleChoiceField):
    default_error_messages = {
        "invalid_choice": "選択できない論理端末が含まれています。画面を開き直してから選択してください。",
        "invalid_pk_value": "選択できない論理端末が含まれています。画面を開き直してから選択してください。",
    }

    def label_from_instance(self, terminal):
        return terminal.name

    def _check_values(self, value):
        # An id beyond a 64-bit integer would crash the database driver instead of being "not a choice".
        if any(not re.fullmatch(r"\d{1,18}", str(pk)) for pk in value):
            raise forms.ValidationError(self.error_messages["invalid_choice"], code="invalid_choice")
        return super()._check_values(value)


class TerminalsForm(forms.Form):
    """再発行希望日, 再発行理由 and the terminals (manual ④)."""

    desired_date = forms.CharField(
        label="再発行希望日",
        help_text="半角数字8桁　例）20261201　※翌営業日以降の営業日（土・日・祝日・年末年始を除く）",
        error_messages=required("再発行希望日"),
    )
    reason = forms.ChoiceField(
        label="再発行理由",
        choices=ReissueApplication.Reason.choices,
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

    def __init__(self, *args, choosable=None, listed=None, proceeding=True, now=None, **kwargs):
        """`proceeding`: to the 確認画面, where every field is required; otherwise only to another page of the list,
        where what is filled in is checked and saved and what is empty keeps its saved value."""
        super().__init__(*args, **kwargs)
        self.now = now
        self.fields["terminals"].queryset = choosable
        self.fields["shown"].queryset = listed
        self.fields["desired_date"].required = proceeding
        self.fields["reason"].required = proceeding

    def clean_desired_date(self):
        if not self.cleaned_data["desired_date"]:
            return None
        day = parse_desired_date(self.cleaned_data["desired_date"])
        check_desired_date(day, now=self.now)
        return day

    def clean_reason_text(self):
        value = self.cleaned_data["reason_text"].strip()
        if has_control_characters(value):
            raise forms.ValidationError("その他の理由に使用できない文字が含まれています。")
        if len(value) > 100:
            raise forms.ValidationError("その他の理由は100文字以内で入力してください。")
        return value

    def clean(self):
        data = super().clean()
        if data.get("reason") == ReissueApplication.Reason.OTHER and not data.get("reason_text"):
            if "reason_text" not in self.errors:
                self.add_error("reason_text", "その他の理由を入力してください。")
        elif data.get("reason") and data.get("reason") != ReissueApplication.Reason.OTHER:
            data["reason_text"] = ""
        return data
