from django.contrib import admin

from .models import NewsItem


@admin.register(NewsItem)
class NewsItemAdmin(admin.ModelAdmin):
    list_display = ["published_at", "category", "company", "text"]
    list_filter = ["category"]
    list_select_related = ["company"]
    search_fields = ["text", "company__code"]
    autocomplete_fields = ["company"]
    date_hierarchy = "published_at"
