"""A PKCS#12 file's integrity MAC (RFC 7292 §5, Appendix B) recomputed with as many iterations as its key's KDF.

Why: `cryptography` writes the MAC with 2048 iterations whatever `kdf_rounds` says, and the MAC is keyed by the same
password as the encryption, so a guesser checks passwords against the MAC at 2048 iterations each instead of against
the key's PBKDF2 at 600,000. Rewriting MacData with SHA-256 and the same count closes that path; the file stays a
standard PKCS#12 that OpenSSL (`openssl pkcs12`, `cryptography`) opens and verifies.
"""

import hashlib
import hmac
import os

from asn1crypto import pkcs12

HASH = hashlib.sha256
DIGEST_SIZE = 32  # u in RFC 7292 Appendix B, SHA-256
BLOCK_SIZE = 64  # v
MAC_KEY_ID = 3  # "the material is to be used as an integrity key"


def _stretched(data: bytes) -> bytes:
    """data repeated to a whole number of v-byte blocks (empty stays empty)."""
    if not data:
        return b""
    length = BLOCK_SIZE * -(-len(data) // BLOCK_SIZE)
    return (data * (length // len(data) + 1))[:length]


def mac_key(password: str, salt: bytes, iterations: int) -> bytes:
    """RFC 7292 Appendix B.2 with SHA-256, for one key of DIGEST_SIZE bytes (so one round, no I update). The password
    is a BMPString with its two zero bytes, as OpenSSL derives it from a UTF-8 password."""
    secret = password.encode("utf-16-be") + b"\x00\x00"
    block = bytes([MAC_KEY_ID]) * BLOCK_SIZE + _stretched(salt) + _stretched(secret)
    digest = HASH(block).digest()
    for _ in range(iterations - 1):
        digest = HASH(digest).digest()
    return digest


def mac_iterations(data: bytes) -> int | None:
    """The MAC's iteration count of a PKCS#12 file (None: no MAC)."""
    mac_data = pkcs12.Pfx.load(data)["mac_data"]
    return None if mac_data.native is None else mac_data["iterations"].native


def with_mac(data: bytes, password: str, iterations: int) -> bytes:
    """The PKCS#12 file `data` with its MAC made again: HMAC-SHA256 over the authenticated safe, the key derived over
    `iterations` rounds and a fresh 16-byte salt."""
    pfx = pkcs12.Pfx.load(data)
    authenticated = pfx["auth_safe"]["content"].native  # the OCTET STRING's value is what the MAC covers
    salt = os.urandom(16)
    digest = hmac.new(mac_key(password, salt, iterations), authenticated, HASH).digest()
    pfx["mac_data"] = pkcs12.MacData(
        {
            "mac": {"digest_algorithm": {"algorithm": "sha256"}, "digest": digest},
            "mac_salt": salt,
            "iterations": iterations,
        }
    )
    return pfx.dump(force=False)
