from django.contrib import admin

from .models import ReissueApplication, ReissueApplicationTerminal


class LineInline(admin.TabularInline):
    model = ReissueApplicationTerminal
    extra = 0
    raw_id_fields = ["terminal"]


@admin.register(ReissueApplication)
class ReissueApplicationAdmin(admin.ModelAdmin):
    list_display = ["receipt_number", "company", "status", "desired_date", "submitted_at"]
    list_filter = ["status", "desired_date"]
    list_select_related = ["company"]
    search_fields = ["receipt_number", "company__code", "lines__terminal__name"]
    inlines = [LineInline]
