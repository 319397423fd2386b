"""Posting 新着情報."""

from django.utils import timezone

from .models import NewsItem


def post_news(*, company, category, text: str, body: str = "", link: str = "", now=None) -> NewsItem:
    """`now`: when it is published (the moment of the change it announces; now by default)."""
    return NewsItem.objects.create(
        company=company, category=category, text=text, body=body, link=link, published_at=now or timezone.now()
    )
