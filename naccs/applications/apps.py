from django.apps import AppConfig


class ApplicationsConfig(AppConfig):
    name = "naccs.applications"

    def ready(self):
        from . import signals  # noqa: F401
