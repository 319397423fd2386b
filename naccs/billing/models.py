"""Invoices (請求書) as 適格請求書, their lines, the tariff, charges, payments and each company's billing account.

Money is integer yen everywhere; a tax rate is an integer percent (10 = 10%)."""

from django.db import models
from django.db.models import Exists, OuterRef, Q
from django.urls import reverse

from naccs.lib.permanent import PermanentQuerySet, PermanentRecord, PermanentRecordError
from naccs.terminals.models import LogicalTerminal


class ConfirmedInvoiceError(PermanentRecordError):
    """A 確定 invoice is never edited: a correction is a credit note plus a new invoice (services.correct)."""


class TariffItem(models.Model):
    """料金表: one price of the tariff, valid from a date on (a new price is a new row, so old invoices keep theirs)."""

    class Item(models.TextChoices):
        BASIC = "basic", "基本料金"
        REISSUE = "reissue", "デジタル証明書再発行手数料"

    item = models.CharField("料金項目", max_length=16, choices=Item.choices)
    # 基本料金 is per 利用機器区分; a fee for something done (a reissue) has none.
    device_type = models.CharField(
        "利用機器区分", max_length=16, choices=LogicalTerminal.DeviceType.choices, blank=True
    )
    unit_price = models.PositiveIntegerField("単価(円・税抜)")
    tax_rate = models.PositiveSmallIntegerField("税率(%)", default=10)
    valid_from = models.DateField("適用開始日")

    class Meta:
        verbose_name = verbose_name_plural = "料金表"
        ordering = ["item", "device_type", "-valid_from"]
        constraints = [
            models.UniqueConstraint(fields=["item", "device_type", "valid_from"], name="unique_tariff_item_per_day"),
            models.CheckConstraint(
                condition=Q(item="basic", device_type__gt="") | ~Q(item="basic"), name="basic_fee_names_a_device"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.label} {self.unit_price:,}円"

    @property
    def label(self) -> str:
        if self.device_type:
            return f"{self.get_item_display()}（{self.get_device_type_display()}）"
        return self.get_item_display()


class BillingAccount(models.Model):
    """請求先: where a company's invoices go, how it pays, and how far its 口座振替 (direct debit) has got."""

    class PaymentMethod(models.TextChoices):
        DIRECT_DEBIT = "direct_debit", "口座振替"
        TRANSFER = "transfer", "振込"

    class DirectDebit(models.TextChoices):
        NOT_APPLIED = "not_applied", "未申込"
        FORM_SENT = "form_sent", "申込専用紙送付済"
        REGISTERED = "registered", "登録済"

    company = models.OneToOneField(
        "accounts.Company", on_delete=models.CASCADE, related_name="billing_account", verbose_name="利用者"
    )
    postal_code = models.CharField("郵便番号", max_length=8, blank=True)
    address = models.CharField("請求先住所", max_length=200, blank=True)
    payment_method = models.CharField(
        "支払方法", max_length=16, choices=PaymentMethod.choices, default=PaymentMethod.TRANSFER
    )
    direct_debit = models.CharField(
        "口座振替", max_length=16, choices=DirectDebit.choices, default=DirectDebit.NOT_APPLIED
    )

    class Meta:
        verbose_name = verbose_name_plural = "請求先"
        ordering = ["company__code"]

    def __str__(self) -> str:
        return str(self.company)


class Charge(models.Model):
    """個別請求・調整: a one-off fee or an adjustment (negative: a discount) staff add for a company's month."""

    company = models.ForeignKey(
        "accounts.Company", on_delete=models.PROTECT, related_name="billing_charges", verbose_name="利用者"
    )
    month = models.DateField("請求月", help_text="その月の1日")
    description = models.CharField("内容", max_length=100)
    quantity = models.PositiveIntegerField("数量", default=1)
    unit_price = models.IntegerField("単価(円・税抜)", help_text="値引きは負の金額")
    tax_rate = models.PositiveSmallIntegerField("税率(%)", default=10)

    class Meta:
        verbose_name = verbose_name_plural = "個別請求・調整"
        ordering = ["-month", "company__code"]
        indexes = [models.Index(fields=["month", "company"], name="billing_charge_month_idx")]

    def __str__(self) -> str:
        return f"{self.company.code} {self.month:%Y/%m} {self.description}"


class InvoiceNumberCounter(models.Model):
    """The last 請求番号 given in a year: taken under a row lock, so numbers are unique and without gaps."""

    year = models.PositiveSmallIntegerField("年", unique=True)
    last = models.PositiveIntegerField("最終番号", default=0)

    class Meta:
        verbose_name = verbose_name_plural = "請求番号"

    def __str__(self) -> str:
        return f"{self.year}: {self.last}"


class InvoiceQuerySet(PermanentQuerySet):
    def update(self, **fields):
        # The same rule as `Invoice.save`, for every issued row the update would touch.
        Invoice.check_change(fields, issued=self.exclude(status=Invoice.Status.DRAFT).exists())
        return super().update(**fields)

    def shown_to_companies(self):
        """What a company sees: everything issued (確定 or later), never a draft under review."""
        return self.exclude(status=Invoice.Status.DRAFT)

    def overdue(self, day):
        """The home of the rule "未入金": a 確定 invoice, not corrected, whose 支払期日 has passed."""
        return self.filter(kind=Invoice.Kind.INVOICE, status=Invoice.Status.CONFIRMED, due_date__lt=day)

    def with_overdue(self, day):
        """Each invoice with `is_overdue` on `day`, by the rule of `overdue` (one query for a page of them)."""
        return self.annotate(is_overdue=Exists(Invoice.objects.overdue(day).filter(pk=OuterRef("pk"))))


class Invoice(PermanentRecord):
    """請求書 (or 赤伝, a credit note) of one company for one month, a 適格請求書 of the center.

    Never deleted, not even a draft: numbers have no gaps (a wrong one is corrected, never removed)."""

    class Kind(models.TextChoices):
        INVOICE = "invoice", "請求書"
        CREDIT_NOTE = "credit_note", "赤伝"

    class Status(models.TextChoices):
        DRAFT = "draft", "下書き"
        CONFIRMED = "confirmed", "確定"
        PAID = "paid", "入金済"
        CORRECTED = "corrected", "訂正済"

    # What may still change once an invoice is 確定: how far it has got, never what it says.
    LIFECYCLE_FIELDS = frozenset({"status", "paid_on"})

    company = models.ForeignKey(
        "accounts.Company", on_delete=models.PROTECT, related_name="invoices", verbose_name="利用者"
    )
    month = models.DateField("請求月", help_text="その月の1日")
    kind = models.CharField("種別", max_length=16, choices=Kind.choices, default=Kind.INVOICE)
    # A credit note cancels the invoice it names; a new invoice made by a correction replaces it.
    corrects = models.ForeignKey(
        "self", on_delete=models.PROTECT, null=True, blank=True, related_name="corrections", verbose_name="訂正元"
    )
    number = models.CharField("請求番号", max_length=12, unique=True)
    status = models.CharField("状態", max_length=16, choices=Status.choices, default=Status.DRAFT)
    issued_on = models.DateField("請求日")
    due_date = models.DateField("支払期日")
    payment_method = models.CharField("支払方法", max_length=16, choices=BillingAccount.PaymentMethod.choices)
    # The addressee as it was when the invoice was made (a later move does not change an issued invoice).
    company_name = models.CharField("宛名", max_length=100)
    postal_code = models.CharField("郵便番号", max_length=8, blank=True)
    address = models.CharField("住所", max_length=200, blank=True)
    subtotal = models.IntegerField("小計(税抜)", default=0)
    tax = models.IntegerField("消費税額", default=0)
    total = models.IntegerField("請求金額(税込)", default=0)
    confirmed_at = models.DateTimeField("確定日時", null=True, blank=True)
    paid_on = models.DateField("入金日", null=True, blank=True)

    objects = InvoiceQuerySet.as_manager()

    class Meta:
        verbose_name = verbose_name_plural = "請求書"
        ordering = ["-month", "-number"]
        constraints = [
            # The monthly close makes one invoice per company and month, however often it runs.
            models.UniqueConstraint(
                fields=["company", "month"],
                condition=Q(kind="invoice", corrects__isnull=True),
                name="one_closed_invoice_per_company_and_month",
            )
        ]
        indexes = [
            models.Index(fields=["company", "-month"], name="billing_invoice_company_idx"),
            models.Index(fields=["status", "due_date"], name="billing_invoice_due_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.number} {self.company_name} {self.month:%Y/%m}"

    @classmethod
    def check_change(cls, fields: dict, *, issued: bool) -> None:
        """The rule for an issued (確定 or later) invoice: it changes only how far it has got, never back to a draft
        and never what it says."""
        if issued and (not set(fields) <= cls.LIFECYCLE_FIELDS or fields.get("status") == cls.Status.DRAFT):
            raise ConfirmedInvoiceError("確定した請求書は変更できません。")

    def save(self, *args, **kwargs):
        if self.pk and not self.is_draft_in_database():
            names = kwargs.get("update_fields") or [field.attname for field in self._meta.concrete_fields]
            self.check_change({name: getattr(self, name) for name in names}, issued=True)
        super().save(*args, **kwargs)

    def get_absolute_url(self) -> str:
        return reverse("billing:detail", args=[self.pk])

    def delete(self, *args, **kwargs):
        raise ConfirmedInvoiceError(f"請求書{self.number}は削除できません。")

    @property
    def is_draft(self) -> bool:
        return self.status == self.Status.DRAFT

    @property
    def lines_are_editable(self) -> bool:
        """Staff may change the lines of a draft invoice; a 赤伝 always mirrors the invoice it cancels."""
        return self.is_draft and self.kind == self.Kind.INVOICE

    def is_draft_in_database(self) -> bool:
        return Invoice.objects.filter(pk=self.pk, status=self.Status.DRAFT).exists()


class InvoiceLineQuerySet(models.QuerySet):
    def update(self, **fields):
        self.check_invoices_are_drafts()
        return super().update(**fields)

    def delete(self):
        self.check_invoices_are_drafts()
        return super().delete()

    def check_invoices_are_drafts(self):
        if self.exclude(invoice__status=Invoice.Status.DRAFT).exists():
            raise ConfirmedInvoiceError("確定した請求書の明細は変更できません。")


class InvoiceLine(models.Model):
    """明細: one line of an invoice."""

    invoice = models.ForeignKey(Invoice, on_delete=models.PROTECT, related_name="lines", verbose_name="請求書")
    position = models.PositiveSmallIntegerField("行", default=0)
    item = models.CharField("品目", max_length=100)
    quantity = models.IntegerField("数量")
    unit_price = models.IntegerField("単価(円・税抜)")
    amount = models.IntegerField("金額(円・税抜)")
    tax_rate = models.PositiveSmallIntegerField("税率(%)")

    objects = InvoiceLineQuerySet.as_manager()

    class Meta:
        verbose_name = verbose_name_plural = "明細"
        ordering = ["invoice", "position", "pk"]

    def __str__(self) -> str:
        return self.item

    def save(self, *args, **kwargs):
        self.check_invoice_is_draft()
        self.amount = self.quantity * self.unit_price
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        self.check_invoice_is_draft()
        return super().delete(*args, **kwargs)

    def check_invoice_is_draft(self):
        if not Invoice.objects.filter(pk=self.invoice_id, status=Invoice.Status.DRAFT).exists():
            raise ConfirmedInvoiceError("確定した請求書の明細は変更できません。")


class Payment(models.Model):
    """入金: a payment of an invoice, recorded by hand or imported from the bank's CSV."""

    class Source(models.TextChoices):
        MANUAL = "manual", "手入力"
        BANK_CSV = "bank_csv", "銀行CSV"

    invoice = models.ForeignKey(Invoice, on_delete=models.PROTECT, related_name="payments", verbose_name="請求書")
    amount = models.PositiveIntegerField("入金額")
    paid_on = models.DateField("入金日")
    source = models.CharField("登録方法", max_length=16, choices=Source.choices)
    recorded_by = models.ForeignKey(
        "accounts.User", on_delete=models.SET_NULL, null=True, blank=True, verbose_name="登録者"
    )
    recorded_at = models.DateTimeField("登録日時", auto_now_add=True)

    class Meta:
        verbose_name = verbose_name_plural = "入金"
        ordering = ["-paid_on", "-pk"]

    def __str__(self) -> str:
        return f"{self.invoice.number} {self.amount:,}円"
