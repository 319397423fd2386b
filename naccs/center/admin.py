"""The center's back office for 申込 (/center/): list, filters, search, detail with history, review actions.

Review goes through the lifecycle (naccs.applications.lifecycle), as the company's own actions do."""

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse
from django.urls import path, reverse

from naccs.applications import lifecycle
from naccs.applications.broker_ids import logins
from naccs.applications.models import (
    Application,
    BrokerLine,
    ContractChange,
    ContractChangeLine,
    Reissue,
    ReissueLine,
    SystemSettings,
    SystemSettingsLine,
)
from naccs.audit.services import record
from naccs.terminals.admin import CertificateInline, TerminalSettingInline
from naccs.terminals.models import LogicalTerminal
from naccs.terminals.provisioning import new_auth_code

from .history import application_history


class ReissueInline(admin.StackedInline):
    """The reason of a reissue 申込."""

    model = Reissue
    fields = ["reason", "reason_text"]
    readonly_fields = fields
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False


class LineInline(admin.TabularInline):
    """The terminals of a reissue 申込."""

    model = ReissueLine
    extra = 0
    fields = ["terminal", "terminal_category", "terminal_device", "processed_at"]
    readonly_fields = fields
    can_delete = False

    def get_queryset(self, request):
        # Each row shows its terminal and its title (the 申込 and the terminal): one query for all, not one per row.
        return super().get_queryset(request).select_related("application", "terminal")

    @admin.display(description="区分")
    def terminal_category(self, line):
        return line.terminal.get_category_display()

    @admin.display(description="利用機器区分")
    def terminal_device(self, line):
        return line.terminal.get_device_type_display()

    def has_add_permission(self, request, obj=None):
        return False


class BrokerLineInline(admin.TabularInline):
    """The 通関士 of a 通関士IDの追加 申込, with the 利用者ID each got at the approval."""

    model = BrokerLine
    extra = 0
    fields = ["last_name", "first_name", "registration_number", "office", "email", "user", "activated_at"]
    readonly_fields = fields
    can_delete = False

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("application", "office", "user")

    def has_add_permission(self, request, obj=None):
        return False


class DecisionForm(forms.Form):
    DECISIONS = [("approve", "承認"), ("request_info", "確認事項を送る"), ("reject", "却下")]
    DONE = {"approve": "を承認しました", "request_info": "に確認事項を送信しました", "reject": "を却下しました"}
    decision = forms.ChoiceField(label="操作", choices=DECISIONS)
    message = forms.CharField(
        label="確認事項・却下理由", required=False, max_length=2000, widget=forms.Textarea(attrs={"rows": 4})
    )

    def clean_message(self):
        return self.cleaned_data["message"].strip()

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("decision") in ("request_info", "reject") and not cleaned.get("message"):
            label = "確認事項" if cleaned["decision"] == "request_info" else "却下理由"
            self.add_error("message", f"{label}を入力してください。")
        return cleaned


class ReadOnlyInline:
    """A kind's rows as the company entered them: the center reviews them, it never edits them."""

    extra = 0
    can_delete = False

    def get_readonly_fields(self, request, obj=None):
        return self.fields

    def has_add_permission(self, request, obj=None):
        return False


class ContractChangeInline(ReadOnlyInline, admin.StackedInline):
    """The company details a 契約内容の変更 asks for."""

    model = ContractChange
    fields = ["company_name", "address", "representative", "phone", "carried_out_at"]


class ContractChangeLineInline(ReadOnlyInline, admin.TabularInline):
    """The 事業所 and 論理端末 a 契約内容の変更 adds or removes."""

    model = ContractChangeLine
    fields = ["action", "office_name", "office", "terminal", "category", "device_type"]

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("application", "office", "terminal")


class SystemSettingsInline(ReadOnlyInline, admin.StackedInline):
    model = SystemSettings
    fields = ["notification_addresses", "carried_out_at"]


class SystemSettingsLineInline(ReadOnlyInline, admin.TabularInline):
    """Each terminal's settings as asked for."""

    model = SystemSettingsLine
    fields = ["terminal", "groups", "mail_outputs"]

    def get_queryset(self, request):
        return (
            super().get_queryset(request).select_related("application", "terminal").prefetch_related("business_groups")
        )

    @admin.display(description="利用する業務")
    def groups(self, line):
        return "、".join(item.name for item in line.business_groups.all())


# Each kind's own rows, shown under the 申込.
KIND_INLINES = {
    Application.Kind.REISSUE: [ReissueInline, LineInline],
    Application.Kind.BROKER_IDS: [BrokerLineInline],
    Application.Kind.CONTRACT_CHANGE: [ContractChangeInline, ContractChangeLineInline],
    Application.Kind.SYSTEM_SETTINGS: [SystemSettingsInline, SystemSettingsLineInline],
}


@admin.register(Application)
class ApplicationAdmin(admin.ModelAdmin):
    list_display = ["receipt_number", "kind", "company", "status", "desired_date", "submitted_at", "decided_at"]
    list_filter = ["kind", "status", "desired_date", "company"]
    list_select_related = ["company"]
    # A terminal's name finds every 申込 that names it, whatever its kind.
    search_fields = [
        "receipt_number",
        "company__code",
        "reissue_lines__terminal__name",
        "broker_lines__last_name",
        "broker_lines__registration_number",
        "contract_change_lines__terminal__name",
        "system_settings_lines__terminal__name",
    ]
    date_hierarchy = "desired_date"
    actions = ["approve_selected"]
    change_form_template = "center/application_change_form.html"
    fieldsets = [
        (
            "申込",
            {"fields": ["receipt_number", "kind", "company", "status", "submitted_at", "decided_at", "completed_at"]},
        ),
        (
            "申込担当者",
            {
                "fields": [
                    ("applicant_last_name", "applicant_first_name"),
                    ("applicant_last_name_kana", "applicant_first_name_kana"),
                    "applicant_department",
                    "applicant_job_title",
                    ("applicant_phone", "applicant_fax"),
                    "applicant_email",
                    "created_by",
                ]
            },
        ),
        ("審査", {"fields": ["desired_date", "center_message"]}),
    ]
    # Everything shown is read only: the center changes a 申込 through the lifecycle (decide_view), never by editing.
    readonly_fields = [
        name
        for _, options in fieldsets
        for entry in options["fields"]
        for name in (entry if isinstance(entry, tuple) else (entry,))
    ]

    def get_inlines(self, request, obj):
        return KIND_INLINES.get(obj.kind, []) if obj is not None else []

    def get_search_results(self, request, queryset, search_term):
        queryset, may_have_duplicates = super().get_search_results(request, queryset, search_term)
        return queryset, True if search_term else may_have_duplicates

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    def get_urls(self):
        urls = super().get_urls()
        decide = path(
            "<int:pk>/decide/",
            self.admin_site.admin_view(self.decide_view),
            name="applications_application_decide",
        )
        return [decide, *urls]

    def change_view(self, request, object_id, form_url="", extra_context=None):
        extra_context = {
            **(extra_context or {}),
            "show_save": False,
            "show_save_and_continue": False,
            "show_save_and_add_another": False,
        }
        obj = self.get_object(request, object_id)
        if obj is not None:
            extra_context["history"] = application_history(obj)
            extra_context["decision_form"] = DecisionForm()
            extra_context["can_decide"] = obj.status == Application.Status.SUBMITTED
        return super().change_view(request, object_id, form_url, extra_context)

    def decide_view(self, request, pk):
        if not self.has_change_permission(request):
            raise PermissionDenied
        application = get_object_or_404(Application, pk=pk)
        change_url = reverse("admin:applications_application_change", args=[pk])
        if request.method != "POST":
            return redirect(change_url)
        form = DecisionForm(request.POST)
        if not form.is_valid():
            context = {
                **self.admin_site.each_context(request),
                "opts": self.model._meta,
                "original": application,
                "form": form,
                "title": f"{application} の審査",
            }
            return TemplateResponse(request, "center/decide.html", context, status=200)
        decision, message = form.cleaned_data["decision"], form.cleaned_data["message"]
        try:
            if decision == "approve":
                outcome = lifecycle.approve(application=application, actor=request.user)
            elif decision == "request_info":
                outcome = lifecycle.request_info(application=application, actor=request.user, message=message)
            else:
                outcome = lifecycle.reject(application=application, actor=request.user, reason=message)
        except lifecycle.TransitionRefused as refusal:  # what the kind does at the approval cannot be done
            self.message_user(request, str(refusal), messages.ERROR)
            return redirect(change_url)
        if outcome.changed:
            self.message_user(request, f"{application}{DecisionForm.DONE[decision]}。", messages.SUCCESS)
        else:
            self.message_user(request, outcome.message, messages.WARNING)
        return redirect(change_url)

    @admin.action(description="選択された申込を承認", permissions=["change"])
    def approve_selected(self, request, queryset):
        done = 0
        for pk in queryset.order_by("pk").values_list("pk", flat=True):
            try:
                outcome = lifecycle.approve(application=pk, actor=request.user)
            except lifecycle.TransitionRefused as refusal:
                self.message_user(request, str(refusal), messages.ERROR)
                continue
            if outcome.changed:
                done += 1
            else:
                self.message_user(request, outcome.message, messages.WARNING)
        self.message_user(request, f"{done}件の申込を承認しました。", messages.SUCCESS)


@admin.register(BrokerLine)
class BrokerLineAdmin(admin.ModelAdmin):
    """追加した通関士: each 通関士 of a 通関士IDの追加 申込 and their login; the set-password link can be sent again."""

    list_display = ["user", "last_name", "first_name", "registration_number", "office", "application", "activated_at"]
    list_select_related = ["user", "office", "application"]
    search_fields = ["user__username", "last_name", "first_name", "registration_number", "application__receipt_number"]
    list_filter = ["application__company"]
    actions = ["resend_set_password_link"]
    fields = [*list_display, "last_name_kana", "first_name_kana", "email"]
    readonly_fields = fields

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    @admin.action(description="パスワード設定の案内を再送信", permissions=["change"])
    def resend_set_password_link(self, request, queryset):
        sent = 0
        for line in queryset.filter(user__isnull=False).select_related("user"):
            if logins.send_set_password_link(line.user, actor=request.user):
                sent += 1
            else:
                self.message_user(
                    request, f"{line.user.username}は利用開始前か、パスワードを設定済みです。", messages.WARNING
                )
        self.message_user(request, f"{sent}名にパスワード設定の案内を再送信しました。", messages.SUCCESS)


def may_see_auth_codes(user) -> bool:
    """The 認証コード let anyone 取得 the terminal's certificate: shown (or set) only with their own permission."""
    return user.has_perm("terminals.view_auth_codes")


@admin.register(LogicalTerminal)
class LogicalTerminalAdmin(admin.ModelAdmin):
    """論理端末. Its 認証コード are left out of the form (neither shown nor read from a POST) without
    `terminals.view_auth_codes`; with it, each showing of the page is an audit event (issue 24 #3)."""

    list_display = ["name", "company", "category", "device_type", "is_active"]
    list_filter = ["category", "device_type", "is_active"]
    list_select_related = ["company"]
    search_fields = ["name", "company__code", "company__name"]
    autocomplete_fields = ["company", "office"]
    inlines = [CertificateInline, TerminalSettingInline]

    def get_exclude(self, request, obj=None):
        return [] if may_see_auth_codes(request.user) else list(LogicalTerminal.AUTH_CODE_FIELDS)

    def save_model(self, request, obj, form, change):
        for field in LogicalTerminal.AUTH_CODE_FIELDS:
            if not getattr(obj, field):  # a terminal added by someone who may not see codes: new ones, unseen
                setattr(obj, field, new_auth_code())
        super().save_model(request, obj, form, change)

    def change_view(self, request, object_id, form_url="", extra_context=None):
        response = super().change_view(request, object_id, form_url, extra_context)
        shown = getattr(response, "context_data", {}).get("original")
        if shown is not None and may_see_auth_codes(request.user) and response.status_code == 200:
            record(
                action="terminal.auth_codes_shown",
                actor=request.user,
                company=shown.company,
                obj=shown,
                terminal=shown.name,
            )
        return response
