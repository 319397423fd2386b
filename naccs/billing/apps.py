"""請求金額の参照: monthly invoices (適格請求書), the monthly close, corrections, payments and 口座振替."""

from django.apps import AppConfig


class BillingConfig(AppConfig):
    name = "naccs.billing"
    verbose_name = "請求"
