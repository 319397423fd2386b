"""Companies (利用者), their offices (事業所) and the people who log in."""

from django.contrib.auth.models import AbstractUser, UserManager
from django.core.validators import RegexValidator
from django.db import models


class Company(models.Model):
    """利用者: a company under contract with NACCS, known by its 8-digit 利用者コード."""

    code = models.CharField(
        "利用者コード",
        max_length=8,
        unique=True,
        validators=[RegexValidator(r"^\d{8}$", "利用者コードは半角数字8桁で入力してください。")],
    )
    name = models.CharField("利用者名", max_length=100)

    class Meta:
        verbose_name = verbose_name_plural = "利用者"
        ordering = ["code"]

    def __str__(self) -> str:
        return f"{self.code} {self.name}"


class Office(models.Model):
    """事業所 of a company."""

    company = models.ForeignKey(Company, on_delete=models.CASCADE, related_name="offices", verbose_name="利用者")
    name = models.CharField("事業所名", max_length=100)

    class Meta:
        verbose_name = verbose_name_plural = "事業所"
        ordering = ["company__code", "name"]
        constraints = [models.UniqueConstraint(fields=["company", "name"], name="unique_office_name_per_company")]

    def __str__(self) -> str:
        return self.name


class User(AbstractUser):
    """A person who logs in with a 利用者ID: company staff (with a company) or center staff (is_staff, no company).

    The applicant fields are the defaults for the 申込担当者 step of a new application.
    """

    company = models.ForeignKey(
        Company, on_delete=models.PROTECT, null=True, blank=True, related_name="users", verbose_name="利用者"
    )
    office = models.ForeignKey(
        Office, on_delete=models.PROTECT, null=True, blank=True, related_name="users", verbose_name="事業所"
    )
    last_name_kana = models.CharField("フリガナ(姓)", max_length=50, blank=True)
    first_name_kana = models.CharField("フリガナ(名)", max_length=50, blank=True)
    department = models.CharField("所属部課名", max_length=100, blank=True)
    job_title = models.CharField("役職名", max_length=50, blank=True)
    phone = models.CharField("電話番号", max_length=11, blank=True)
    fax = models.CharField("FAX番号", max_length=11, blank=True)
    # A 通関士 added through 通関士IDの追加 (applications.broker_ids): shown as such in 契約内容の確認. With database
    # defaults, so that code (or a migration state) that does not know these columns can still add a user.
    is_customs_broker = models.BooleanField("通関士", default=False, db_default=False)
    broker_registration_number = models.CharField("通関士登録番号", max_length=8, blank=True, default="", db_default="")
    # The company's 管理者 manages its contract, every kind of 申込 and every terminal's certificate; any other
    # company login is an office user, who sees only their own 事業所's terminals (naccs.accounts.roles).
    is_company_administrator = models.BooleanField(
        "管理者",
        default=False,
        db_default=False,
        help_text="契約内容・すべての申込・すべての論理端末の証明書を管理します。"
        "管理者でない利用者は自分の事業所の論理端末だけを扱えます。",
    )

    objects = UserManager()

    class Meta:
        verbose_name = verbose_name_plural = "ユーザー"
        # Changing a user's details is not choosing their password: whoever sets another user's password can log
        # in as them, so it is a permission of its own (issue 24 #2).
        permissions = [("set_user_password", "他のユーザーのパスワードを設定できる")]

    def __str__(self) -> str:
        return self.username

    def save(self, *args, **kwargs):
        # A company always has someone who manages its contract: its first login (not a 通関士 ID) is its 管理者.
        if self.pk is None and first_login_of_company(self):
            self.is_company_administrator = True
        super().save(*args, **kwargs)


def first_login_of_company(user: User) -> bool:
    """`user`, not yet saved, would be the first login of its company other than a 通関士 ID."""
    return (
        user.company_id is not None
        and not user.is_customs_broker
        and not User.objects.filter(company_id=user.company_id, is_customs_broker=False).exists()
    )


class FailureCount(models.Model):
    """Failed attempts of one kind for one key (a client address, a terminal, a 利用者ID…) in one fixed window.

    The rate limits count here (naccs/accounts/limits.py), one row updated under its lock; and the audit log keeps
    anonymous refusals as these counts instead of one row each, so a flood adds at most one row per key and window.
    """

    scope = models.CharField("種別", max_length=32)
    key = models.CharField("対象", max_length=200)
    window_start = models.DateTimeField("集計開始", db_index=True)
    failures = models.PositiveIntegerField("失敗回数", default=0)
    refused = models.PositiveIntegerField("受付停止中の拒否", default=0)

    class Meta:
        verbose_name = verbose_name_plural = "失敗の集計"
        ordering = ["-window_start", "scope", "key"]
        constraints = [
            models.UniqueConstraint(fields=["scope", "key", "window_start"], name="unique_failure_count_per_window")
        ]

    def __str__(self) -> str:
        return f"{self.scope} {self.key} {self.window_start:%Y/%m/%d %H:%M}"
