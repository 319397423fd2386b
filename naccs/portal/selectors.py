"""Reads of 新着情報, always scoped to one company plus the notices for all."""

from django.db.models import Q, QuerySet

from .models import NewsItem

HOME_NEWS_COUNT = 10
# Part of the key of every cached news fragment; signals.py replaces it whenever any news item changes, which retires
# them all at once (a notice for all companies touches every company's list).
NEWS_VERSION_KEY = "portal:news-version"


def news_for(company) -> QuerySet[NewsItem]:
    return NewsItem.objects.filter(Q(company=company) | Q(company__isnull=True)).select_related("company")
