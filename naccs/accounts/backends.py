"""The password backend, loading the user's company and office with the user (every page shows them).

Every request of a signed-in user needs that row, so it is kept in the shared cache; signals.py drops it whenever
the user, their company or their office is saved or deleted, and it expires on its own after USER_CACHE_SECONDS.
"""

from django.contrib.auth import get_user_model
from django.contrib.auth.backends import ModelBackend
from django.core.cache import cache

USER_CACHE_SECONDS = 300


def user_cache_key(user_id) -> str:
    return f"accounts:user:{user_id}"


class PortalBackend(ModelBackend):
    def get_user(self, user_id):
        key = user_cache_key(user_id)
        user = cache.get(key)
        if user is None:
            user = get_user_model()._default_manager.select_related("company", "office").filter(pk=user_id).first()
            if user is not None:
                cache.set(key, user, USER_CACHE_SECONDS)
        return user if user is not None and self.user_can_authenticate(user) else None
