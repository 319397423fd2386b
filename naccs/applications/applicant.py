"""申込担当者 (manual ③), the same step in every kind of 申込: its form, its fields on Application, what it is
prefilled with and when it is complete. The one home of the applicant fields."""

from django import forms

from naccs.lib.forms import required
from naccs.lib.text import has_control_characters, is_fullwidth, is_katakana, to_fullwidth, to_kana

from .fields import clean_email, clean_phone
from .models import Application


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
        return fullwidth_name(self.cleaned_data[name], self.fields[name].label, self.MAX_LENGTHS[name])

    def _kana(self, name: str) -> str:
        return kana_name(self.cleaned_data[name], self.fields[name].label, self.MAX_LENGTHS[name])

    def _phone(self, name: str) -> str:
        return clean_phone(self.cleaned_data[name], label=self.fields[name].label)

    def _email(self, name: str) -> str:
        return clean_email(self.cleaned_data[name], label=self.fields[name].label)

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
        check_email_confirmed(self, "email", "email_confirm")
        return data


# How a person's name, フリガナ and E-mail address are read wherever they are typed (申込担当者, 通関士IDの追加).


def fullwidth_name(value: str, label: str, max_length: int) -> str:
    value = to_fullwidth(value.strip())
    if not value:
        return value
    if has_control_characters(value) or not is_fullwidth(value):
        raise forms.ValidationError(f"{label}は全角で入力してください。")
    if len(value) > max_length:
        raise forms.ValidationError(f"{label}は{max_length}文字以内で入力してください。")
    return value


def kana_name(value: str, label: str, max_length: int) -> str:
    value = to_kana(value).replace(" ", "　")
    if not is_katakana(value):
        raise forms.ValidationError(f"{label}は全角カナで入力してください。")
    if len(value) > max_length:
        raise forms.ValidationError(f"{label}は{max_length}文字以内で入力してください。")
    return value


def check_email_confirmed(form: forms.Form, name: str, confirm_name: str) -> None:
    """The E-mail address typed twice must be the same (in any letter case)."""
    data = form.cleaned_data
    if data.get(name) and data.get(confirm_name) and data[name].lower() != data[confirm_name].lower():
        form.add_error(confirm_name, "確認用のE-mailアドレスが登録用と一致しません。")


# The applicant fields, named as on the form and on the user's profile; Application stores each as applicant_<name>.
APPLICANT_FIELDS = [name for name in ApplicantForm.base_fields if name != "email_confirm"]
REQUIRED_APPLICANT_FIELDS = [name for name in APPLICANT_FIELDS if ApplicantForm.base_fields[name].required]


def applicant_of(application: Application) -> dict:
    return {name: getattr(application, f"applicant_{name}") for name in APPLICANT_FIELDS}


def applicant_defaults(user) -> dict:
    """Prefill 申込担当者 from the user's last registered 申込 of any kind, else from the user's profile."""
    last = (
        Application.objects.filter(created_by=user, submitted_at__isnull=False)
        .order_by("-submitted_at")
        .only(*(f"applicant_{name}" for name in APPLICANT_FIELDS))
        .first()
    )
    if last is not None:
        return applicant_of(last)
    return {name: getattr(user, name) or "" for name in APPLICANT_FIELDS}


def set_applicant(application: Application, data: dict) -> None:
    for name in APPLICANT_FIELDS:
        setattr(application, f"applicant_{name}", data.get(name) or "")


def applicant_is_complete(application: Application) -> bool:
    return all(getattr(application, f"applicant_{name}") for name in REQUIRED_APPLICANT_FIELDS)
