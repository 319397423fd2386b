"""The morning reissue run at scale: 2,000 申込 covering 10,000 terminals, and 1,000 terminals for comparison.

    uv run python bench/morning_run.py [--sizes 1000:200,10000:2000]

Runs inside a throw-away PostgreSQL cluster (scripts/with-test-postgres, port 25433 or a free one, unless
BENCH_DATABASE_URL is given). For each size a fresh child process migrates an empty database, bulk-loads approved
申込 with one valid certificate per terminal, then times `morning_run.process_day` (per terminal: new 認証コード2,
revocation, pickup, audit, own transaction; one CRL; per 申込: 再発行済, 新着情報, ⑦ mail). It prints the wall
time, the per-terminal cost against the per-item floor (one revocation row in its own transaction + one render of
the ⑦ mail) and the peak memory (the child's max RSS), so the two sizes show whether the cost grows linearly.
"""

import argparse
import json
import os
import resource
import shutil
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
from bench.harness import database_url, ensure_postgres, output_of, recreate_database  # noqa: E402

PG_PORT = 25433  # unless BENCH_PG_PORT says otherwise; or the next free one (harness.free_port)
BENCH_DB = "naccs_bench_morning"


def child(terminals: int, applications: int) -> dict:
    """Runs in a fresh process: load, then measure. Returns the figures as a dict."""
    import django

    django.setup()
    from datetime import timedelta

    from django.core.management import call_command
    from django.db import transaction
    from django.template.loader import render_to_string
    from django.utils import timezone

    from naccs.accounts.models import Company, User
    from naccs.applications.models import Application, Reissue, ReissueLine
    from naccs.center import morning_run
    from naccs.lib.business_days import next_business_day, today
    from naccs.pki import ca
    from naccs.terminals.models import Certificate, LogicalTerminal

    call_command("migrate", verbosity=0)
    ca.create()
    ca_used = "naccs.pki (real revocation rows, pickups and one signed CRL)"

    day = next_business_day(today())
    now = timezone.now()
    per_application = terminals // applications
    companies = Company.objects.bulk_create(
        Company(code=f"{10000000 + i}", name=f"ベンチ商事{i}") for i in range(max(1, applications // 10))
    )
    user = User.objects.create(username="bench", company=companies[0], email="bench@example.jp")
    terminal_rows = LogicalTerminal.objects.bulk_create(
        LogicalTerminal(
            company=companies[(i // per_application) % len(companies)],
            name=f"B{i:05d}",
            category="sea",
            device_type="netNACCS",
            auth_code1="A",
            auth_code2="B",
            auth_code3="C",
        )
        for i in range(terminals)
    )
    Certificate.objects.bulk_create(
        Certificate(
            terminal=t,
            serial=f"{t.pk:032x}",
            not_before=now - timedelta(days=300),
            not_after=now + timedelta(days=65),
            issued_at=now - timedelta(days=300),
        )
        for t in terminal_rows
    )
    application_rows = Application.objects.bulk_create(
        Application(
            kind=Application.Kind.REISSUE,
            company=terminal_rows[i * per_application].company,
            created_by=user,
            status=Application.Status.APPROVED,
            receipt_number=f"2026{i:07d}",
            applicant_last_name="通関",
            applicant_first_name="花子",
            applicant_email="hanako@example.jp",
            desired_date=day,
            submitted_at=now,
            decided_at=now,
        )
        for i in range(applications)
    )
    Reissue.objects.bulk_create(Reissue(application=a, reason="expired") for a in application_rows)
    ReissueLine.objects.bulk_create(
        ReissueLine(application=a, terminal=terminal_rows[i * per_application + j])
        for i, a in enumerate(application_rows)
        for j in range(per_application)
    )

    rss_before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    started = time.perf_counter()
    processed = []
    report = morning_run.process_day(day=day, progress=processed.append)
    wall = time.perf_counter() - started
    rss_after = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    assert len(processed) == terminals and report.completed == applications, report

    # The floor: one revocation row in its own transaction plus one render of the ⑦ mail, per item.
    sample = list(Certificate.objects.all()[:1000])
    application = application_rows[0]
    floor_started = time.perf_counter()
    for certificate in sample:
        with transaction.atomic():
            Certificate.objects.filter(pk=certificate.pk).update(revoked_at=now, revocation_reason="superseded")
        render_to_string("mail/reissue/completed_body.txt", {"application": application, "site_url": "x"})
    floor = (time.perf_counter() - floor_started) / len(sample)
    return {
        "terminals": terminals,
        "applications": applications,
        "ca": ca_used,
        "wall_s": wall,
        "per_terminal_ms": wall / terminals * 1000,
        "floor_ms": floor * 1000,
        "peak_rss_mb": rss_after / 1024,
        "rss_growth_mb": (rss_after - rss_before) / 1024,
    }


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--sizes", default="1000:200,10000:2000", help="terminals:applications,...")
    parser.add_argument("--child", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        terminals, applications = (int(x) for x in args.child.split(":"))
        print(json.dumps(child(terminals, applications)))
        return
    ensure_postgres(PG_PORT)
    env = {
        **os.environ,
        "DATABASE_URL": database_url(BENCH_DB),
        "DJANGO_SETTINGS_MODULE": "naccs.settings",
        "LOG_LEVEL": "WARNING",
        "EMAIL_BACKEND": "django.core.mail.backends.locmem.EmailBackend",
        "PYTHONPATH": str(ROOT),
    }
    results = []
    for size in args.sizes.split(","):
        recreate_database(BENCH_DB)
        ca_dir = tempfile.mkdtemp(prefix="naccs-bench-ca-")
        env["CA_DIR"] = ca_dir
        out = output_of([sys.executable, __file__, "--child", size], env=env)
        results.append(json.loads(out.strip().splitlines()[-1]))
        shutil.rmtree(ca_dir, ignore_errors=True)
    print(f"CA: {results[0]['ca']}")
    header = ("terminals", "申込", "wall s", "ms/terminal", "floor ms", "x floor", "peak RSS MB")
    print("{:>9} {:>6} {:>8} {:>12} {:>9} {:>8} {:>12}".format(*header))
    for r in results:
        print(
            f"{r['terminals']:>9} {r['applications']:>6} {r['wall_s']:>8.2f} {r['per_terminal_ms']:>12.2f} "
            f"{r['floor_ms']:>9.2f} {r['per_terminal_ms'] / r['floor_ms']:>8.1f} {r['peak_rss_mb']:>12.0f}"
        )
    if len(results) >= 2:
        small, large = results[0], results[-1]
        print(
            f"growth: {large['terminals'] / small['terminals']:.0f}x terminals -> "
            f"{large['wall_s'] / small['wall_s']:.1f}x wall time "
            f"(per terminal {large['per_terminal_ms'] / small['per_terminal_ms']:.2f}x)"
        )


if __name__ == "__main__":
    main()
