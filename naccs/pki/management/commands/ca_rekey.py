from django.conf import settings
from django.core.management.base import BaseCommand

from naccs.audit.services import record
from naccs.pki import ca


class Command(BaseCommand):
    help = (
        "Re-encrypt the CA keys written before the strong KDF (PKCS#8 PEM, 2048 PBKDF2 rounds) or with a weak MAC "
        f"(PKCS#12 whose MAC has 2048 iterations) as PKCS#12 with {ca.KEY_KDF_ROUNDS:,} PBKDF2-HMAC-SHA256 rounds and "
        "a MAC of as many iterations: the current CA's and the retired ones. Safe to repeat. Keys in an HSM "
        "(CA_KEY_BACKEND=pkcs11) are never in a file: nothing to do for them."
    )

    def handle(self, *args, **options):
        rewritten = ca.rekey()
        if not rewritten:
            if settings.CA_KEY_BACKEND == "pkcs11":
                # Keys in an HSM are never in a file: nothing to re-encrypt (only older CAs' key files could be).
                self.stdout.write("認証局の鍵はHSM（PKCS#11トークン）の中にあり、再暗号化するファイルはありません。")
                return
            self.stdout.write("再暗号化が必要な認証局の鍵はありません。")
            return
        record(action="ca.rekeyed", folders=[str(folder) for folder in rewritten])
        for folder in rewritten:
            self.stdout.write(self.style.SUCCESS(f"認証局の鍵を再暗号化しました: {folder}"))
