from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from naccs.audit.services import record
from naccs.pki import ca, generation_steps, generations

from ._describe import describe


class Command(BaseCommand):
    help = (
        "Start a new CA generation in one step (ca_generation prepare, publish and switch): the new generation issues "
        "from now on; certificates of the old one stay trusted, are renewed into the new one, and the old generation "
        "still publishes its CRL and OCSP answers. Retire it later with `ca_generation retire N`."
    )

    def add_arguments(self, parser):
        parser.add_argument("--key-type", choices=["ec", "rsa"], default=settings.CA_KEY_TYPE)
        parser.add_argument("--common-name", help="the CA's name without \" G<N>\" (default: the current one's)")

    def handle(self, *args, key_type, common_name, **options):
        if not ca.exists():
            raise CommandError("There is no CA to rotate; use ca_create.")
        try:
            with transaction.atomic():
                old = generations.issuing()
                new = generation_steps.prepare(key_type=key_type, common_name=common_name)
                generation_steps.publish(new.number)
                generation_steps.switch(new.number)
                # Kept for scripts and the audit trail of before generations (the serial of the new CA).
                record(action="ca.rotated", before={"serial": f"{generations.certificate_of(old).serial_number:x}"},
                       after={"serial": f"{generations.certificate_of(new).serial_number:x}"},
                       generation=new.number)  # fmt: skip
        except generation_steps.GenerationRefused as refusal:
            raise CommandError(str(refusal)) from refusal
        self.stdout.write(
            self.style.SUCCESS(
                f"認証局を第{new.number}世代に更新しました（第{old.number}世代の証明書は引き続き有効です）。"
            )
        )
        self.stdout.write(describe(ca.get_authority()))
