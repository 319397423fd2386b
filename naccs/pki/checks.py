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


@checks.register(checks.Tags.security)
def ca_key_token_is_usable(app_configs, **kwargs):
    """With CA_KEY_BACKEND=pkcs11: the module loads, the token is there, the PIN opens it and the current CA's key is
    in it. Said at start (runserver, `check`, every command), not at the first 取得. The revocation responder is not
    given the PIN and never uses the token."""
    from django.conf import settings

    if settings.CA_KEY_BACKEND != "pkcs11" or settings.REVOCATION_RESPONDER:
        return []
    from naccs.pki import hsm

    try:
        hsm.session()
        if (ca.ca_dir() / ca.CERT_FILE).exists() and ca.key_path(ca.ca_dir()) is None:
            hsm.TokenKeys().open(ca.ca_dir())
    except ca.CAUnavailable as error:
        return [
            checks.Error(
                f"The CA's HSM cannot be used: {error}",
                hint="Check PKCS11_MODULE, PKCS11_TOKEN_LABEL and PKCS11_PIN (docs/hsm.md).",
                id="naccs.E001",
            )
        ]
    return []


@checks.register(checks.Tags.database)
def database_is_not_older_than_the_published_crl(app_configs, databases=None, **kwargs):
    """After a restore: the CA has published a CRL or an OCSP answer the database does not know (issue 26 #9,
    docs/operations.md)."""
    if not databases or "default" not in databases:
        return []
    from django.db import DatabaseError

    from naccs.pki.restore import restore_gap

    try:
        gap = restore_gap()
    except DatabaseError:  # `migrate` runs this check before the tables exist
        return []
    if gap is None:
        return []
    older_than = []
    if gap.published_number is not None:
        older_than.append(
            f"the newest CRL this CA published (#{gap.published_number} of {gap.published_at}; the database's newest "
            f"is #{gap.stored_number})"
        )
    if gap.answers_published_at is not None:
        older_than.append(
            f"the newest OCSP answer it published ({gap.answers_published_at.isoformat()}; the database's newest is "
            f"{gap.answers_stored_at.isoformat() if gap.answers_stored_at else 'none'})"
        )
    return [
        checks.Warning(
            f"The database is older than {' and '.join(older_than)}: it was restored from a backup. "
            f"{len(gap.revoked_since)} certificate(s) revoked since are good again in it: "
            f"{', '.join(gap.revoked_since[:20]) or 'none'}.",
            hint="Revoke them again: `python manage.py ca_revoke_after_restore` (docs/operations.md, Backup).",
            id="naccs.W002",
        )
    ]
