from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand

from naccs.pki.server_certificate import ensure_server_certificate


class Command(BaseCommand):
    help = "Make the TLS proxy's server certificate from our CA (when missing, from another CA, or near its end)."
    requires_system_checks = []

    def add_arguments(self, parser):
        parser.add_argument("--dir", type=Path, default=settings.VAR_DIR / "tls")
        parser.add_argument("--host", action="append", help="a name or address of the server (repeatable)")

    def handle(self, *args, dir, host, **options):
        hosts = host or ["127.0.0.1", "localhost"]
        if ensure_server_certificate(dir, hosts):
            self.stdout.write(f"TLSサーバー証明書を作成しました: {dir}")
