from django.apps import AppConfig


class AuditConfig(AppConfig):
    name = "naccs.audit"
    verbose_name = "監査ログ"
