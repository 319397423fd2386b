"""The outbox: every mail is a row first, so that a mail server that is down delays mail but never loses it."""

from django.db import models


class OutboundMail(models.Model):
    class Status(models.TextChoices):
        PENDING = "pending", "送信待ち"
        SENDING = "sending", "送信中"
        SENT = "sent", "送信済"

    to = models.EmailField("宛先")
    subject = models.CharField("件名", max_length=200)
    body = models.TextField("本文")
    company = models.ForeignKey(
        "accounts.Company", on_delete=models.SET_NULL, null=True, blank=True, related_name="+", verbose_name="利用者"
    )
    status = models.CharField("状態", max_length=8, choices=Status.choices, default=Status.PENDING, db_index=True)
    attempts = models.PositiveIntegerField("送信試行回数", default=0)
    last_error = models.TextField("直近のエラー", blank=True)
    created_at = models.DateTimeField("作成日時", auto_now_add=True)
    next_attempt_at = models.DateTimeField("次回送信予定", db_index=True)
    sent_at = models.DateTimeField("送信日時", null=True, blank=True)
    # Fixed when the mail is queued and sent with every attempt: delivery is at least once (a worker killed after the
    # server took the mail, before its reply, leaves it to be sent again), and receivers drop a second copy by it.
    message_id = models.CharField("Message-ID", max_length=255, unique=True, editable=False)

    class Meta:
        verbose_name = verbose_name_plural = "送信メール"
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"{self.to} {self.subject}"
