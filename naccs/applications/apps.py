from django.apps import AppConfig


class ApplicationsConfig(AppConfig):
    name = "naccs.applications"
    verbose_name = "申込"
