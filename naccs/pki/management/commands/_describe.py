from cryptography.hazmat.primitives import hashes

from naccs.pki import ca


def describe(authority) -> str:
    certificate = authority.certificate
    key = certificate.public_key()
    return "\n".join(
        [
            f"  subject      {certificate.subject.rfc4514_string()}",
            f"  key          {type(key).__name__.replace('_', '')} {getattr(key, 'key_size', '')}",
            f"  valid        {certificate.not_valid_before_utc:%Y/%m/%d} – {certificate.not_valid_after_utc:%Y/%m/%d}",
            f"  SHA-256      {certificate.fingerprint(hashes.SHA256()).hex(':')}",
            f"  files        {ca.ca_dir()}",
        ]
    )
