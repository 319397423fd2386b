"""The monthly close at scale: 10,000 companies with 5 terminals each, and 1,000 for comparison (PostgreSQL).

    uv run python bench/billing_close.py [--sizes 1000,10000]

Runs inside a throw-away PostgreSQL cluster (scripts/with-test-postgres on BENCH_PG_PORT, 25445 or the next free, unless
BENCH_DATABASE_URL is given). For each size a fresh child process migrates an empty database, bulk-loads the
companies, their terminals (netNACCS, webNACCS and パッケージソフト) and a tariff, then times `close.close_month`
(per company: its company row locked, the 請求番号 counter locked, the invoice and its lines, its own transaction;
the lines of each chunk of 500 companies read in grouped queries). Prints the wall time, the time per company,
the growth against linear, and the peak memory of the process that ran the close (loaded by another one) and its
growth during the close (only ids are held between chunks, so neither may grow with the number of companies).
Targets (issue 16): 10,000 vs 1,000 at most 1.1x linear; memory flat.
"""

import argparse
import json
import os
import resource
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
from bench.harness import database_url, ensure_postgres, recreate_database  # noqa: E402

PG_PORT = 25445  # unless BENCH_PG_PORT says otherwise; or the next free one (harness.free_port)
BENCH_DB = "naccs_bench_billing"
TERMINALS_EACH = 5


def load(companies: int) -> dict:
    """Runs in a fresh process: migrate and bulk-load the companies, terminals and tariff."""
    import django

    django.setup()
    from datetime import date

    from django.core.management import call_command
    from django.db import connection

    from naccs.accounts.models import Company
    from naccs.billing.models import TariffItem
    from naccs.terminals.models import LogicalTerminal

    call_command("migrate", verbosity=0)
    for device, price in (("netNACCS", 3000), ("webNACCS", 1500), ("package", 2000)):
        TariffItem.objects.create(item="basic", device_type=device, unit_price=price, valid_from=date(2020, 1, 1))
    devices = ["netNACCS", "netNACCS", "webNACCS", "webNACCS", "package"]
    batch = 2000
    for start in range(0, companies, batch):
        numbers = range(start, min(companies, start + batch))
        made = Company.objects.bulk_create(
            Company(code=f"{10000000 + n}", name=f"ベンチ商事{n}株式会社") for n in numbers
        )
        LogicalTerminal.objects.bulk_create(
            LogicalTerminal(
                company=company, name=f"{int(company.code) - 10000000:05d}{index}"[-6:], category="sea",
                device_type=devices[index], auth_code1="A", auth_code2="B", auth_code3="C",
            )
            for company in made
            for index in range(TERMINALS_EACH)
        )  # fmt: skip
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
    return {"loaded": companies}


def measure(companies: int) -> dict:
    """Runs in a fresh process of its own, so that its peak memory is the close's alone: time the close."""
    import django

    django.setup()
    from datetime import date

    from naccs.billing.close import close_month
    from naccs.billing.models import Invoice, InvoiceLine

    rss_before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    marks = []  # (companies done, seconds since the start) after each chunk
    started = time.perf_counter()
    report = close_month(
        month=date(2026, 11, 1), progress=lambda done: marks.append((done.made, time.perf_counter() - started))
    )
    wall = time.perf_counter() - started
    rss_after = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    assert report.made == companies == Invoice.objects.count(), report
    assert InvoiceLine.objects.count() == 3 * companies
    again = time.perf_counter()
    repeat = close_month(month=date(2026, 11, 1))
    repeat_wall = time.perf_counter() - again
    assert repeat.made == 0 and repeat.already_closed == companies
    # Within this one run (the same neighbours on the machine): the first and the last 1,000 companies.
    first = next((seconds for made, seconds in marks if made >= 1000), wall)
    before_last = max((seconds for made, seconds in marks if made <= companies - 1000), default=0.0)
    return {
        "first_1000_s": first,
        "last_1000_s": wall - before_last,
        "companies": companies,
        "terminals": companies * TERMINALS_EACH,
        "wall_s": wall,
        "per_company_ms": wall / companies * 1000,
        "repeat_s": repeat_wall,
        "peak_rss_mb": rss_after / 1024,
        "rss_growth_mb": (rss_after - rss_before) / 1024,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sizes", default="1000,10000", help="numbers of companies, smallest first")
    parser.add_argument("--load", type=int, help=argparse.SUPPRESS)
    parser.add_argument("--measure", type=int, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.load or args.measure:
        print(json.dumps(load(args.load) if args.load else measure(args.measure)))
        return
    ensure_postgres(PG_PORT)
    env = {
        **os.environ,
        "DATABASE_URL": database_url(BENCH_DB),
        "DJANGO_SETTINGS_MODULE": "naccs.settings",
        # Production settings: with DEBUG the connection would keep the last 9,000 statements in memory.
        "DJANGO_DEBUG": "0",
        "SECRET_KEY": "bench-only-secret-key-" + "k3y" * 16,
        "CA_PASSPHRASE": "bench-only-ca-passphrase",
        "LOG_LEVEL": "WARNING",
        "PYTHONPATH": str(ROOT),
    }
    results = []
    for size in args.sizes.split(","):
        recreate_database(BENCH_DB)
        for step in ("--load", "--measure"):
            out = subprocess.run(
                [sys.executable, __file__, step, size], env=env, check=True, capture_output=True, text=True
            ).stdout
        results.append(json.loads(out.strip().splitlines()[-1]))
    header = ("companies", "terminals", "wall s", "ms/company", "repeat s", "peak RSS MB", "RSS growth MB")
    print("{:>9} {:>9} {:>8} {:>11} {:>9} {:>12} {:>14}".format(*header))
    for r in results:
        print(
            f"{r['companies']:>9} {r['terminals']:>9} {r['wall_s']:>8.2f} {r['per_company_ms']:>11.2f} "
            f"{r['repeat_s']:>9.2f} {r['peak_rss_mb']:>12.0f} {r['rss_growth_mb']:>14.1f}"
        )
    if len(results) >= 2:
        small, large = results[0], results[-1]
        factor = large["companies"] / small["companies"]
        growth = large["wall_s"] / small["wall_s"]
        print(
            f"within the {large['companies']:,} run: the first 1,000 companies {large['first_1000_s']:.2f} s, the last "
            f"1,000 {large['last_1000_s']:.2f} s ({large['last_1000_s'] / large['first_1000_s']:.2f}x)"
        )
        print(
            f"growth: {factor:.0f}x companies -> {growth:.2f}x wall time = {growth / factor:.2f}x linear "
            f"(target <= 1.10); memory growth during the close {small['rss_growth_mb']:.1f} MB -> "
            f"{large['rss_growth_mb']:.1f} MB"
        )


if __name__ == "__main__":
    main()
