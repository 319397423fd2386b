from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin

from .models import Company, FailureCount, Office, User


class OfficeInline(admin.TabularInline):
    model = Office
    extra = 0


@admin.register(Company)
class CompanyAdmin(admin.ModelAdmin):
    list_display = ["code", "name"]
    search_fields = ["code", "name"]
    inlines = [OfficeInline]


@admin.register(Office)
class OfficeAdmin(admin.ModelAdmin):
    list_display = ["name", "company"]
    list_select_related = ["company"]
    search_fields = ["name", "company__code", "company__name"]


@admin.register(User)
class UserAdmin(DjangoUserAdmin):
    list_display = ["username", "last_name", "first_name", "company", "office", "is_staff", "is_active"]
    list_select_related = ["company", "office"]
    list_filter = ["is_staff", "is_active", "company"]
    search_fields = ["username", "last_name", "first_name", "email", "company__code"]
    autocomplete_fields = ["company", "office"]
    fieldsets = (
        *DjangoUserAdmin.fieldsets,
        (
            "所属と申込担当者情報",
            {
                "fields": (
                    "company",
                    "office",
                    "last_name_kana",
                    "first_name_kana",
                    "department",
                    "job_title",
                    "phone",
                    "fax",
                )
            },
        ),
    )


@admin.register(FailureCount)
class FailureCountAdmin(admin.ModelAdmin):
    """The counts of failed anonymous 取得 and logins per key and window (the rate limits' rows), read-only."""

    list_display = ["window_start", "scope", "key", "failures", "refused"]
    list_filter = ["scope", "window_start"]
    search_fields = ["key"]
    date_hierarchy = "window_start"

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
