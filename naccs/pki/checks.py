"""System checks of the CA files (`manage.py check --deploy` in production)."""

from django.core import checks

from naccs.pki import ca


@checks.register(checks.Tags.security, deploy=True)
def ca_key_uses_the_strong_kdf(app_configs, **kwargs):
    weak = [folder for folder in ca.key_folders() if ca.needs_rekey(folder)]
    if not weak:
        return []
    return [
        checks.Warning(
            f"The CA key in {', '.join(map(str, weak))} can be guessed at only 2048 iterations per passphrase "
            "(PKCS#8 with 2048 PBKDF2 rounds, or a PKCS#12 MAC with 2048 iterations).",
            hint="Run `python manage.py ca_rekey` to re-encrypt it with the strong KDF.",
            id="naccs.W001",
        )
    ]
