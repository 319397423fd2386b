from cryptography.hazmat.primitives import hashes
from django.utils import timezone

from naccs.pki import ca


def describe(authority, folder=None) -> str:
    """The CA in `folder` (the issuing generation's by default)."""
    folder = folder or ca.issuing_dir()
    certificate = authority.certificate
    key = certificate.public_key()
    return "\n".join(
        [
            f"  subject      {certificate.subject.rfc4514_string()}",
            f"  key          {type(key).__name__.replace('_', '')} {getattr(key, 'key_size', '')}",
            f"  valid        {timezone.localtime(certificate.not_valid_before_utc):%Y/%m/%d %H:%M} – "
            f"{timezone.localtime(certificate.not_valid_after_utc):%Y/%m/%d %H:%M} (JST)",
            f"  SHA-256      {certificate.fingerprint(hashes.SHA256()).hex(':')}",
            f"  files        {folder}",
            f"  key store    {ca.backend_for(folder).describe(folder)}",
        ]
    )
