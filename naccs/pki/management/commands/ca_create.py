from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from naccs.pki import ca

from ._describe import describe


class Command(BaseCommand):
    help = (
        "Create the issuing CA in CA_DIR, its key encrypted with CA_PASSPHRASE, or made in the HSM's token with "
        "CA_KEY_BACKEND=pkcs11 (docs/hsm.md)."
    )

    def add_arguments(self, parser):
        parser.add_argument("--key-type", choices=["ec", "rsa"], default=settings.CA_KEY_TYPE)
        parser.add_argument("--common-name", help="the CA's name; required in production (DJANGO_DEBUG=0)")
        parser.add_argument("--if-missing", action="store_true", help="do nothing when a CA exists (make serve)")

    def handle(self, *args, key_type, common_name, if_missing, **options):
        if ca.exists():
            if if_missing:
                return
            raise CommandError(f"A CA exists in {ca.ca_dir()}; use ca_rotate to replace it.")
        if (ca.ca_dir() / ca.CERT_FILE).exists():
            # Its key is elsewhere (another HSM token, a key file not copied): a new CA would replace the certificate
            # every terminal trusts, even from `make serve`'s --if-missing.
            raise CommandError(
                f"{ca.ca_dir()} has a CA certificate but its key is not found (CA_KEY_BACKEND={settings.CA_KEY_BACKEND}"
                "; with an HSM check PKCS11_TOKEN_LABEL): nothing was replaced."
            )
        try:
            common_name = ca.common_name_or_default(common_name)
        except ValueError as error:
            raise CommandError(str(error)) from error
        authority = ca.create(key_type=key_type, common_name=common_name)
        self.stdout.write(self.style.SUCCESS("認証局を作成しました。"))
        self.stdout.write(describe(authority))
