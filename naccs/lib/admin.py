"""What the back office shows of rows that only services write."""


class ReadOnlyAdmin:
    """A ModelAdmin mixin (before admin.ModelAdmin): the rows are listed and shown, never added, changed or deleted
    by hand, not even by a superuser."""

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
