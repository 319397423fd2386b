"""新着情報: notices shown on the home menu, for one company or for all."""

from django.db import models


class NewsItem(models.Model):
    class Category(models.TextChoices):
        APPLICATION = "application", "利用申込"
        SYSTEM_SETTINGS = "system_settings", "システム設定"
        FEES = "fees", "利用料金"
        CERTIFICATE = "certificate", "証明書発行"

    # Empty company: a notice for every company.
    company = models.ForeignKey(
        "accounts.Company",
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="news_items",
        verbose_name="利用者",
    )
    category = models.CharField("区分", max_length=20, choices=Category.choices)
    text = models.CharField("見出し", max_length=200)
    body = models.TextField("本文", blank=True)
    link = models.CharField("関連ページ", max_length=200, blank=True)
    published_at = models.DateTimeField("掲載日時", db_index=True)

    class Meta:
        verbose_name = verbose_name_plural = "新着情報"
        ordering = ["-published_at", "-id"]

    def __str__(self) -> str:
        return self.text
