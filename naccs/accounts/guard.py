"""Every password check of the portal (login and password change) goes through `check_password`.

Before anything is hashed, the attempt is counted against two limits (naccs/accounts/limits.py): failures per client
address (a flood of random 利用者ID from one address stops there, unhashed) and failures per 利用者ID from any address
(slower: a guess spread over many addresses). django-axes then refuses a (利用者ID, address) locked after five wrong
passwords, still before hashing. At most PASSWORD_CHECKS_AT_ONCE checks hash at once in one process: argon2 takes
19 MiB and one core each, so a flood can neither grow a process without bound nor take every core from the
requests that do not log in. The semaphore is per process (gunicorn's sync workers run one request at a time, so
it matters with threaded workers and the development server); the limits are rows in the shared database.

A browser that has logged in as a 利用者ID before carries a device cookie for it (OWASP, "Slow Down Online Guessing
Attacks with Device Cookies"): its logins as that ID are not held up by what strangers do, neither by the limits per
address and per 利用者ID nor by a queue of their hashes (it has a hashing slot of its own); its failures are counted
against the cookie itself, and django-axes' lock still applies.
"""

import secrets
import threading

from django.conf import settings
from django.contrib.auth import authenticate
from django.core import signing

from naccs.accounts import limits
from naccs.lib.client_address import client_address

BY_ADDRESS = limits.Limit("login.address", "LOGIN_ADDRESS_FAILURE_LIMIT", "LOGIN_ADDRESS_WINDOW_MINUTES")
BY_USER = limits.Limit("login.user", "LOGIN_USER_FAILURE_LIMIT", "LOGIN_USER_WINDOW_MINUTES")
BY_DEVICE = limits.Limit("login.device", "LOGIN_DEVICE_FAILURE_LIMIT", "LOGIN_USER_WINDOW_MINUTES")
PASSWORD_CHECKS = threading.BoundedSemaphore(settings.PASSWORD_CHECKS_AT_ONCE)
TRUSTED_DEVICE_CHECKS = threading.BoundedSemaphore(1)
DEVICE_COOKIE = "naccs_device"
DEVICE_SALT = "accounts.device"
DEVICE_COOKIE_DAYS = 365


class PasswordCheckRefused(Exception):
    """The password was not checked; the message says why and what to do. `status` is the HTTP status to answer."""

    def __init__(self, message: str, *, status: int):
        super().__init__(message)
        self.status = status


def check_password(request, username: str, password: str):
    """The user that `username` and `password` authenticate (Django's authenticate, through django-axes), or None;
    raises PasswordCheckRefused, without hashing, when a limit is reached or every hashing slot stays busy."""
    device = trusted_device(request, username)
    if device:
        checks, slots = [(BY_DEVICE, device)], TRUSTED_DEVICE_CHECKS
    else:
        checks, slots = [(BY_ADDRESS, client_address(request)), (BY_USER, username.casefold())], PASSWORD_CHECKS
    try:
        attempt = limits.take_attempt(checks)
    except limits.LimitReached as reached:
        raise PasswordCheckRefused(refusal_message(reached.limit), status=429) from None
    if not slots.acquire(timeout=settings.PASSWORD_CHECK_WAIT_SECONDS):
        attempt.succeeded()  # not checked, so not a failure
        raise PasswordCheckRefused(
            "ただいまログインが混み合っています。しばらくしてから再度お試しください。", status=503
        )
    try:
        user = authenticate(request, username=username, password=password)
    finally:
        slots.release()
    if user is not None:
        attempt.succeeded()
    return user


def trusted_device(request, username: str) -> str:
    """The id of the device cookie this browser carries for `username`, or "" (none, another ID's, forged, old)."""
    try:
        device = signing.loads(
            request.COOKIES.get(DEVICE_COOKIE, ""), salt=DEVICE_SALT, max_age=DEVICE_COOKIE_DAYS * 24 * 60 * 60
        )
    except signing.BadSignature:
        return ""
    if not isinstance(device, dict) or device.get("user") != username.casefold():
        return ""
    return str(device.get("id", ""))


def remember_device(response, user) -> None:
    """Give the browser that has just logged in as `user` a device cookie for that 利用者ID."""
    value = signing.dumps({"user": user.get_username().casefold(), "id": secrets.token_urlsafe(16)}, salt=DEVICE_SALT)
    response.set_cookie(
        DEVICE_COOKIE, value, max_age=DEVICE_COOKIE_DAYS * 24 * 60 * 60, secure=settings.SESSION_COOKIE_SECURE,
        httponly=True, samesite="Lax",
    )  # fmt: skip


def refusal_message(limit: limits.Limit) -> str:
    minutes = int(limit.window.total_seconds() // 60)
    helpdesk = (
        f"お急ぎの場合はヘルプデスク（{settings.HELPDESK_PHONE}、受付時間 {settings.HELPDESK_HOURS}）"
        "までご連絡ください。"
    )
    if limit is BY_DEVICE:
        return (
            "パスワードの誤りが続いたため、このブラウザからのログインを一時的に受け付けていません。"
            f"最長{minutes}分ほど時間をおいてから再度お試しください。{helpdesk}"
        )
    if limit is BY_USER:
        return (
            "この利用者IDへのログインの失敗が続いたため、一時的にログインを受け付けていません。"
            f"最長{minutes}分ほど時間をおいてから再度お試しください。{helpdesk}"
        )
    return (
        "この接続元からのログインの失敗が続いたため、一時的にログインを受け付けていません。"
        f"最長{minutes}分ほど時間をおいてから再度お試しください。{helpdesk}"
    )
