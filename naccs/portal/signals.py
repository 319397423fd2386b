"""Retire the cached news fragments when a news item changes."""

from django.db import transaction
from django.db.models.signals import post_delete, post_save
from django.dispatch import receiver

from .models import NewsItem
from .selectors import new_news_version


@receiver([post_save, post_delete], sender=NewsItem)
def retire_cached_news(sender, **kwargs):
    new_news_version()
    # Once more after the commit: a request reading before it may have cached the old news under the new version.
    transaction.on_commit(new_news_version)
