"""Demo only: the current certificate of a demo terminal *with its key*, as a terminal holds them after last year's
取得, so that docs/renewal.md's EST commands can be tried against `make serve` (the demo data's certificates were
made without keys: the portal never keeps one)."""

from datetime import timedelta
from pathlib import Path

from cryptography.hazmat.primitives import serialization
from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from naccs.pki import ca, issuance
from naccs.terminals.models import Certificate, LogicalTerminal
from naccs.terminals.renewal import in_renewal_window, renewal_window_opens_on


class Command(BaseCommand):
    help = "Demo only: re-issue a demo terminal's current certificate (same dates) with its key, and our CA."

    def add_arguments(self, parser):
        parser.add_argument("terminal", help="e.g. 11110D (inside its renewal window in the demo data)")
        parser.add_argument("--out", type=Path, default=Path("."))

    def handle(self, *args, terminal, out, **options):
        if not settings.DEMO_ENABLED:
            raise CommandError("Only for the demo (DJANGO_DEBUG=1).")
        found = LogicalTerminal.objects.filter(name=terminal).first()
        current = Certificate.objects.filter(terminal=found, revoked_at__isnull=True).order_by("-not_after").first()
        if current is None:
            raise CommandError(f"{terminal}: no terminal with a current certificate.")
        # It stands for a certificate due for renewal. One outside its window (just renewed in the portal, say) is
        # someone's real certificate: a new one would supersede it and its .p12 would stop working.
        if not in_renewal_window(current.not_after, timezone.now()):
            raise CommandError(
                f"{terminal}: its current certificate (serial {current.serial}, 有効期限 "
                f"{timezone.localtime(current.not_after):%Y/%m/%d}) is outside its renewal window (from "
                f"{renewal_window_opens_on(current.not_after):%Y/%m/%d}); nothing was issued. Choose a terminal "
                "inside its window (11110D or 11110E in fresh demo data)."
            )
        key = ca.new_private_key(settings.TERMINAL_KEY_TYPE)
        # The same validity as the certificate it stands for (a minute later, so it is the terminal's newest).
        issued = issuance.issue_certificate(
            terminal=found,
            public_key=key.public_key(),
            not_before=current.not_before + timedelta(minutes=1),
            not_after=current.not_after,
        )
        out.mkdir(parents=True, exist_ok=True)
        (out / "current.pem").write_text(issued.pem)
        (out / "current.key").write_bytes(
            key.private_bytes(
                serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
            )
        )
        (out / "ca.pem").write_bytes(ca.get_authority().certificate.public_bytes(serialization.Encoding.PEM))
        # Every date a person reads is in JST, as the portal shows it.
        expiry = timezone.localtime(issued.not_after)
        self.stdout.write(
            f"{out}/current.pem, current.key, ca.pem: {terminal} 有効期限 {expiry:%Y/%m/%d}; "
            f"it replaces serial {current.serial} (kept without its key), now revoked as superseded"
        )
