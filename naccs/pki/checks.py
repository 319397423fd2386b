"""System checks of the CA files (`manage.py check --deploy` in production)."""

from django.core import checks

from naccs.pki import ca


@checks.register(checks.Tags.security, deploy=True)
def ca_key_uses_the_strong_kdf(app_configs, **kwargs):
    legacy = [folder for folder in ca.key_folders() if ca.uses_legacy_key(folder)]
    if not legacy:
        return []
    return [
        checks.Warning(
            f"The CA key in {', '.join(map(str, legacy))} is encrypted with only 2048 PBKDF2 rounds.",
            hint="Run `python manage.py ca_rekey` to re-encrypt it with the strong KDF.",
            id="naccs.W001",
        )
    ]
