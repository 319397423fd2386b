from django.apps import AppConfig


class PkiConfig(AppConfig):
    name = "naccs.pki"

    def ready(self):
        from naccs.pki import checks  # noqa: F401 (registers the system checks)
