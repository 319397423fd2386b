"""Reads of 新着情報, always scoped to one company plus the notices for all."""

from django.db.models import Q, QuerySet

from .models import NewsItem

HOME_NEWS_COUNT = 10


def news_for(company) -> QuerySet[NewsItem]:
    """The company's own notices and those for every company (a page shows the company's code from its own row)."""
    return NewsItem.objects.filter(Q(company=company) | Q(company__isnull=True))


def latest_news(company) -> QuerySet[NewsItem]:
    """The home page's list: the newest HOME_NEWS_COUNT, with what the list shows."""
    return news_for(company).only("company_id", "category", "text", "published_at")[:HOME_NEWS_COUNT]
