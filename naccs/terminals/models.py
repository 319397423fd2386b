"""Logical terminals (論理端末) and the client certificates (デジタル証明書) they hold."""

import hashlib

from django.db import models
from django.db.models import Q
from django.utils import timezone

from naccs.lib.permanent import PermanentQuerySet, PermanentRecord, PermanentRecordError


class LogicalTerminal(models.Model):
    """論理端末: how a company connects to NACCS, e.g. 11110A; each holds one valid client certificate."""

    class Category(models.TextChoices):
        SEA = "sea", "海上"
        AIR = "air", "航空"

    class DeviceType(models.TextChoices):
        NET = "netNACCS", "netNACCS"
        WEB = "webNACCS", "webNACCS"
        PACKAGE = "package", "パッケージソフト"

    company = models.ForeignKey(
        "accounts.Company", on_delete=models.PROTECT, related_name="terminals", verbose_name="利用者"
    )
    office = models.ForeignKey(
        "accounts.Office",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="terminals",
        verbose_name="事業所",
    )
    # Globally unique: 取得 identifies a terminal by its name and codes alone, without a portal login.
    name = models.CharField("論理端末名", max_length=6, unique=True)
    category = models.CharField("区分", max_length=8, choices=Category.choices)
    device_type = models.CharField("利用機器区分", max_length=16, choices=DeviceType.choices)
    auth_code1 = models.CharField("認証コード1", max_length=16)
    auth_code2 = models.CharField("認証コード2", max_length=16)
    auth_code3 = models.CharField("認証コード3", max_length=16)
    is_active = models.BooleanField("利用中", default=True)

    AUTH_CODE_FIELDS = ("auth_code1", "auth_code2", "auth_code3")

    class Meta:
        verbose_name = verbose_name_plural = "論理端末"
        ordering = ["company__code", "name"]
        # The codes let anyone 取得 the terminal's certificate: seeing them in the back office is a permission of its
        # own, and each showing is audited (issue 24 #3).
        permissions = [("view_auth_codes", "認証コードを表示できる")]
        # A company's terminals in name order, a page at a time (論理端末 step, 契約内容の確認): read from the index
        # without sorting the company's thousands of terminals for each page.
        indexes = [models.Index(fields=["company", "name"], name="terminals_company_name_idx")]

    def __str__(self) -> str:
        return self.name


class ReplacedAuthCode(models.Model):
    """An 認証コード2 that a reissue replaced, kept as a digest (never the code), so that 取得 with it can say when it
    was replaced instead of only "wrong", and 契約内容の確認 can mark the terminal's new code."""

    terminal = models.ForeignKey(
        LogicalTerminal, on_delete=models.CASCADE, related_name="replaced_codes", verbose_name="論理端末"
    )
    digest = models.CharField("旧認証コード2(ハッシュ)", max_length=64)
    replaced_at = models.DateTimeField("変更日時")

    class Meta:
        verbose_name = verbose_name_plural = "変更前の認証コード"
        indexes = [models.Index(fields=["terminal", "-replaced_at"], name="replaced_code_terminal_idx")]

    def __str__(self) -> str:
        return f"{self.terminal} {timezone.localtime(self.replaced_at):%Y/%m/%d}"

    @staticmethod
    def digest_of(terminal_id: int, code: str) -> str:
        return hashlib.sha256(f"{terminal_id}:{code}".encode()).hexdigest()


class CertificateQuerySet(PermanentQuerySet):
    def update(self, **fields):
        # What `update()` may do is what `save()` may do: revoke certificates that are not revoked yet.
        Certificate.check_change(fields, revoked_before=self.filter(revoked_at__isnull=False).exists())
        return super().update(**fields)


class Certificate(PermanentRecord):
    """デジタル証明書 issued to a terminal. Only the certificate is kept, never its private key.

    A CA never forgets what it issued or revoked (issue 24 #5): a row is never deleted, what it says about the
    issuance never changes, and its revocation is written once and never undone (`check_change`).
    """

    class RevocationReason(models.TextChoices):
        SUPERSEDED = "superseded", "新しい証明書の発行"
        KEY_COMPROMISE = "key_compromise", "鍵の危殆化"
        CESSATION = "cessation_of_operation", "利用終了"
        AFFILIATION_CHANGED = "affiliation_changed", "登録内容の変更"
        UNSPECIFIED = "unspecified", "その他"
        CA_COMPROMISE = "ca_compromise", "認証局の危殆化"  # a generation retired by force (ca_generation retire)

    terminal = models.ForeignKey(
        LogicalTerminal, on_delete=models.PROTECT, related_name="certificates", verbose_name="論理端末"
    )
    # Hex of the 128-bit random serial; unique across the CA.
    serial = models.CharField("シリアル番号", max_length=40, unique=True)
    subject = models.CharField("サブジェクト", max_length=255, blank=True)
    not_before = models.DateTimeField("有効期間開始")
    not_after = models.DateTimeField("有効期限")
    issued_at = models.DateTimeField("発行日時")
    revoked_at = models.DateTimeField("失効日時", null=True, blank=True)
    revocation_reason = models.CharField("失効理由", max_length=32, choices=RevocationReason.choices, blank=True)
    pem = models.TextField("証明書(PEM)", blank=True)
    # The CA generation that signed it (naccs.pki.generations; 1 for everything issued before generations, and, as
    # the database default, for rows written by code of before generations during a rolling deploy).
    ca_generation = models.PositiveIntegerField("認証局の世代", default=1, db_default=1, db_index=True)

    REVOCATION_FIELDS = frozenset({"revoked_at", "revocation_reason"})

    objects = CertificateQuerySet.as_manager()

    class Meta:
        verbose_name = verbose_name_plural = "デジタル証明書"
        ordering = ["-issued_at"]
        indexes = [
            models.Index(fields=["terminal", "-issued_at"]),
            # The CRL fetch asks for revocations since the newest CRL; only revoked rows are indexed.
            models.Index(fields=["revoked_at"], name="certificate_revoked_at", condition=Q(revoked_at__isnull=False)),
        ]

    def __str__(self) -> str:
        return f"{self.terminal.name} {self.serial}"

    @classmethod
    def check_change(cls, fields: dict, *, revoked_before: bool) -> None:
        """The rule for a stored certificate: only its revocation may be written, once, and never cleared."""
        if not set(fields) <= cls.REVOCATION_FIELDS:
            raise PermanentRecordError("発行済みのデジタル証明書の内容は変更できません。")
        if revoked_before or ("revoked_at" in fields and fields["revoked_at"] is None):
            raise PermanentRecordError("デジタル証明書の失効は取り消せません。")

    def save(self, *args, **kwargs):
        stored = Certificate.objects.filter(pk=self.pk).values_list("revoked_at", flat=True) if self.pk else []
        for revoked_at in stored:  # an insert has no stored row and nothing to check
            names = kwargs.get("update_fields") or [field.attname for field in self._meta.concrete_fields]
            self.check_change({name: getattr(self, name) for name in names}, revoked_before=revoked_at is not None)
        super().save(*args, **kwargs)


class ContractDetails(models.Model):
    """契約内容 of a company besides its 利用者名 (Company.name): what a 契約内容の変更 申込 may change."""

    company = models.OneToOneField(
        "accounts.Company", on_delete=models.CASCADE, primary_key=True, related_name="contract_details"
    )
    address = models.CharField("住所", max_length=200, blank=True)
    representative = models.CharField("代表者", max_length=100, blank=True)
    phone = models.CharField("連絡先電話番号", max_length=11, blank=True)

    class Meta:
        verbose_name = verbose_name_plural = "契約者情報"

    def __str__(self) -> str:
        return str(self.company)


class OfficeClosure(models.Model):
    """A 事業所 closed by a 契約内容の変更: kept (its users and history name it) but no longer open."""

    office = models.OneToOneField(
        "accounts.Office", on_delete=models.CASCADE, primary_key=True, related_name="closure", verbose_name="事業所"
    )
    closed_on = models.DateField("廃止日")

    class Meta:
        verbose_name = verbose_name_plural = "廃止した事業所"

    def __str__(self) -> str:
        return f"{self.office} {self.closed_on:%Y/%m/%d}"


class SettingItemQuerySet(models.QuerySet):
    def offered(self):
        """What a システム設定の申込 may ask for: the items the center offers today."""
        return self.filter(is_active=True)


class SettingItem(models.Model):
    """The catalogue of システム設定, kept by the center in the back office: a 業務グループ a terminal may be allowed
    to use, or a kind of 出力情報 whose destination (the terminal, or 電子メールによる配信) a company chooses."""

    class Kind(models.TextChoices):
        BUSINESS_GROUP = "business_group", "業務グループ"
        OUTPUT = "output", "出力情報"

    kind = models.CharField("種類", max_length=16, choices=Kind.choices)
    code = models.CharField("コード", max_length=16, unique=True)
    name = models.CharField("名称", max_length=100)
    order = models.PositiveSmallIntegerField("表示順", default=0)
    is_active = models.BooleanField("申込可能", default=True)

    objects = SettingItemQuerySet.as_manager()

    class Meta:
        verbose_name = verbose_name_plural = "システム設定の項目"
        ordering = ["kind", "order", "code"]

    def __str__(self) -> str:
        return self.name


class TerminalSetting(models.Model):
    """A terminal's current システム設定 of one item: a 業務グループ it may use, or where one kind of its 出力情報 goes
    (a mail address: 電子メールによる配信; blank: to the terminal)."""

    terminal = models.ForeignKey(
        LogicalTerminal, on_delete=models.CASCADE, related_name="settings", verbose_name="論理端末"
    )
    item = models.ForeignKey(SettingItem, on_delete=models.PROTECT, related_name="+", verbose_name="項目")
    delivery_mail = models.EmailField("配信先E-mailアドレス", blank=True)

    class Meta:
        verbose_name = verbose_name_plural = "論理端末のシステム設定"
        ordering = ["terminal", "item"]
        constraints = [models.UniqueConstraint(fields=["terminal", "item"], name="unique_setting_per_terminal")]

    def __str__(self) -> str:
        return f"{self.terminal} {self.item}"


class NotificationAddress(models.Model):
    """The company's 通知先メールアドレス (a システム設定): where NACCS sends the company's notices."""

    company = models.ForeignKey(
        "accounts.Company", on_delete=models.CASCADE, related_name="notification_addresses", verbose_name="利用者"
    )
    email = models.EmailField("通知先E-mailアドレス")

    class Meta:
        verbose_name = verbose_name_plural = "通知先E-mailアドレス"
        ordering = ["company", "pk"]

    def __str__(self) -> str:
        return self.email
