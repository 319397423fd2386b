from django.contrib import admin
from django.contrib.auth.admin import GroupAdmin as DjangoGroupAdmin
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.contrib.auth.models import Group
from django.core.exceptions import PermissionDenied

from naccs.lib.admin import ReadOnlyAdmin

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


# What makes a staff member powerful: a non-superuser who could set these could give themselves anything (issue 24 #2).
SUPERUSER_ONLY_FIELDS = frozenset({"is_superuser", "is_staff", "groups", "user_permissions"})


def manages_privileges(user) -> bool:
    """Only a superuser grants or takes away staff status, superuser status, roles (groups) and permissions."""
    return user.is_active and user.is_superuser


@admin.register(User)
class UserAdmin(DjangoUserAdmin):
    list_display = [
        "username", "last_name", "first_name", "company", "office", "is_company_administrator", "is_staff", "is_active"
    ]  # fmt: skip
    list_select_related = ["company", "office"]
    list_filter = ["is_staff", "is_active", "is_company_administrator", "company"]
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
                    "is_company_administrator",
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

    def get_fieldsets(self, request, obj=None):
        # The form is built from these fieldsets, so a field left out is neither shown nor taken from a POST.
        fieldsets = super().get_fieldsets(request, obj)
        if manages_privileges(request.user):
            return fieldsets
        return tuple(
            (name, {**options, "fields": tuple(f for f in options["fields"] if f not in SUPERUSER_ONLY_FIELDS)})
            for name, options in fieldsets
        )

    def has_change_permission(self, request, obj=None):
        # A staff account (another one's or one's own) is a superuser's to change: otherwise a user manager could
        # take over a colleague with more rights by changing their mail or deactivate them.
        if obj is not None and (obj.is_staff or obj.is_superuser) and not manages_privileges(request.user):
            return False
        return super().has_change_permission(request, obj)

    def has_delete_permission(self, request, obj=None):
        if obj is not None and (obj.is_staff or obj.is_superuser) and not manages_privileges(request.user):
            return False
        return super().has_delete_permission(request, obj)

    def user_change_password(self, request, id, form_url=""):
        # Whoever sets a password can log in as that user: the change permission is not enough.
        if not request.user.has_perm("accounts.set_user_password"):
            raise PermissionDenied
        return super().user_change_password(request, id, form_url)


admin.site.unregister(Group)


@admin.register(Group)
class GroupAdmin(DjangoGroupAdmin):
    """The staff roles (issue 24 #6): only a superuser adds, changes or deletes one, so no member can widen
    their own role."""

    def has_add_permission(self, request):
        return manages_privileges(request.user)

    def has_change_permission(self, request, obj=None):
        return manages_privileges(request.user)

    def has_delete_permission(self, request, obj=None):
        return manages_privileges(request.user)


@admin.register(FailureCount)
class FailureCountAdmin(ReadOnlyAdmin, admin.ModelAdmin):
    """The counts of failed anonymous 取得 and logins per key and window (the rate limits' rows), read-only."""

    list_display = ["window_start", "scope", "key", "failures", "refused"]
    list_filter = ["scope", "window_start"]
    search_fields = ["key"]
    date_hierarchy = "window_start"
