"""Remember when this session logged in (for 「YYYY/MM/DD HH:MMからログイン中」); forget cached users that change."""

import time

from django.contrib.auth.signals import user_logged_in
from django.core.cache import cache
from django.db import transaction
from django.db.models.signals import post_delete, post_save
from django.dispatch import receiver
from django.utils import timezone

from .backends import user_cache_key
from .middleware import LAST_SEEN_KEY
from .models import Company, Office, User

LOGIN_AT_KEY = "login_at"


@receiver(user_logged_in)
def remember_login_time(sender, request, user, **kwargs):
    if request is not None and hasattr(request, "session"):
        request.session[LOGIN_AT_KEY] = timezone.now().isoformat()
        request.session[LAST_SEEN_KEY] = time.time()


def forget_cached_users(user_ids) -> None:
    keys = [user_cache_key(user_id) for user_id in user_ids]
    cache.delete_many(keys)
    # Once more after the commit: a request reading before it may have cached the old row again.
    transaction.on_commit(lambda: cache.delete_many(keys))


@receiver([post_save, post_delete], sender=User)
def forget_user(sender, instance, **kwargs):
    forget_cached_users([instance.pk])


@receiver([post_save, post_delete], sender=Company)
def forget_company_users(sender, instance, **kwargs):
    # The company's name is shown on every page; a cached user carries the company row.
    forget_cached_users(User.objects.filter(company=instance).values_list("pk", flat=True))


@receiver([post_save, post_delete], sender=Office)
def forget_office_users(sender, instance, **kwargs):
    forget_cached_users(User.objects.filter(office=instance).values_list("pk", flat=True))
