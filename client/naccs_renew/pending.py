"""The request on its way (FILE.pending): the new key and its PKCS#10, kept next to the PKCS#12 until a certificate
for that key arrives.

Why: once the portal has received a request it issues the certificate and supersedes the old one in the same
moment. If its answer is lost (the connection cut, the machine switched off), only the same key sent again gets that
certificate again (the portal's retry, EST_RETRY_MINUTES; docs/renewal.md); a new key would be refused as
「更新済み」, leaving the terminal with a revoked certificate. So the key is written here before the request is sent,
encrypted with the PKCS#12's password, and reused by every attempt until it is answered, refused, or the file's
certificate is no longer the one it was made for.
"""

from __future__ import annotations

import base64
import contextlib
import json
from dataclasses import dataclass
from pathlib import Path

from cryptography.hazmat.primitives import serialization

from .bundle import new_key, signing_request
from .timing import replace_file


@dataclass
class Pending:
    key: object
    request: bytes  # the PKCS#10 as sent (base64 DER)


def pending_path(p12: Path) -> Path:
    return p12.with_name(p12.name + ".pending")


def read_pending(p12: Path, *, owner: str, password: str) -> Pending | None:
    """The request kept for `owner` (the serial of the certificate it renews, or the terminal it acquires for);
    None when there is none, it is unreadable, or it was made for something else."""
    try:
        data = json.loads(pending_path(p12).read_text(encoding="utf-8"))
        if data.get("owner") != owner:
            return None
        key = serialization.load_pem_private_key(data["key"].encode("ascii"), password.encode("utf-8"))
        return Pending(key=key, request=base64.b64decode(data["request"]))
    except (OSError, ValueError, TypeError, KeyError, AttributeError):
        return None


def write_pending(p12: Path, pending: Pending, *, owner: str, password: str) -> None:
    """Written (privately, atomically) before the request leaves: a request the portal may have answered is never
    without its key."""
    key = pending.key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.BestAvailableEncryption(password.encode("utf-8")),
    )
    data = {"owner": owner, "key": key.decode("ascii"), "request": base64.b64encode(pending.request).decode("ascii")}
    replace_file(pending_path(p12), json.dumps(data, indent=1).encode("utf-8"))


def clear_pending(p12: Path) -> None:
    with contextlib.suppress(FileNotFoundError):
        pending_path(p12).unlink()


def pending_request(p12: Path, *, owner: str, password: str, key_type: str, terminal_name: str) -> Pending:
    """The request to send: the one kept for `owner`, else a new key and PKCS#10, kept before they are sent."""
    pending = read_pending(p12, owner=owner, password=password)
    if pending is None:
        key = new_key(key_type)
        pending = Pending(key=key, request=signing_request(key, terminal_name))
        write_pending(p12, pending, owner=owner, password=password)
    return pending
