from django.apps import AppConfig


class CenterConfig(AppConfig):
    name = "naccs.center"
    verbose_name = "センター業務"
