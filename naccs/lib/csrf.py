"""The random characters of Django's CSRF tokens, drawn in one system call instead of one per character (issue #7).

Django masks the CSRF secret anew in every page that shows a form (against BREACH), drawing the mask's 32 characters
with secrets.choice, which asks the operating system for random bytes once per character: ~35 us, the largest single
cost of the 確認画面. `random_csrf_string` draws the same thing, each character uniform over Django's CSRF alphabet
from the operating system's CSPRNG, from one os.urandom call. PortalConfig.ready() puts it in place of
django.middleware.csrf._get_new_csrf_string, through which Django makes both masks and new secrets; the masking
itself and every check stay Django's. naccs/lib/tests/test_csrf_random.py fails if Django stops drawing through that
name. Drop this module once Django's own draw is fast."""

import os

from django.middleware import csrf

_ALPHABET = csrf.CSRF_ALLOWED_CHARS.encode("ascii")
# Bytes below the largest multiple of the alphabet's size map onto it evenly; the few above are dropped and redrawn.
_EVEN_BELOW = 256 // len(_ALPHABET) * len(_ALPHABET)
_TO_ALPHABET = bytes(_ALPHABET[byte % len(_ALPHABET)] if byte < _EVEN_BELOW else 0 for byte in range(256))
_UNEVEN = bytes(range(_EVEN_BELOW, 256))


def random_csrf_string() -> str:
    """CSRF_SECRET_LENGTH characters, each uniform over CSRF_ALLOWED_CHARS, as Django's _get_new_csrf_string."""
    drawn = b""
    while len(drawn) < csrf.CSRF_SECRET_LENGTH:
        drawn += os.urandom(csrf.CSRF_SECRET_LENGTH + 8).translate(_TO_ALPHABET, _UNEVEN)
    return drawn[: csrf.CSRF_SECRET_LENGTH].decode("ascii")


def install() -> None:
    csrf._get_new_csrf_string = random_csrf_string
