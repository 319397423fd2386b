"""Cost per certificate of our whole 取得 path against the bare `cryptography` floor, in the same run.

    uv run python bench/issuance.py [--count 40] [--database-url postgres://...]

Ours: acquisition.acquire_certificate — rate-limit check, terminal lookup and code check, the pickup row, a key pair,
the signed certificate, revocation of the previous one, audit rows, PKCS#12 with the chain (the CRL is not rebuilt
per 取得: the next fetch of /pki/crl publishes one for the whole batch). Floor: the same key type
generated, a certificate with the same extensions signed by the same CA key, and the same PKCS#12, with no database.
The two alternate, one of each per round, so that both see the same machine. Target (issue 4): ratio <= 1.25.
"""

import argparse
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
from bench.harness import setup_django  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--count", type=int, default=40, help="certificates per key type and path (default 40)")
    parser.add_argument("--database-url", help="default: a fresh SQLite file")
    args = parser.parse_args()
    setup_django(Path(tempfile.mkdtemp(prefix="naccs-issuance-")), args.database_url)

    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.serialization import pkcs12
    from django.conf import settings
    from django.utils import timezone

    from naccs.accounts.models import Company
    from naccs.pki import acquisition, ca, issuance, pickups
    from naccs.terminals.models import LogicalTerminal

    authority = ca.create(key_type="ec")
    company = Company.objects.create(code="12345678", name="通関商事株式会社")
    password = b"bench-pass-2026"

    def floor(key_type: str, terminal) -> None:
        key = ca.new_private_key(key_type)
        now = timezone.now()
        certificate = issuance.build_certificate(
            authority,
            terminal=terminal,
            public_key=key.public_key(),
            not_before=now,
            not_after=issuance.certificate_expiry(now),
        )
        pkcs12.serialize_key_and_certificates(
            terminal.name.encode(), key, certificate, [authority.certificate],
            serialization.BestAvailableEncryption(password),
        )  # fmt: skip

    def ours(terminal) -> None:
        acquisition.acquire_certificate(
            terminal_name=terminal.name,
            auth_codes=(terminal.auth_code1, terminal.auth_code2, terminal.auth_code3),
            password=password.decode(),
            client_address="127.0.0.1",
        )

    print(f"{'key type':<10} {'floor ms':>9} {'ours ms':>9} {'ratio':>6}   ({args.count} certificates each)")
    for key_type, label in (("rsa", "RSA-2048"), ("ec", "EC P-256")):
        settings.TERMINAL_KEY_TYPE = key_type
        terminals = []
        for number in range(args.count + 1):
            terminal = LogicalTerminal.objects.create(
                company=company, name=f"{key_type[0].upper()}{number:05d}", category="sea",
                device_type="netNACCS", auth_code1="NAC", auth_code2="CODE2", auth_code3="NACCS",
            )  # fmt: skip
            # Each terminal has a current certificate and an open pickup, as after a morning run.
            issuance.issue_certificate(terminal=terminal, public_key=ca.new_private_key("ec").public_key())
            pickups.open_pickup(terminal=terminal)
            terminals.append(terminal)
        ours(terminals.pop())  # warm up caches and connections
        floor_times, our_times = [], []
        for terminal in terminals:
            start = time.perf_counter()
            floor(key_type, terminal)
            floor_times.append(time.perf_counter() - start)
            start = time.perf_counter()
            ours(terminal)
            our_times.append(time.perf_counter() - start)
        floor_ms = statistics.mean(floor_times) * 1000
        ours_ms = statistics.mean(our_times) * 1000
        print(f"{label:<10} {floor_ms:9.2f} {ours_ms:9.2f} {ours_ms / floor_ms:6.2f}")


if __name__ == "__main__":
    main()
