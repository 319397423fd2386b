"""Login and password-change forms with the portal's Japanese labels and messages."""

import re

from django import forms
from django.contrib.auth import password_validation
from django.contrib.auth.forms import AuthenticationForm, PasswordChangeForm, SetPasswordForm
from django.core.validators import MaxLengthValidator

from . import guard


class GuardedPasswordCheck:
    """A form whose password check goes through naccs.accounts.guard; `refused_status` is set when it refused."""

    refused_status = None

    def guarded_check(self, request, username, password):
        try:
            return guard.check_password(request, username, password)
        except guard.PasswordCheckRefused as refused:
            self.refused_status = refused.status
            raise forms.ValidationError(str(refused), code="refused") from None


class LoginForm(GuardedPasswordCheck, AuthenticationForm):
    # One message for every failure, so that it never tells whether the ID or the password was wrong.
    error_messages = {
        "invalid_login": "利用者IDまたはパスワードが正しくありません。入力内容をご確認ください。",
        "inactive": "利用者IDまたはパスワードが正しくありません。入力内容をご確認ください。",
    }

    def __init__(self, request=None, *args, **kwargs):
        super().__init__(request, *args, **kwargs)
        self.fields["username"].label = "利用者ID"
        # Django sets max_length here without a validator; an over-long ID would reach django-axes' log table.
        self.fields["username"].validators.append(MaxLengthValidator(150, "利用者IDは150文字以内で入力してください。"))
        self.fields["username"].error_messages["required"] = "利用者IDを入力してください。"
        self.fields["password"].label = "パスワード"
        self.fields["password"].error_messages["required"] = "パスワードを入力してください。"
        self.fields["username"].widget.attrs.update({"autocomplete": "username", "autofocus": True})

    def clean(self):
        # Django's AuthenticationForm.clean, with the guarded check in place of authenticate().
        username = self.cleaned_data.get("username")
        password = self.cleaned_data.get("password")
        if username is not None and password:
            self.user_cache = self.guarded_check(self.request, username, password)
            if self.user_cache is None:
                raise self.get_invalid_login_error()
            self.confirm_login_allowed(self.user_cache)
        return self.cleaned_data


class PortalNewPasswordLabels:
    """The new-password fields in the portal's words, for both forms that set one."""

    error_messages = {"password_mismatch": "新しいパスワードと確認用のパスワードが一致しません。"}
    LABELS = {"new_password1": "新しいパスワード", "new_password2": "新しいパスワード(確認用)"}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for name, label in self.LABELS.items():
            self.fields[name].label = label
            self.fields[name].error_messages["required"] = f"{label}を入力してください。"
        # Django gives these rules as an HTML list; the page shows help texts as text.
        self.fields["new_password1"].help_text = " ".join(password_validation.password_validators_help_texts())

    def validate_password_for_user(self, user, *args, **kwargs):
        """The password rules' messages go beside 新しいパスワード, the field they are about (Django puts them under
        the confirmation)."""
        super().validate_password_for_user(user, "new_password1")


class PortalPasswordChangeForm(GuardedPasswordCheck, PortalNewPasswordLabels, PasswordChangeForm):
    """A wrong current password counts like a failed login and locks the same way (django-axes, the limits)."""

    error_messages = {
        **PasswordChangeForm.error_messages,
        **PortalNewPasswordLabels.error_messages,
        "password_incorrect": "現在のパスワードが正しくありません。",
    }

    def __init__(self, *args, request=None, **kwargs):
        self.request = request
        super().__init__(*args, **kwargs)
        self.fields["old_password"].label = "現在のパスワード"
        self.fields["old_password"].error_messages["required"] = "現在のパスワードを入力してください。"

    def clean_old_password(self):
        old_password = self.cleaned_data["old_password"]
        checked = self.guarded_check(self.request, self.user.get_username(), old_password)
        if checked is None or checked.pk != self.user.pk:
            raise forms.ValidationError(self.error_messages["password_incorrect"], code="password_incorrect")
        return old_password


class PortalSetPasswordForm(PortalNewPasswordLabels, SetPasswordForm):
    """A first password, set through the link a new 通関士 is mailed: the same rules as a change."""

    error_messages = {**SetPasswordForm.error_messages, **PortalNewPasswordLabels.error_messages}


class SetPasswordCodeForm(forms.Form):
    """The part of a set-password link after "#": `<uidb64>/<token>`, posted by the landing page's script (or pasted
    by hand where scripts do not run)."""

    code = forms.CharField(
        label="設定コード",
        max_length=200,
        error_messages={"required": "設定コードを入力してください。"},
        help_text="メールに記載のURLの「#」より後ろの部分を貼り付けてください。",
    )

    def clean_code(self):
        uidb64, slash, token = self.cleaned_data["code"].strip().removeprefix("#").partition("/")
        token = token.removesuffix("/")
        if (
            not slash
            or not re.fullmatch(r"[0-9A-Za-z_-]{1,20}", uidb64)
            or not re.fullmatch(r"[0-9A-Za-z-]{1,100}", token)
        ):
            raise forms.ValidationError(
                "設定コードが正しくありません。メールに記載のURLの「#」より後ろをそのまま貼り付けてください。"
            )
        return uidb64, token
