"""The throw-away PostgreSQL cluster of the benchmarks, and a database of their own for those that need one.

The script re-runs itself inside scripts/with-test-postgres (on BENCH_PG_PORT, else the script's own default port, so
that benchmarks run side by side) unless BENCH_DATABASE_URL names a database to use instead.
"""

import os
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def ensure_postgres(default_port: str = "54340") -> None:
    if os.environ.get("BENCH_DATABASE_URL") or os.environ.get("BENCH_UNDER_PG"):
        return
    env = {**os.environ, "PG_TEST_PORT": os.environ.get("BENCH_PG_PORT", default_port), "BENCH_UNDER_PG": "1"}
    script = ROOT / "scripts" / "with-test-postgres"
    os.execvpe(str(script), [str(script), sys.executable, *sys.argv], env)


def database_url(name: str) -> str:
    """BENCH_DATABASE_URL, else the database `name` in the cluster that with-test-postgres started."""
    return os.environ.get("BENCH_DATABASE_URL") or os.environ["DATABASE_URL"].rsplit("/", 1)[0] + "/" + name


def recreate_database(name: str) -> None:
    import psycopg

    admin_url = database_url(name).rsplit("/", 1)[0] + "/postgres"
    with psycopg.connect(admin_url, autocommit=True) as connection:
        connection.execute(f"DROP DATABASE IF EXISTS {name}")
        connection.execute(f"CREATE DATABASE {name}")
