"""`make serve`: record the address it serves (settings.SITE_URL of its processes) where every other process of
this checkout reads it, so that a command run beside it writes mails with links to the same server."""

import os

from django.conf import settings
from django.core.management.base import BaseCommand


class Command(BaseCommand):
    help = "Write settings.SITE_URL to settings.SITE_URL_FILE (var/site-url), read by processes that have no SITE_URL."

    def handle(self, *args, **options):
        path = settings.SITE_URL_FILE
        partial = path.with_name(f"{path.name}.{os.getpid()}")
        partial.write_text(settings.SITE_URL + "\n")
        partial.replace(path)  # atomic: a process starting meanwhile reads the old address or the new one
        self.stdout.write(f"SITE_URL {settings.SITE_URL} → {path}")
