"""AuditEvent: one row for every state change, read-only for center staff."""

from django.conf import settings
from django.db import models
from django.utils import timezone

from naccs.lib.permanent import PermanentQuerySet, PermanentRecord, PermanentRecordError


class AuditQuerySet(PermanentQuerySet):
    def update(self, **fields):
        raise PermanentRecordError("監査ログは変更できません。")


class AuditEvent(PermanentRecord):
    """What happened, by whom: written once, never changed or deleted (among others it records every issuance and
    revocation, issue 24 #5)."""

    created_at = models.DateTimeField("日時", auto_now_add=True, db_index=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name="実行者",
    )
    # A label for actors without an account: "system" for tasks, a client address for anonymous 取得.
    actor_label = models.CharField("実行者(表示)", max_length=100, blank=True)
    company = models.ForeignKey(
        "accounts.Company", on_delete=models.SET_NULL, null=True, blank=True, related_name="+", verbose_name="利用者"
    )
    action = models.CharField("操作", max_length=64, db_index=True)
    object_type = models.CharField("対象種別", max_length=64, blank=True)
    object_id = models.CharField("対象ID", max_length=64, blank=True)
    before = models.JSONField("変更前", default=dict, blank=True)
    after = models.JSONField("変更後", default=dict, blank=True)
    details = models.JSONField("詳細", default=dict, blank=True)

    objects = AuditQuerySet.as_manager()

    class Meta:
        verbose_name = verbose_name_plural = "監査ログ"
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["object_type", "object_id"])]

    def __str__(self) -> str:
        return f"{timezone.localtime(self.created_at):%Y/%m/%d %H:%M} {self.action}"

    def save(self, *args, **kwargs):
        if self.pk and AuditEvent.objects.filter(pk=self.pk).exists():
            raise PermanentRecordError("監査ログは変更できません。")
        super().save(*args, **kwargs)
