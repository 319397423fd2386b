from django.core.management.base import BaseCommand

from naccs.pki.restore import restore_gap, revoke_again, sign_answers_again


class Command(BaseCommand):
    help = (
        "After restoring the database from a backup: revoke again every certificate the CA's newest published CRL "
        "lists and the database holds as good, and sign every OCSP answer again (docs/operations.md, Backup and "
        "restore)."
    )

    def handle(self, *args, **options):
        gap = restore_gap()
        if gap is None:
            self.stdout.write("The database knows the newest CRL the CA published: nothing to do.")
            return
        revoked = revoke_again()
        if gap.published_number is not None:
            self.stdout.write(
                f"Newest CRL published: #{gap.published_number} ({gap.published_at}); "
                f"in the database: #{gap.stored_number}."
            )
        if gap.answers_published_at is not None:
            self.stdout.write(
                f"Newest OCSP answer published: {gap.answers_published_at.isoformat()}; in the database: "
                f"{gap.answers_stored_at.isoformat() if gap.answers_stored_at else 'none'}."
            )
        self.stdout.write(f"Revoked again: {len(revoked)} certificate(s) {' '.join(revoked)}".rstrip())
        self.stdout.write(f"OCSP answers signed again from the repaired database: {sign_answers_again()}.")
        self.stdout.write("The next CRL (at the next fetch) lists them and carries a number above the published one.")
