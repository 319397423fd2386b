"""Remember when this session logged in (for 「YYYY/MM/DD HH:MMからログイン中」)."""

import time

from django.contrib.auth.signals import user_logged_in
from django.dispatch import receiver
from django.utils import timezone

from .middleware import LAST_SEEN_KEY

LOGIN_AT_KEY = "login_at"


@receiver(user_logged_in)
def remember_login_time(sender, request, user, **kwargs):
    if request is not None and hasattr(request, "session"):
        request.session[LOGIN_AT_KEY] = timezone.now().isoformat()
        request.session[LAST_SEEN_KEY] = time.time()
