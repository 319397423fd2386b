from django.apps import AppConfig


class AuditConfig(AppConfig):
    name = "naccs.audit"
