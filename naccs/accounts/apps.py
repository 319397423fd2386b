from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "naccs.accounts"
    verbose_name = "利用者・ユーザー"

    def ready(self):
        from . import signals  # noqa: F401
