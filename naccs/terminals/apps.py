from django.apps import AppConfig


class TerminalsConfig(AppConfig):
    name = "naccs.terminals"
    verbose_name = "論理端末・デジタル証明書"
