"""申込: an Application of any kind, with one lifecycle (applications.lifecycle), and what each kind adds to it.

Each kind adds rows of its own:
- デジタル証明書の再発行: its reason (Reissue) and the terminals it names (ReissueLine);
- 通関士IDの追加: the 通関士 it names (BrokerLine);
- 契約内容の変更: the new company details (ContractChange), the 事業所 and 論理端末 it adds or removes
  (ContractChangeLine);
- システム設定の申込: the notification addresses (SystemSettings) and each terminal's settings (SystemSettingsLine).
"""

from django.conf import settings
from django.db import models
from django.urls import reverse

from naccs.terminals.models import LogicalTerminal


class Application(models.Model):
    """申込: what a company asks of the center, reviewed and carried out through one lifecycle whatever its kind."""

    class Kind(models.TextChoices):
        REISSUE = "reissue", "デジタル証明書の再発行"
        BROKER_IDS = "broker_ids", "通関士IDの追加"
        CONTRACT_CHANGE = "contract_change", "契約内容の変更"
        SYSTEM_SETTINGS = "system_settings", "システム設定の申込"

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
    # No default: every 申込 is made of a kind (lifecycle.start), never a reissue by omission.
    kind = models.CharField("申込種別", max_length=16, choices=Kind.choices)
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
    # Counts every change (lifecycle._transition): what a 確認画面 showed, whatever the clocks of the hosts say.
    revision = models.PositiveIntegerField("版", default=0, editable=False)
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

    @property
    def can_be_withdrawn(self) -> bool:
        """取り下げ can succeed (the lifecycle's WITHDRAW starts from these states): only then is it offered."""
        return self.status in self.UNDECIDED_STATUSES

    @property
    def is_asked_about(self) -> bool:
        """確認事項あり: the center's question is shown, and the company corrects the 申込 and sends it again."""
        return self.status == self.Status.NEEDS_INFO

    @property
    def is_rejected(self) -> bool:
        """却下: the center's reason is shown with it."""
        return self.status == self.Status.REJECTED


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


class ContractChange(models.Model):
    """What a 契約内容の変更 申込 adds: the company details as they are to be from the 変更希望日 (blank: unchanged);
    the 事業所 and 論理端末 it adds or removes are its ContractChangeLine rows."""

    application = models.OneToOneField(
        Application, on_delete=models.CASCADE, primary_key=True, related_name="contract_change", verbose_name="申込"
    )
    company_name = models.CharField("利用者名", max_length=100, blank=True)
    address = models.CharField("住所", max_length=200, blank=True)
    representative = models.CharField("代表者", max_length=100, blank=True)
    phone = models.CharField("連絡先電話番号", max_length=11, blank=True)
    # Set by the morning run of the 変更希望日, under this row's lock: the change takes effect once.
    carried_out_at = models.DateTimeField("変更処理日時", null=True, blank=True)

    DETAIL_FIELDS = ("company_name", "address", "representative", "phone")

    class Meta:
        verbose_name = verbose_name_plural = "契約内容の変更"

    def __str__(self) -> str:
        return str(self.application)

    @property
    def changes_details(self) -> bool:
        return any(getattr(self, name) for name in self.DETAIL_FIELDS)


class ContractChangeLineQuerySet(models.QuerySet):
    def removing(self):
        """The home of the rule "a terminal an open 契約内容の変更 removes": lines of a registered 申込 that has not
        ended remove a terminal that no other 申込 may name (neither another change nor a reissue)."""
        return self.filter(
            action=ContractChangeLine.Action.REMOVE_TERMINAL, application__status__in=Application.OPEN_STATUSES
        )


class ContractChangeLine(models.Model):
    """One 事業所 or 論理端末 that a 契約内容の変更 adds or removes."""

    class Action(models.TextChoices):
        ADD_OFFICE = "add_office", "事業所の追加"
        CLOSE_OFFICE = "close_office", "事業所の廃止"
        ADD_TERMINAL = "add_terminal", "論理端末の追加"
        REMOVE_TERMINAL = "remove_terminal", "論理端末の削除"

    application = models.ForeignKey(
        Application, on_delete=models.CASCADE, related_name="contract_change_lines", verbose_name="申込"
    )
    action = models.CharField("変更内容", max_length=16, choices=Action.choices)
    office_name = models.CharField("追加する事業所名", max_length=100, blank=True)
    # The office closed, or the one a new terminal is placed at.
    office = models.ForeignKey(
        "accounts.Office", on_delete=models.PROTECT, null=True, blank=True, related_name="+", verbose_name="事業所"
    )
    # The terminal removed, or (once carried out) the one added.
    terminal = models.ForeignKey(
        "terminals.LogicalTerminal",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="contract_change_lines",
        verbose_name="論理端末",
    )
    category = models.CharField("区分", max_length=8, blank=True, choices=LogicalTerminal.Category.choices)
    device_type = models.CharField(
        "利用機器区分", max_length=16, blank=True, choices=LogicalTerminal.DeviceType.choices
    )

    objects = ContractChangeLineQuerySet.as_manager()

    class Meta:
        verbose_name = verbose_name_plural = "追加・削除する事業所と論理端末"
        ordering = ["pk"]

    def __str__(self) -> str:
        return f"{self.application} {self.get_action_display()}"


class SystemSettings(models.Model):
    """What a システム設定の申込 adds: the company's 通知先メールアドレス as they are to be (empty: unchanged); each
    terminal's settings are its SystemSettingsLine rows."""

    application = models.OneToOneField(
        Application, on_delete=models.CASCADE, primary_key=True, related_name="system_settings", verbose_name="申込"
    )
    notification_addresses = models.JSONField("通知先E-mailアドレス", default=list, blank=True)
    # Set by the morning run of the 設定希望日, under this row's lock: the settings are applied once.
    carried_out_at = models.DateTimeField("設定処理日時", null=True, blank=True)

    class Meta:
        verbose_name = verbose_name_plural = "システム設定の申込内容"

    def __str__(self) -> str:
        return str(self.application)


class SystemSettingsLine(models.Model):
    """One terminal's システム設定 as asked for: they replace its current settings on the 設定希望日."""

    application = models.ForeignKey(
        Application, on_delete=models.CASCADE, related_name="system_settings_lines", verbose_name="申込"
    )
    terminal = models.ForeignKey(
        "terminals.LogicalTerminal", on_delete=models.PROTECT, related_name="+", verbose_name="論理端末"
    )
    business_groups = models.ManyToManyField("terminals.SettingItem", related_name="+", verbose_name="利用する業務")
    # 出力情報 delivered by mail, {SettingItem id: address}; every other kind of 出力情報 goes to the terminal.
    mail_outputs = models.JSONField("電子メールによる配信", default=dict, blank=True)

    class Meta:
        verbose_name = verbose_name_plural = "論理端末ごとのシステム設定"
        ordering = ["terminal__name"]
        constraints = [
            models.UniqueConstraint(fields=["application", "terminal"], name="unique_settings_terminal_per_application")
        ]

    def __str__(self) -> str:
        return f"{self.application} {self.terminal}"
