from django.apps import AppConfig


class TerminalsConfig(AppConfig):
    name = "naccs.terminals"

    def ready(self):
        from . import signals  # noqa: F401
