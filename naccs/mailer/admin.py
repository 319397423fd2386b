from django.contrib import admin

from .models import OutboundMail


@admin.register(OutboundMail)
class OutboundMailAdmin(admin.ModelAdmin):
    list_display = ["created_at", "to", "subject", "status", "attempts", "sent_at"]
    list_filter = ["status"]
    search_fields = ["to", "subject"]
    readonly_fields = [field.name for field in OutboundMail._meta.fields]

    def has_add_permission(self, request):
        return False
