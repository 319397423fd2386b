"""希望日 of every kind of 申込 (再発行希望日, 変更希望日, 設定希望日): how it is typed and which days may be asked for
(manual ④: 翌営業日以降の営業日). Each message names the field as the kind calls it."""

import re
import unicodedata
from datetime import date

from django import forms

from naccs.lib import business_days


def parse_desired_date(text: str, *, label: str) -> date:
    """YYYYMMDD as the manual asks; 2026/12/01 and 2026-12-01 (a date picker) are the same date."""
    value = re.sub(r"[/\-.\s]", "", unicodedata.normalize("NFKC", text))
    if not re.fullmatch(r"\d{8}", value):
        raise forms.ValidationError(f"{label}はYYYYMMDDの形式（半角数字8桁）で入力してください。（例）20261201")
    try:
        return date(int(value[:4]), int(value[4:6]), int(value[6:]))
    except ValueError:
        raise forms.ValidationError(f"{label}に存在しない日付が入力されています。") from None


def check_desired_date(day: date, *, label: str, now=None) -> None:
    """One message per rule. The range first: a date far ahead is refused without asking the holiday calendar."""
    earliest = business_days.earliest_desired_date(now)
    if day < earliest:
        raise forms.ValidationError(f"{label}は翌営業日（{earliest:%Y/%m/%d}）以降の日付を入力してください。")
    latest = business_days.latest_desired_date(now)
    if day > latest:
        raise forms.ValidationError(f"{label}は{latest:%Y/%m/%d}までの日付を入力してください。")
    if closed := business_days.why_closed(day):
        raise forms.ValidationError(f"{label}に{closed}は指定できません。")


def clean_desired_date(text: str, *, label: str, now=None) -> date | None:
    """A form's 希望日: None when left empty, else a day that may be asked for (ValidationError otherwise)."""
    if not text:
        return None
    day = parse_desired_date(text, label=label)
    check_desired_date(day, label=label, now=now)
    return day


def desired_date_field(label: str, *, required: bool = True) -> forms.CharField:
    return forms.CharField(
        label=label,
        help_text="半角数字8桁　例）20261201　※翌営業日以降の営業日（土・日・祝日・年末年始を除く）",
        required=required,
        error_messages={"required": f"{label}を入力してください。"},
    )


def as_typed(day: date | None) -> str:
    """A saved 希望日 as the field shows it again."""
    return day.strftime("%Y%m%d") if day else ""


class DesiredDateForm(forms.Form):
    """A step's form that holds the 申込's 希望日: a subclass declares `desired_date = desired_date_field(label)` with
    the kind's own label. `proceeding`: to the 確認画面, where the 希望日 is required; otherwise (another page of the
    step) an empty one keeps its saved value. `now`: the moment the rules are checked at (tests)."""

    def __init__(self, *args, proceeding: bool = True, now=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.now = now
        self.fields["desired_date"].required = proceeding

    def clean_desired_date(self):
        field = self.fields["desired_date"]
        return clean_desired_date(self.cleaned_data["desired_date"], label=field.label, now=self.now)
