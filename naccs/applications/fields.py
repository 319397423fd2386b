"""Field checks the kinds' forms share: phone numbers, mail addresses, free text and a terminal typed by name."""

import re
import unicodedata

from django import forms
from django.core.validators import validate_email

from naccs.lib.text import digits_only, has_control_characters


def clean_phone(text: str, *, label: str) -> str:
    """A phone or FAX number of 10 or 11 digits, typed with or without hyphens, in either width."""
    value = digits_only(text)
    if value and not re.fullmatch(r"\d{10,11}", value):
        raise forms.ValidationError(f"{label}は10桁または11桁の数字で入力してください。（ハイフンは不要です）")
    return value


def clean_email(text: str, *, label: str) -> str:
    """A mail address, in half width whatever width it was typed in."""
    value = unicodedata.normalize("NFKC", text).strip()
    try:
        validate_email(value)
    except forms.ValidationError:
        raise forms.ValidationError(f"{label}の形式が正しくありません。（例）taro.tsukan@naccs.jp") from None
    if len(value) > 254:
        raise forms.ValidationError(f"{label}は254文字以内で入力してください。")
    return value


def clean_plain_text(text: str, *, label: str, max_length: int) -> str:
    """A free text field (名称, 住所 …): trimmed, without control characters, at most `max_length` characters."""
    value = text.strip()
    if has_control_characters(value) or "\ufffd" in value:
        raise forms.ValidationError(f"{label}に使用できない文字が含まれています。")
    if len(value) > max_length:
        raise forms.ValidationError(f"{label}は{max_length}文字以内で入力してください。")
    return value


def find_terminal(text: str, terminals):
    """The terminal among `terminals` whose 論理端末名 was typed (in either width, any case)."""
    typed = unicodedata.normalize("NFKC", text)
    name = clean_plain_text(typed, label="論理端末名", max_length=20).upper()
    terminal = terminals.filter(name=name).first()
    if terminal is None:
        raise forms.ValidationError(f"論理端末{name}は利用中の論理端末にありません。")
    return terminal
