"""申込: an Application of any kind, with one lifecycle (applications.lifecycle), and what each kind adds to it.

The reissue kind (デジタル証明書の再発行) adds its reason (Reissue) and the terminals it names (ReissueLine); the
通関士IDの追加 kind adds the 通関士 it names (BrokerLine).
"""

from django.conf import settings
from django.db import models
from django.urls import reverse


class Application(models.Model):
    """申込: what a company asks of the center, reviewed and carried out through one lifecycle whatever its kind."""

    class Kind(models.TextChoices):
        REISSUE = "reissue", "デジタル証明書の再発行"
        BROKER_IDS = "broker_ids", "通関士IDの追加"

    class Status(models.TextChoices):
        DRAFT = "draft", "入力中"
        SUBMITTED = "submitted", "受付済"
        NEEDS_INFO = "needs_info", "確認事項あり"
        APPROVED = "approved", "審査終了"
        COMPLETED = "completed", "完了"
        WITHDRAWN = "withdrawn", "取下げ"
        REJECTED = "rejected", "却下"

    # The company may change what it asked for: a draft, or a 申込 the center asked a question about.
    EDITABLE_STATUSES = (Status.DRAFT, Status.NEEDS_INFO)
    # The center has not decided yet: the company may withdraw it.
    UNDECIDED_STATUSES = (Status.SUBMITTED, Status.NEEDS_INFO)
    # Registered and not ended: what it names (a terminal) cannot be named by another 申込.
    OPEN_STATUSES = (Status.SUBMITTED, Status.NEEDS_INFO, Status.APPROVED)

    receipt_number = models.CharField("申込受付番号", max_length=11, unique=True, null=True, blank=True)
    kind = models.CharField("申込種別", max_length=16, choices=Kind.choices, default=Kind.REISSUE)
    company = models.ForeignKey(
        "accounts.Company", on_delete=models.PROTECT, related_name="applications", verbose_name="利用者"
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name="申込者"
    )
    status = models.CharField("状態", max_length=16, choices=Status.choices, default=Status.DRAFT, db_index=True)

    # 申込担当者: a snapshot, so later profile changes do not rewrite what was applied for (applications.applicant).
    applicant_last_name = models.CharField("氏名(姓)", max_length=50, blank=True)
    applicant_first_name = models.CharField("氏名(名)", max_length=50, blank=True)
    applicant_last_name_kana = models.CharField("フリガナ(姓)", max_length=50, blank=True)
    applicant_first_name_kana = models.CharField("フリガナ(名)", max_length=50, blank=True)
    applicant_department = models.CharField("所属部課名", max_length=100, blank=True)
    applicant_job_title = models.CharField("役職名", max_length=50, blank=True)
    applicant_phone = models.CharField("電話番号", max_length=11, blank=True)
    applicant_fax = models.CharField("FAX番号", max_length=11, blank=True)
    applicant_email = models.EmailField("E-mailアドレス", blank=True)

    # The business day the 申込 takes effect (再発行希望日 for a reissue): the morning run of that day carries it out.
    desired_date = models.DateField("希望日", null=True, blank=True, db_index=True)

    # The center's question (確認事項) or reason for rejection, shown to the company.
    center_message = models.TextField("センターからの連絡", blank=True)

    created_at = models.DateTimeField("作成日時", auto_now_add=True)
    updated_at = models.DateTimeField("更新日時", auto_now=True)
    submitted_at = models.DateTimeField("申込受付日時", null=True, blank=True)
    decided_at = models.DateTimeField("審査日時", null=True, blank=True)
    completed_at = models.DateTimeField("完了日時", null=True, blank=True)

    class Meta:
        verbose_name = verbose_name_plural = "申込"
        ordering = ["-submitted_at", "-id"]
        indexes = [
            models.Index(fields=["company", "-submitted_at"], name="application_company_6f14e1_idx"),
            models.Index(fields=["status", "desired_date"], name="application_status_813116_idx"),
        ]

    def __str__(self) -> str:
        return self.receipt_number or f"下書き#{self.pk}"

    def get_absolute_url(self) -> str:
        """申込内容の詳細, where every notice about the 申込 links to."""
        return reverse("applications:detail", args=[self.pk])

    @property
    def is_editable(self) -> bool:
        return self.status in self.EDITABLE_STATUSES


class Reissue(models.Model):
    """What a デジタル証明書の再発行 申込 adds: its reason (manual ④); the terminals are its ReissueLine rows."""

    class Reason(models.TextChoices):
        EXPIRED = "expired", "有効期限切れ"
        REPLACED = "replaced", "端末の入れ替え"
        KEY_COMPROMISE = "key_compromise", "秘密鍵の紛失・漏えい"
        OTHER = "other", "その他の理由"

    application = models.OneToOneField(
        Application, on_delete=models.CASCADE, primary_key=True, related_name="reissue", verbose_name="申込"
    )
    reason = models.CharField("再発行理由", max_length=16, choices=Reason.choices, blank=True)
    reason_text = models.CharField("その他の理由", max_length=100, blank=True)

    class Meta:
        verbose_name = verbose_name_plural = "再発行の内容"

    def __str__(self) -> str:
        return str(self.application)


class ReissueLineQuerySet(models.QuerySet):
    def busy(self):
        """The home of the rule "a terminal already in an open 申込": lines of a registered 申込 that has not ended
        name a terminal that no other 申込 may name."""
        return self.filter(application__status__in=Application.OPEN_STATUSES)


class ReissueLine(models.Model):
    """One terminal named in a reissue 申込 (a row of the 確認画面 whose 申込内容 is 再発行)."""

    application = models.ForeignKey(
        Application, on_delete=models.CASCADE, related_name="reissue_lines", verbose_name="申込"
    )
    terminal = models.ForeignKey(
        "terminals.LogicalTerminal", on_delete=models.PROTECT, related_name="reissue_lines", verbose_name="論理端末"
    )
    processed_at = models.DateTimeField("再発行処理日時", null=True, blank=True)

    objects = ReissueLineQuerySet.as_manager()

    class Meta:
        verbose_name = verbose_name_plural = "再発行する論理端末"
        ordering = ["terminal__name"]
        constraints = [
            models.UniqueConstraint(fields=["application", "terminal"], name="unique_terminal_per_application")
        ]

    def __str__(self) -> str:
        return f"{self.application} {self.terminal}"


class BrokerLine(models.Model):
    """One 通関士 named in a 通関士IDの追加 申込, and the login made for them when the 申込 is approved."""

    application = models.ForeignKey(
        Application, on_delete=models.CASCADE, related_name="broker_lines", verbose_name="申込"
    )
    last_name = models.CharField("氏名(姓)", max_length=50)
    first_name = models.CharField("氏名(名)", max_length=50)
    last_name_kana = models.CharField("フリガナ(姓)", max_length=50)
    first_name_kana = models.CharField("フリガナ(名)", max_length=50)
    registration_number = models.CharField("通関士登録番号", max_length=8)
    office = models.ForeignKey("accounts.Office", on_delete=models.PROTECT, related_name="+", verbose_name="所属事業所")
    email = models.EmailField("E-mailアドレス")
    # Made at the approval (its 利用者ID shown at once), inactive until the morning run of the 利用開始希望日.
    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="broker_line",
        verbose_name="利用者",
    )
    activated_at = models.DateTimeField("利用開始日時", null=True, blank=True)

    class Meta:
        verbose_name = verbose_name_plural = "追加する通関士"
        ordering = ["pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["application", "registration_number"], name="unique_broker_number_per_application"
            )
        ]

    def __str__(self) -> str:
        return f"{self.last_name} {self.first_name}"
