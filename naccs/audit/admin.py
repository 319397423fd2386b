import csv

from django.contrib import admin
from django.http import HttpResponse
from django.utils import timezone

from naccs.lib.admin import ReadOnlyAdmin

from .models import AuditEvent

CSV_FIELDS = [
    "created_at",
    "actor_label",
    "company",
    "action",
    "object_type",
    "object_id",
    "before",
    "after",
    "details",
]


@admin.register(AuditEvent)
class AuditEventAdmin(ReadOnlyAdmin, admin.ModelAdmin):
    list_display = ["created_at", "action", "actor_label", "company", "object_type", "object_id", "before", "after"]
    list_filter = ["action", "object_type", "company", "created_at"]
    list_select_related = ["company"]
    search_fields = ["action", "actor_label", "object_id", "company__code"]
    date_hierarchy = "created_at"
    actions = ["export_csv"]

    # Read-only (ReadOnlyAdmin): the audit trail is written by services, never edited.

    @admin.action(description="選択された監査ログをCSVで出力")
    def export_csv(self, request, queryset):
        response = HttpResponse(content_type="text/csv; charset=utf-8")
        stamp = timezone.localtime().strftime("%Y%m%d%H%M%S")
        response["Content-Disposition"] = f'attachment; filename="audit-{stamp}.csv"'
        response.write("\ufeff")  # BOM, so that Excel reads the Japanese text
        writer = csv.writer(response)
        writer.writerow([AuditEvent._meta.get_field(name).verbose_name for name in CSV_FIELDS])
        for event in queryset.select_related("company").order_by("created_at", "id").iterator():
            writer.writerow(
                [
                    timezone.localtime(event.created_at).strftime("%Y/%m/%d %H:%M:%S"),
                    event.actor_label,
                    event.company.code if event.company else "",
                    event.action,
                    event.object_type,
                    event.object_id,
                    event.before,
                    event.after,
                    event.details,
                ]
            )
        return response
