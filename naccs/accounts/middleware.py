"""Idle timeout: log out a session that has been left alone longer than SESSION_IDLE_TIMEOUT_MINUTES."""

import time

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import logout
from django.shortcuts import redirect
from django.urls import reverse

LAST_SEEN_KEY = "last_seen"
# Saving the session on every request would write to the database each time; a minute's precision is enough.
LAST_SEEN_PRECISION_SECONDS = 60


class IdleTimeoutMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if request.user.is_authenticated:
            now = time.time()
            last_seen = request.session.get(LAST_SEEN_KEY, now)
            if now - last_seen > settings.SESSION_IDLE_TIMEOUT_MINUTES * 60:
                logout(request)
                messages.info(
                    request,
                    f"{settings.SESSION_IDLE_TIMEOUT_MINUTES}分間操作がなかったため、ログアウトしました。"
                    "再度ログインしてください。",
                )
                return redirect(f"{reverse('accounts:login')}?next={request.path}")
            if now - last_seen >= LAST_SEEN_PRECISION_SECONDS or LAST_SEEN_KEY not in request.session:
                request.session[LAST_SEEN_KEY] = now
        return self.get_response(request)
