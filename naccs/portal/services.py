"""Posting 新着情報."""

from django.utils import timezone

from .models import NewsItem


def post_news(*, company, category, text: str, body: str = "", link: str = "") -> NewsItem:
    return NewsItem.objects.create(
        company=company, category=category, text=text, body=body, link=link, published_at=timezone.now()
    )
