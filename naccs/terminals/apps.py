from django.apps import AppConfig


class TerminalsConfig(AppConfig):
    name = "naccs.terminals"
