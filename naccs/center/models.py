"""Records the center's reminders keep so that each reminder happens once (the jobs' own record: naccs.jobs)."""

from django.conf import settings
from django.db import models


class ExpiryReminder(models.Model):
    """An expiry reminder sent for a certificate, once per kind: when its renewal window opens, and at each of
    EXPIRY_REMINDER_DAYS (the kind is the days before expiry, "-7" for seven days after)."""

    class Kind(models.TextChoices):
        WINDOW_OPENS = "window", "更新期間の開始"

    certificate = models.ForeignKey(
        "terminals.Certificate", on_delete=models.CASCADE, related_name="+", verbose_name="デジタル証明書"
    )
    kind = models.CharField("種別", max_length=8)
    sent_at = models.DateTimeField("通知日時", auto_now_add=True)

    class Meta:
        verbose_name = verbose_name_plural = "有効期限通知"
        constraints = [models.UniqueConstraint(fields=["certificate", "kind"], name="unique_reminder_per_kind")]

    def __str__(self) -> str:
        return f"{self.certificate} {self.kind}"


class ExpiryNoticeOptIn(models.Model):
    """A company user who asked for the expiry reminders by mail (besides the company's applicant)."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="expiry_notice_opt_in", verbose_name="ユーザー"
    )
    created_at = models.DateTimeField("登録日時", auto_now_add=True)

    class Meta:
        verbose_name = verbose_name_plural = "有効期限通知の受信希望"

    def __str__(self) -> str:
        return str(self.user)
