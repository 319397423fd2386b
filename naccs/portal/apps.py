from django.apps import AppConfig


class PortalConfig(AppConfig):
    name = "naccs.portal"

    def ready(self):
        from naccs.lib import csrf

        from . import signals  # noqa: F401

        csrf.install()
