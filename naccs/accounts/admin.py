from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin

from .models import Company, Office, User


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
