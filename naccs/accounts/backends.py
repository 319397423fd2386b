"""The password backend, loading the signed-in user's company and office with the user (every page shows them).

The user is read from the database on every request, never from a cache: deactivating or deleting a user in any
way (admin, QuerySet.update, SQL) ends their sessions at their next request.
"""

from django.contrib.auth.backends import ModelBackend

from .models import User


class PortalBackend(ModelBackend):
    def get_user(self, user_id):
        try:
            user = User.objects.select_related("company", "office").get(pk=user_id)
        except User.DoesNotExist:
            return None
        return user if self.user_can_authenticate(user) else None
