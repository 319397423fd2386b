"""Forms of the center's billing pages: the month to close and the bank CSV to import."""

import re
from datetime import date

from django import forms

from naccs.lib.periods import today

from .months import has_ended, not_ended_message

MAX_CSV_BYTES = 5 * 1024 * 1024


class CloseForm(forms.Form):
    month = forms.CharField(label="請求月", max_length=7, help_text="例: 2026-11（半角、YYYY-MM）")

    def clean_month(self) -> date:
        text = self.cleaned_data["month"].strip().replace("/", "-")
        match = re.fullmatch(r"(\d{4})-(\d{1,2})", text)
        if not match or not 1 <= int(match[2]) <= 12 or int(match[1]) < 2000:
            raise forms.ValidationError("請求月はYYYY-MMの形式で入力してください（例: 2026-11）。")
        month = date(int(match[1]), int(match[2]), 1)
        if not has_ended(month, today=today()):
            raise forms.ValidationError(not_ended_message(month))
        return month


class BankCsvForm(forms.Form):
    file = forms.FileField(label="銀行入金CSV", help_text="見出し行「請求番号,入金日,入金額」、UTF-8またはShift_JIS")

    def clean_file(self) -> bytes:
        upload = self.cleaned_data["file"]
        if upload.size > MAX_CSV_BYTES:
            raise forms.ValidationError("ファイルが大きすぎます（5MBまで）。")
        return upload.read()
