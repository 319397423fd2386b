from django.contrib import admin

from .models import Certificate, LogicalTerminal


class CertificateInline(admin.TabularInline):
    model = Certificate
    extra = 0
    fields = ["serial", "not_before", "not_after", "revoked_at", "revocation_reason"]
    readonly_fields = fields
    can_delete = False
    show_change_link = True


@admin.register(LogicalTerminal)
class LogicalTerminalAdmin(admin.ModelAdmin):
    list_display = ["name", "company", "category", "device_type", "auth_code1", "is_active"]
    list_filter = ["category", "device_type", "is_active"]
    list_select_related = ["company"]
    search_fields = ["name", "company__code", "company__name"]
    autocomplete_fields = ["company", "office"]
    inlines = [CertificateInline]


@admin.register(Certificate)
class CertificateAdmin(admin.ModelAdmin):
    list_display = ["serial", "terminal", "not_before", "not_after", "revoked_at"]
    list_filter = ["revocation_reason"]
    list_select_related = ["terminal"]
    search_fields = ["serial", "terminal__name"]
    # Certificates change only through the CA's services (issue, revoke), never by hand.
    readonly_fields = [f.name for f in Certificate._meta.fields]

    def has_add_permission(self, request):
        return False
