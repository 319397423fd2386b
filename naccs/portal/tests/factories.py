from datetime import timedelta

from django.utils import timezone

from naccs.portal.models import NewsItem


def make_news(company, text, *, days_ago=0, category=NewsItem.Category.APPLICATION, **fields):
    return NewsItem.objects.create(
        company=company,
        text=text,
        category=category,
        published_at=timezone.now() - timedelta(days=days_ago),
        **fields,
    )
