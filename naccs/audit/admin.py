from django.contrib import admin

from .models import AuditEvent


@admin.register(AuditEvent)
class AuditEventAdmin(admin.ModelAdmin):
    list_display = ["created_at", "action", "actor_label", "company", "object_type", "object_id"]
    list_filter = ["action", "object_type"]
    list_select_related = ["company"]
    search_fields = ["action", "actor_label", "object_id", "company__code"]
    date_hierarchy = "created_at"

    # Read-only: the audit trail is written by services, never edited.
    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
