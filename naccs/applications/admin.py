"""The center's back office for 申込 (/center/): list, filters, search, detail with history, review actions."""

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse
from django.urls import path, reverse

from naccs.audit.models import AuditEvent

from .models import ReissueApplication, ReissueApplicationTerminal


class LineInline(admin.TabularInline):
    model = ReissueApplicationTerminal
    extra = 0
    fields = ["terminal", "terminal_category", "terminal_device", "processed_at"]
    readonly_fields = fields
    can_delete = False

    @admin.display(description="区分")
    def terminal_category(self, line):
        return line.terminal.get_category_display()

    @admin.display(description="利用機器区分")
    def terminal_device(self, line):
        return line.terminal.get_device_type_display()

    def has_add_permission(self, request, obj=None):
        return False


class DecisionForm(forms.Form):
    DECISIONS = [("approve", "承認"), ("request_info", "確認事項を送る"), ("reject", "却下")]
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


@admin.register(ReissueApplication)
class ReissueApplicationAdmin(admin.ModelAdmin):
    list_display = ["receipt_number", "company", "status", "desired_date", "reason", "submitted_at", "decided_at"]
    list_filter = ["status", "desired_date", "company"]
    list_select_related = ["company"]
    search_fields = ["receipt_number", "company__code", "lines__terminal__name"]
    date_hierarchy = "desired_date"
    inlines = [LineInline]
    actions = ["approve_selected"]
    change_form_template = "center/application_change_form.html"
    readonly_fields = [
        "receipt_number",
        "company",
        "created_by",
        "status",
        "applicant_last_name",
        "applicant_first_name",
        "applicant_last_name_kana",
        "applicant_first_name_kana",
        "applicant_department",
        "applicant_job_title",
        "applicant_phone",
        "applicant_fax",
        "applicant_email",
        "desired_date",
        "reason",
        "reason_text",
        "center_message",
        "submitted_at",
        "decided_at",
        "completed_at",
    ]
    fieldsets = [
        ("申込", {"fields": ["receipt_number", "company", "status", "submitted_at", "decided_at", "completed_at"]}),
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
        ("再発行", {"fields": ["desired_date", "reason", "reason_text", "center_message"]}),
    ]

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
            name="applications_reissueapplication_decide",
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
            extra_context["history_events"] = AuditEvent.objects.filter(
                object_type=ReissueApplication._meta.label, object_id=str(obj.pk)
            ).select_related("actor")
            extra_context["decision_form"] = DecisionForm()
            extra_context["can_decide"] = obj.status == ReissueApplication.Status.SUBMITTED
        return super().change_view(request, object_id, form_url, extra_context)

    def decide_view(self, request, pk):
        from naccs.center import services

        if not self.has_change_permission(request):
            raise PermissionDenied
        application = get_object_or_404(ReissueApplication, pk=pk)
        change_url = reverse("admin:applications_reissueapplication_change", args=[pk])
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
        if decision == "approve":
            outcome = services.approve(application=application, actor=request.user)
        elif decision == "request_info":
            outcome = services.request_info(application=application, actor=request.user, message=message)
        else:
            outcome = services.reject(application=application, actor=request.user, reason=message)
        self.message_user(request, outcome.message, messages.SUCCESS if outcome.changed else messages.WARNING)
        return redirect(change_url)

    @admin.action(description="選択された申込を承認")
    def approve_selected(self, request, queryset):
        from naccs.center import services

        done = skipped = 0
        for pk in queryset.order_by("pk").values_list("pk", flat=True):
            outcome = services.approve(application=pk, actor=request.user)
            if outcome.changed:
                done += 1
            else:
                skipped += 1
                self.message_user(request, outcome.message, messages.WARNING)
        self.message_user(request, f"{done}件の申込を承認しました。", messages.SUCCESS)
