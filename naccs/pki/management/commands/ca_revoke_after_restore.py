from django.core.management.base import BaseCommand

from naccs.pki.restore import restore_gap, revoke_again


class Command(BaseCommand):
    help = (
        "After restoring the database from a backup: revoke again every certificate the CA's newest published CRL "
        "lists and the database holds as good (docs/operations.md, Backup and restore)."
    )

    def handle(self, *args, **options):
        gap = restore_gap()
        if gap is None:
            self.stdout.write("The database knows the newest CRL the CA published: nothing to do.")
            return
        revoked = revoke_again()
        self.stdout.write(
            f"Newest CRL published: #{gap.published_number} ({gap.published_at}); "
            f"in the database: #{gap.stored_number}."
        )
        self.stdout.write(f"Revoked again: {len(revoked)} certificate(s) {' '.join(revoked)}".rstrip())
        self.stdout.write("The next CRL (at the next fetch) lists them and carries a number above the published one.")
