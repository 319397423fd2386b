from django.apps import AppConfig


class PortalConfig(AppConfig):
    name = "naccs.portal"
    verbose_name = "ポータル・新着情報"
