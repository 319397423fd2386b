from django.apps import AppConfig


class MailerConfig(AppConfig):
    name = "naccs.mailer"
    verbose_name = "メール送信"
