from django.core.management.base import BaseCommand

from naccs.pki import ca

from ._describe import describe


class Command(BaseCommand):
    help = "Show the issuing CA."

    def handle(self, *args, **options):
        self.stdout.write(describe(ca.get_authority()))
