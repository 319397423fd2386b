from django.apps import AppConfig


class DemoConfig(AppConfig):
    name = "naccs.demo"
    verbose_name = "デモデータ"
