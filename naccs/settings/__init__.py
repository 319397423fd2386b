"""Django's settings (DJANGO_SETTINGS_MODULE=naccs.settings), read from the environment (README.md lists them):
the portal's in `base`, the CA's in `ca`."""

from .base import *  # noqa: F403
from .ca import *  # noqa: F403
