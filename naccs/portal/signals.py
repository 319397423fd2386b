"""Retire the cached news fragments when a news item changes."""

from django.db.models.signals import post_delete, post_save
from django.dispatch import receiver

from naccs.lib.versions import retire

from .models import NewsItem
from .selectors import NEWS_VERSION_KEY


@receiver([post_save, post_delete], sender=NewsItem)
def retire_cached_news(sender, **kwargs):
    retire(NEWS_VERSION_KEY)
