"""Login and password-change forms with the portal's Japanese labels and messages."""

from django.contrib.auth import password_validation
from django.contrib.auth.forms import AuthenticationForm, PasswordChangeForm, SetPasswordForm
from django.core.validators import MaxLengthValidator


class LoginForm(AuthenticationForm):
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


class PortalPasswordChangeForm(PortalNewPasswordLabels, PasswordChangeForm):
    error_messages = {
        **PasswordChangeForm.error_messages,
        **PortalNewPasswordLabels.error_messages,
        "password_incorrect": "現在のパスワードが正しくありません。",
    }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["old_password"].label = "現在のパスワード"
        self.fields["old_password"].error_messages["required"] = "現在のパスワードを入力してください。"


class PortalSetPasswordForm(PortalNewPasswordLabels, SetPasswordForm):
    """A first password, set through the link a new 通関士 is mailed: the same rules as a change."""

    error_messages = {**SetPasswordForm.error_messages, **PortalNewPasswordLabels.error_messages}
