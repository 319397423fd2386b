"""申込: certificate reissue applications (デジタル証明書の再発行) and the terminals they name."""

from django.conf import settings
from django.db import models


class ReissueApplication(models.Model):
    class Status(models.TextChoices):
        DRAFT = "draft", "入力中"
        SUBMITTED = "submitted", "受付済"
        NEEDS_INFO = "needs_info", "確認事項あり"
        APPROVED = "approved", "審査終了"
        COMPLETED = "completed", "再発行済"
        WITHDRAWN = "withdrawn", "取下げ"
        REJECTED = "rejected", "却下"

    # While an application is in one of these states its terminals cannot be named by another one.
    OPEN_STATUSES = (Status.SUBMITTED, Status.NEEDS_INFO, Status.APPROVED)

    class Reason(models.TextChoices):
        EXPIRED = "expired", "有効期限切れ"
        REPLACED = "replaced", "端末の入れ替え"
        OTHER = "other", "その他の理由"

    receipt_number = models.CharField("申込受付番号", max_length=11, unique=True, null=True, blank=True)
    company = models.ForeignKey(
        "accounts.Company", on_delete=models.PROTECT, related_name="reissue_applications", verbose_name="利用者"
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name="申込者"
    )
    status = models.CharField("状態", max_length=16, choices=Status.choices, default=Status.DRAFT, db_index=True)

    # 申込担当者: a snapshot, so later profile changes do not rewrite what was applied for.
    applicant_last_name = models.CharField("氏名(姓)", max_length=50, blank=True)
    applicant_first_name = models.CharField("氏名(名)", max_length=50, blank=True)
    applicant_last_name_kana = models.CharField("フリガナ(姓)", max_length=50, blank=True)
    applicant_first_name_kana = models.CharField("フリガナ(名)", max_length=50, blank=True)
    applicant_department = models.CharField("所属部課名", max_length=100, blank=True)
    applicant_job_title = models.CharField("役職名", max_length=50, blank=True)
    applicant_phone = models.CharField("電話番号", max_length=11, blank=True)
    applicant_fax = models.CharField("FAX番号", max_length=11, blank=True)
    applicant_email = models.EmailField("E-mailアドレス", blank=True)

    desired_date = models.DateField("再発行希望日", null=True, blank=True, db_index=True)
    reason = models.CharField("再発行理由", max_length=16, choices=Reason.choices, blank=True)
    reason_text = models.CharField("その他の理由", max_length=100, blank=True)

    # The center's question (確認事項) or reason for rejection, shown to the company.
    center_message = models.TextField("センターからの連絡", blank=True)

    created_at = models.DateTimeField("作成日時", auto_now_add=True)
    updated_at = models.DateTimeField("更新日時", auto_now=True)
    submitted_at = models.DateTimeField("申込受付日時", null=True, blank=True)
    decided_at = models.DateTimeField("審査日時", null=True, blank=True)
    completed_at = models.DateTimeField("再発行日時", null=True, blank=True)

    class Meta:
        verbose_name = verbose_name_plural = "証明書再発行申込"
        ordering = ["-submitted_at", "-id"]
        indexes = [models.Index(fields=["company", "-submitted_at"]), models.Index(fields=["status", "desired_date"])]

    def __str__(self) -> str:
        return self.receipt_number or f"下書き#{self.pk}"

    @property
    def is_open(self) -> bool:
        return self.status in self.OPEN_STATUSES

    @property
    def applicant_name(self) -> str:
        return f"{self.applicant_last_name} {self.applicant_first_name}".strip()


class ReissueApplicationTerminal(models.Model):
    """One terminal named in an application (the 申込内容 of a row of the 確認画面: 再発行)."""

    application = models.ForeignKey(
        ReissueApplication, on_delete=models.CASCADE, related_name="lines", verbose_name="申込"
    )
    terminal = models.ForeignKey(
        "terminals.LogicalTerminal", on_delete=models.PROTECT, related_name="application_lines", verbose_name="論理端末"
    )
    processed_at = models.DateTimeField("再発行処理日時", null=True, blank=True)

    class Meta:
        verbose_name = verbose_name_plural = "申込対象の論理端末"
        ordering = ["terminal__name"]
        constraints = [
            models.UniqueConstraint(fields=["application", "terminal"], name="unique_terminal_per_application")
        ]

    def __str__(self) -> str:
        return f"{self.application} {self.terminal}"
