"""What the portal's forms share."""

from django import forms

from .ids import parse_id


def required(label: str) -> dict:
    """error_messages for a required field, in the portal's words: 「氏名（姓）を入力してください。」"""
    return {"required": f"{label}を入力してください。"}


class RowChoiceField(forms.ModelChoiceField):
    """One row chosen by its id: a value that cannot be an id (parse_id) is 「not a choice」, never a query."""

    def to_python(self, value):
        if value not in self.empty_values and not isinstance(value, self.queryset.model) and parse_id(value) is None:
            raise forms.ValidationError(self.error_messages["invalid_choice"], code="invalid_choice")
        return super().to_python(value)


class RowMultipleChoiceField(forms.ModelMultipleChoiceField):
    """Rows chosen by their ids, each read as RowChoiceField reads one."""

    def clean(self, value):
        if isinstance(value, (list, tuple)) and any(
            not isinstance(pk, self.queryset.model) and parse_id(pk) is None for pk in value
        ):
            raise forms.ValidationError(self.error_messages["invalid_choice"], code="invalid_choice")
        return super().clean(value)
