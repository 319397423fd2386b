from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from naccs.audit.services import record
from naccs.pki import ca

from ._describe import describe


class Command(BaseCommand):
    help = (
        "Replace the issuing CA with a new key and certificate; the old files move to CA_DIR/retired/. "
        "Certificates issued before keep working until they expire or are reissued."
    )

    def add_arguments(self, parser):
        parser.add_argument("--key-type", choices=["ec", "rsa"], default=settings.CA_KEY_TYPE)
        parser.add_argument("--common-name", help="the CA's name; required in production (DJANGO_DEBUG=0)")

    def handle(self, *args, key_type, common_name, **options):
        if not ca.exists():
            raise CommandError("There is no CA to rotate; use ca_create.")
        try:
            common_name = ca.common_name_or_default(common_name)
        except ValueError as error:
            raise CommandError(str(error)) from error
        old = ca.get_authority().certificate
        retired = ca.retire_current()
        authority = ca.create(key_type=key_type, common_name=common_name)
        record(
            action="ca.rotated",
            before={"serial": f"{old.serial_number:x}"},
            after={"serial": f"{authority.certificate.serial_number:x}"},
            retired=str(retired),
        )
        self.stdout.write(self.style.SUCCESS(f"認証局を更新しました（旧認証局: {retired}）。"))
        self.stdout.write(describe(authority))
