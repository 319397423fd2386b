from django.apps import AppConfig


class PortalConfig(AppConfig):
    name = "naccs.portal"

    def ready(self):
        from . import signals  # noqa: F401
