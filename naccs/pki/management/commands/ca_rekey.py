from django.core.management.base import BaseCommand

from naccs.audit.services import record
from naccs.pki import ca


class Command(BaseCommand):
    help = (
        "Re-encrypt the CA keys written before the strong KDF (PKCS#8 PEM, 2048 PBKDF2 rounds) or with a weak MAC "
        f"(PKCS#12 whose MAC has 2048 iterations) as PKCS#12 with {ca.KEY_KDF_ROUNDS:,} PBKDF2-HMAC-SHA256 rounds and "
        "a MAC of as many iterations: the current CA's and the retired ones. Safe to repeat."
    )

    def handle(self, *args, **options):
        rewritten = ca.rekey()
        if not rewritten:
            self.stdout.write("再暗号化が必要な認証局の鍵はありません。")
            return
        record(action="ca.rekeyed", folders=[str(folder) for folder in rewritten])
        for folder in rewritten:
            self.stdout.write(self.style.SUCCESS(f"認証局の鍵を再暗号化しました: {folder}"))
