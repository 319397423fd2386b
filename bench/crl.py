"""The CRL at scale (issue 17 #3): build and sign time and size at 10,000 and 100,000 revoked, unexpired certificates,
and the fetch of the 100,000-entry CRL from the revocation responder and from the portal, each next to a static
file of the same size that the portal serves.

    uv run python bench/crl.py [--sizes 10000,100000] [--rounds 4] [--duration 2] [--connections 16]

Runs on a throw-away PostgreSQL cluster (as bench/ocsp.py). For each size the revoked rows are bulk-inserted, then
`revocation.rebuild_crl()` (read every listed revocation, build, sign, store) is timed three times and the median
kept. Target: the time per entry at the largest size at most 1.2x the one at the smallest (linear growth).
"""

import argparse
import json
import os
import shutil
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.harness import ROOT, ensure_postgres, manage, prepared_environment, serving, serving_responder
from bench.ocsp import PG_PORT, STATIC_NAME, compare

PORT, RESPONDER_PORT = 8320, 8321  # the portal (and its static file), the revocation responder


def measure(sizes: str, out_file: str) -> None:
    """Run inside Django (manage.py shell): fill, time, write the figures and the last CRL's size as JSON."""
    import secrets
    import time
    from datetime import timedelta
    from statistics import median

    from django.utils import timezone

    from bench.fixtures import terminal_of
    from naccs.accounts.models import Company
    from naccs.pki import ca, revocation
    from naccs.terminals.models import Certificate

    if not ca.exists():
        ca.create(key_type="ec")
    company = Company.objects.create(code="66660000", name="失効計測株式会社")
    terminal = terminal_of(company, "66660A")
    figures, now = [], timezone.now()
    for size in (int(part) for part in sizes.split(",")):
        missing = size - Certificate.objects.filter(revoked_at__isnull=False).count()
        Certificate.objects.bulk_create(
            (
                Certificate(
                    terminal=terminal, serial=secrets.token_hex(16).lstrip("0") or "1", not_before=now,
                    not_after=now + timedelta(days=300), issued_at=now, revoked_at=now - timedelta(hours=1),
                    revocation_reason=Certificate.RevocationReason.SUPERSEDED, pem="-",
                )
                for _ in range(missing)
            ),
            batch_size=5000,
        )  # fmt: skip
        times = []
        for _ in range(3):
            started = time.perf_counter()
            crl = revocation.rebuild_crl()
            times.append(time.perf_counter() - started)
        build = median(times)
        figures.append(
            {"entries": size, "seconds": build, "bytes": len(bytes(crl.der)), "us_per_entry": build / size * 1e6}
        )
        print(f"{size:>8,} entries: build+sign+store {build:6.2f} s (median of 3), {len(bytes(crl.der)):>10,} bytes, "
              f"{build / size * 1e6:5.1f} µs an entry", flush=True)  # fmt: skip
    Path(out_file).write_text(json.dumps(figures))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sizes", default="10000,100000")
    parser.add_argument("--rounds", type=int, default=4)
    parser.add_argument("--duration", type=int, default=2)
    parser.add_argument("--connections", type=int, default=16)
    args = parser.parse_args()
    ensure_postgres(PG_PORT)
    var_dir, env = prepared_environment(prefix="naccs-bench-crl-", steps=f"CRLs of {args.sizes} entries")
    out = Path(tempfile.mkdtemp(prefix="naccs-bench-crl-")) / "figures.json"
    static_copy = ROOT / "staticfiles" / STATIC_NAME
    try:
        print(manage(env, "shell", "-c", f"from bench.crl import measure; measure({args.sizes!r}, {str(out)!r})"),
              end="", flush=True)  # fmt: skip
        figures = json.loads(out.read_text())
        growth = figures[-1]["us_per_entry"] / figures[0]["us_per_entry"]
        print(f"time an entry, {figures[-1]['entries']:,} vs {figures[0]['entries']:,}: {growth:.2f}x "
              f"(target <= 1.2)", flush=True)  # fmt: skip
        static_copy.write_bytes(os.urandom(figures[-1]["bytes"]))
        with serving(env, PORT) as portal, serving_responder(env, RESPONDER_PORT) as responder:
            static = (f"{portal}/static/{STATIC_NAME}", None)
            print(f"{'':<34} {'crl/s':>9} {'p95 ms':>7} {'static/s':>9} {'p95 ms':>7} {'ratio':>6} {'range':>10} "
                  f"{'p95 ratio':>9} {'errors':>6}", flush=True)  # fmt: skip
            for label, base in (("responder", responder), ("portal", portal)):
                print(compare(f"CRL {figures[-1]['entries']:,} ({label}) vs static", (f"{base}/pki/crl", None),
                              static, args), flush=True)  # fmt: skip
    finally:
        static_copy.unlink(missing_ok=True)
        shutil.rmtree(out.parent, ignore_errors=True)
        shutil.rmtree(var_dir, ignore_errors=True)


if __name__ == "__main__":
    main()
