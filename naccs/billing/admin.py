"""The center's back office for billing (/center/billing/): the tariff, 請求先 and 口座振替, charges, the monthly
close, review and 確定 of drafts, corrections, payments and the bank CSV import.

Every change goes through naccs.billing.services / payments; a 確定 invoice is view-only here."""

from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import path

from naccs.lib.formats import billing_month, yen
from naccs.lib.periods import today

from . import payments, services
from .forms import BankCsvForm, CloseForm
from .models import BillingAccount, Charge, Invoice, InvoiceLine, Payment, TariffItem
from .tasks import monthly_close_task


def formatted_column(name: str, description: str, formatted, suffix: str):
    """A column showing the field `name` as `formatted` gives it, sorted by the field."""

    @admin.display(description=description, ordering=name)
    def column(obj):
        value = getattr(obj, name)
        return "" if value is None else formatted(value)

    column.__name__ = f"{name}_{suffix}"
    return column


def yen_column(name: str, description: str):
    """A column of yen with separators (「17,578円」)."""
    return formatted_column(name, description, yen, "yen")


def month_column(name: str, description: str):
    """A billing month as 「2026年11月分」, not as its first day."""
    return formatted_column(name, description, billing_month, "label")


@admin.register(TariffItem)
class TariffItemAdmin(admin.ModelAdmin):
    list_display = ["item", "device_type", yen_column("unit_price", "単価(税抜)"), "tax_rate", "valid_from"]
    list_filter = ["item", "device_type"]


@admin.register(Charge)
class ChargeAdmin(admin.ModelAdmin):
    list_display = [
        "company", month_column("month", "請求月"), "description", "quantity", yen_column("unit_price", "単価(税抜)"),
        "tax_rate",
    ]  # fmt: skip
    list_select_related = ["company"]
    list_filter = ["month"]
    search_fields = ["company__code", "company__name", "description"]
    autocomplete_fields = ["company"]


@admin.register(BillingAccount)
class BillingAccountAdmin(admin.ModelAdmin):
    list_display = ["company", "payment_method", "direct_debit", "address"]
    list_select_related = ["company"]
    list_filter = ["payment_method", "direct_debit"]
    search_fields = ["company__code", "company__name"]
    autocomplete_fields = ["company"]
    # 口座振替 moves only through its actions (each posts its notice and audit event).
    readonly_fields = ["direct_debit"]
    actions = ["send_direct_debit_form", "register_direct_debit"]

    def run_on_each(self, request, queryset, service, done: str):
        count = 0
        for account in queryset.select_related("company"):
            try:
                service(company=account.company, staff=request.user)
                count += 1
            except services.BillingError as error:
                self.message_user(request, str(error), messages.WARNING)
        self.message_user(request, f"{count}件{done}", messages.SUCCESS)

    @admin.action(description="申込専用紙を送付", permissions=["change"])
    def send_direct_debit_form(self, request, queryset):
        self.run_on_each(request, queryset, services.send_direct_debit_form, "の口座振替申込専用紙を送付しました。")

    @admin.action(description="口座振替を登録済にする", permissions=["change"])
    def register_direct_debit(self, request, queryset):
        self.run_on_each(request, queryset, services.register_direct_debit, "の口座振替を登録しました。")


class InvoiceLineInline(admin.TabularInline):
    model = InvoiceLine
    fields = ["position", "item", "quantity", "unit_price", "amount_yen", "tax_rate"]
    readonly_fields = ["amount_yen"]
    amount_yen = staticmethod(yen_column("amount", "金額(税抜)"))
    extra = 0

    def has_change_permission(self, request, obj=None):
        return super().has_change_permission(request, obj) and (obj is None or obj.lines_are_editable)

    def has_add_permission(self, request, obj=None):
        return self.has_change_permission(request, obj)

    def has_delete_permission(self, request, obj=None):
        return self.has_change_permission(request, obj)


class PaymentInline(admin.TabularInline):
    model = Payment
    fields = ["paid_on", "amount_yen", "source", "recorded_by", "recorded_at"]
    readonly_fields = fields
    amount_yen = staticmethod(yen_column("amount", "入金額"))
    extra = 0
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(Invoice)
class InvoiceAdmin(admin.ModelAdmin):
    list_display = [
        "number", "company_name", "month_label", "kind", "status", "total_yen", "due_date", "payment_method",
    ]  # fmt: skip
    list_select_related = ["company"]
    list_filter = ["status", "kind", "month", "payment_method"]
    search_fields = ["number", "company__code", "company_name"]
    date_hierarchy = "month"
    inlines = [InvoiceLineInline, PaymentInline]
    change_list_template = "admin/billing/invoice/change_list.html"
    actions = ["confirm_selected", "correct_selected", "record_payment_selected"]
    fields = [
        ("number", "kind", "status"), ("company", "company_name"), ("postal_code", "address"), "month_label",
        ("issued_on", "due_date", "payment_method"), ("subtotal_yen", "tax_yen", "total_yen"), "corrects",
        ("confirmed_at", "paid_on"),
    ]  # fmt: skip
    # The header comes from the close and never changes; a draft's lines may, and its totals follow them.
    readonly_fields = [name for entry in fields for name in (entry if isinstance(entry, tuple) else (entry,))]
    month_label = staticmethod(month_column("month", "請求月"))
    subtotal_yen = staticmethod(yen_column("subtotal", "小計(税抜)"))
    tax_yen = staticmethod(yen_column("tax", "消費税"))
    total_yen = staticmethod(yen_column("total", "請求金額(税込)"))

    def has_add_permission(self, request):
        return False  # invoices come from the monthly close (or a correction)

    def has_delete_permission(self, request, obj=None):
        return False  # numbers have no gaps

    def has_change_permission(self, request, obj=None):
        return super().has_change_permission(request, obj) and (obj is None or obj.lines_are_editable)

    def save_related(self, request, form, formsets, change):
        super().save_related(request, form, formsets, change)
        services.recompute_totals(form.instance)

    def changelist_view(self, request, extra_context=None):
        # The list's links to 月次締め and 銀行入金CSVの取込: Django's list context has no change permission of its own.
        extra_context = {**(extra_context or {}), "can_close_and_import": self.has_change_permission(request)}
        return super().changelist_view(request, extra_context)

    def get_urls(self):
        view = self.admin_site.admin_view
        return [
            path("close/", view(self.close_view), name="billing_invoice_close"),
            path("import-payments/", view(self.import_view), name="billing_invoice_import"),
            *super().get_urls(),
        ]

    def form_page(self, request, form, *, title: str, submit: str):
        context = {**self.admin_site.each_context(request), "opts": self.model._meta, "form": form, "title": title,
                   "submit": submit}  # fmt: skip
        return TemplateResponse(request, "admin/billing/form.html", context)

    def close_view(self, request):
        """月次締め: enqueue the close of a month (a task; safe to start again)."""
        if not self.has_change_permission(request):
            raise PermissionDenied
        form = CloseForm(request.POST or None)
        if request.method == "POST" and form.is_valid():
            month = form.cleaned_data["month"]
            monthly_close_task.enqueue(month=month.isoformat())
            self.message_user(request, f"{month:%Y年%m月}分の月次締めを開始しました。", messages.SUCCESS)
            return redirect("admin:billing_invoice_changelist")
        return self.form_page(request, form, title="月次締め", submit="月次締めを開始する")

    def import_view(self, request):
        """銀行入金CSVの取込: all rows or none."""
        if not self.has_change_permission(request):
            raise PermissionDenied
        form = BankCsvForm(request.POST or None, request.FILES or None)
        if request.method == "POST" and form.is_valid():
            try:
                made = payments.import_bank_csv(data=form.cleaned_data["file"], staff=request.user)
            except payments.ImportRejected as rejected:
                form.add_error("file", ["取り込みませんでした。", *rejected.problems])
            else:
                self.message_user(request, f"{len(made)}件の入金を登録しました。", messages.SUCCESS)
                return redirect("admin:billing_invoice_changelist")
        return self.form_page(request, form, title="銀行入金CSVの取込", submit="取り込む")

    def run_on_each(self, request, queryset, action, done: str):
        count = 0
        for invoice in queryset.order_by("pk"):
            try:
                action(invoice)
                count += 1
            except services.BillingError as error:
                self.message_user(request, str(error), messages.WARNING)
        self.message_user(request, f"{count}件{done}", messages.SUCCESS)

    @admin.action(description="選択された請求書を確定", permissions=["change"])
    def confirm_selected(self, request, queryset):
        self.run_on_each(
            request, queryset, lambda invoice: services.confirm(invoice=invoice, staff=request.user),
            "の請求書を確定しました。",
        )  # fmt: skip

    @admin.action(description="訂正する（赤伝と訂正用の下書きを作成）", permissions=["change"])
    def correct_selected(self, request, queryset):
        def correct(invoice):
            services.correct(invoice=invoice, staff=request.user, reason="センター管理画面から訂正")

        self.run_on_each(request, queryset, correct, "の請求書について赤伝と訂正用の下書きを作成しました。")

    @admin.action(description="入金を記録（本日・請求金額）", permissions=["change"])
    def record_payment_selected(self, request, queryset):
        def pay(invoice):
            payments.record_payment(invoice=invoice, amount=invoice.total, paid_on=today(), staff=request.user)

        self.run_on_each(request, queryset, pay, "の入金を記録しました。")
