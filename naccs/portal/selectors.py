"""Reads of 新着情報, always scoped to one company plus the notices for all."""

from django.db.models import Q, QuerySet

from .models import NewsItem

HOME_NEWS_COUNT = 10


def news_for(company) -> QuerySet[NewsItem]:
    return NewsItem.objects.filter(Q(company=company) | Q(company__isnull=True)).select_related("company")
