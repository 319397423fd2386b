from django.contrib import admin

from naccs.lib.admin import ReadOnlyAdmin

from .models import Certificate, NotificationAddress, SettingItem, TerminalSetting

# LogicalTerminal's admin lives in naccs/center/admin.py: showing its 認証コード is audited, and terminals sits below
# audit (docs/architecture.md).


class CertificateInline(admin.TabularInline):
    model = Certificate
    extra = 0
    fields = ["serial", "not_before", "not_after", "revoked_at", "revocation_reason"]
    readonly_fields = fields
    can_delete = False
    show_change_link = True


class TerminalSettingInline(admin.TabularInline):
    """The terminal's current システム設定: set by an approved システム設定の申込 (or by the center here)."""

    model = TerminalSetting
    extra = 0
    fields = ["item", "delivery_mail"]

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("item")


@admin.register(SettingItem)
class SettingItemAdmin(admin.ModelAdmin):
    """The catalogue of システム設定: the center adds a 業務グループ or a kind of 出力情報 here, no code change."""

    list_display = ["code", "name", "kind", "order", "is_active"]
    list_editable = ["order", "is_active"]
    list_filter = ["kind", "is_active"]
    search_fields = ["code", "name"]


@admin.register(NotificationAddress)
class NotificationAddressAdmin(admin.ModelAdmin):
    list_display = ["email", "company"]
    list_select_related = ["company"]
    search_fields = ["email", "company__code", "company__name"]
    autocomplete_fields = ["company"]


@admin.register(Certificate)
class CertificateAdmin(ReadOnlyAdmin, admin.ModelAdmin):
    list_display = ["serial", "terminal", "not_before", "not_after", "revoked_at"]
    list_filter = ["revocation_reason"]
    list_select_related = ["terminal"]
    search_fields = ["serial", "terminal__name"]
    # Certificates change only through the CA's services (issue, revoke), never by hand (ReadOnlyAdmin): a CA
    # never forgets what it issued or revoked, not even for a superuser.
    readonly_fields = [f.name for f in Certificate._meta.fields]
