from django.apps import AppConfig


class ContractConfig(AppConfig):
    name = "naccs.contract"
    verbose_name = "契約内容の確認"
