"""The 取得 forms: terminal name, 認証コード1–3 and the PKCS#12 password typed twice (the anonymous 取得 page), or the
password alone (the signed-in 取得 of 契約内容の確認, and 「更新する」 with the current certificate)."""

import unicodedata

from django import forms

from naccs.terminals.provisioning import typed_auth_code

MIN_PASSWORD_LENGTH = 8
MAX_PASSWORD_LENGTH = 128


def code_field(label, max_length, **kwargs):
    return forms.CharField(
        label=label,
        max_length=max_length,
        error_messages={
            "required": f"{label}を入力してください。",
            "max_length": f"{label}は{max_length}文字以内で入力してください。",
        },
        **kwargs,
    )


class PackagePasswordForm(forms.Form):
    """The PKCS#12 password typed twice: all that the signed-in 取得 and 「更新する」 ask."""

    password = forms.CharField(
        label="証明書ファイルのパスワード",
        help_text=f"取得するファイル(.p12)を開くときのパスワードです。{MIN_PASSWORD_LENGTH}文字以上、半角英数字記号",
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
        max_length=MAX_PASSWORD_LENGTH,
        error_messages={"required": "証明書ファイルのパスワードを入力してください。"},
    )
    password_confirm = forms.CharField(
        label="証明書ファイルのパスワード（確認用）",
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
        max_length=MAX_PASSWORD_LENGTH,
        error_messages={"required": "証明書ファイルのパスワード（確認用）を入力してください。"},
    )

    def clean_password(self):
        password = self.cleaned_data["password"]
        if not password.isascii() or not password.isprintable():
            raise forms.ValidationError("パスワードは半角英数字記号で入力してください。")
        if len(password) < MIN_PASSWORD_LENGTH:
            raise forms.ValidationError(f"パスワードは{MIN_PASSWORD_LENGTH}文字以上で入力してください。")
        return password

    def clean(self):
        data = super().clean()
        if data.get("password") and data.get("password_confirm") and data["password"] != data["password_confirm"]:
            self.add_error("password_confirm", "確認用のパスワードが一致しません。")
        return data


AUTH_CODE_HINT = "英字の大文字・小文字、全角・半角は区別しません。"


def typed_terminal_name(value: str) -> str:
    """A terminal's name as a person typed it (the 取得 page, or EST simpleenroll's Basic user): 全角 letters and
    digits typed by mistake are unambiguous; names are upper-case ASCII."""
    return unicodedata.normalize("NFKC", value).strip().upper()


class AcquireForm(PackagePasswordForm):
    """The anonymous 取得 page: the terminal is known by its name and 認証コード1–3."""

    terminal_name = code_field("論理端末名", 6, help_text="半角英数字6桁　例）11110A")
    auth_code1 = code_field("認証コード1", 16, help_text=AUTH_CODE_HINT)
    auth_code2 = code_field("認証コード2", 16, help_text=AUTH_CODE_HINT)
    auth_code3 = code_field("認証コード3", 16, help_text=AUTH_CODE_HINT)
    field_order = ["terminal_name", "auth_code1", "auth_code2", "auth_code3", "password", "password_confirm"]

    def clean_terminal_name(self):
        return typed_terminal_name(self.cleaned_data["terminal_name"])

    def clean_auth_code1(self):
        return typed_auth_code(self.cleaned_data["auth_code1"])

    def clean_auth_code2(self):
        return typed_auth_code(self.cleaned_data["auth_code2"])

    def clean_auth_code3(self):
        return typed_auth_code(self.cleaned_data["auth_code3"])
