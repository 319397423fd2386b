"""Page throughput: our pages against a bare Django view, served by the same gunicorn on PostgreSQL.

    uv run python bench/pages.py [--duration 2] [--rounds 10] [--connections 32] [--only 確認画面]

Starts a throw-away PostgreSQL cluster (scripts/with-test-postgres), migrates a fresh database, loads the demo data
plus a company with 2,000 terminals, starts gunicorn (2 workers, production settings) on 127.0.0.1 and drives every
page with wrk (Debian's package) for the same time and concurrency: after a warm-up, in rounds of a short bare-view run
then a run of the page (10 rounds of 2 s: each side driven for 20 s). Prints for each page the medians over the rounds
of requests/s, p50 and p95, and of its ratios to the bare run just before it, with the lowest and highest ratio.
Targets (issue 7): home and 確認画面 >= 0.5 of the bare view's throughput; the 2,000-terminal 論理端末 step's p95
under 10x the bare view's p95.
"""

import argparse
import contextlib
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
import urllib.request
from contextlib import contextmanager
from functools import cache
from pathlib import Path
from statistics import median

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
from bench.postgres import ensure_postgres  # noqa: E402  (re-exported for the other benchmarks)

# Ports of their own, so that benchmarks run side by side with other work: BENCH_PG_PORT (bench/postgres.py),
# BENCH_REDIS_PORT.
REDIS_PORT = os.environ.get("BENCH_REDIS_PORT", "56380")
BARE_PATH = "/bench/bare/"
BENCH_DB = "naccs_bench"
WARM_UP_SECONDS = 2


def django_env(var_dir: str, database: str = BENCH_DB) -> dict:
    database_url = os.environ.get("BENCH_DATABASE_URL") or os.environ["DATABASE_URL"].rsplit("/", 1)[0] + "/" + database
    return {
        **os.environ,
        "DATABASE_URL": database_url,
        "DJANGO_SETTINGS_MODULE": "bench.settings",
        "DJANGO_DEBUG": "0",
        "SECRET_KEY": "bench-only-secret-key-" + "k3y" * 16,
        "CA_PASSPHRASE": "bench-only-ca-passphrase",
        "SECURE_SSL_REDIRECT": "0",
        "ALLOWED_HOSTS": "127.0.0.1",
        "DB_CONN_MAX_AGE": "600",
        "VAR_DIR": var_dir,
        "LOG_LEVEL": "WARNING",
        "PYTHONPATH": str(ROOT),
    }


def create_database(name: str = BENCH_DB) -> None:
    import psycopg

    admin_url = os.environ["DATABASE_URL"].rsplit("/", 1)[0] + "/postgres"
    with psycopg.connect(admin_url, autocommit=True) as connection:
        connection.execute(f"DROP DATABASE IF EXISTS {name}")
        connection.execute(f"CREATE DATABASE {name}")


@cache
def python_for(root: Path) -> str:
    """The Python of the code under `root`: ours, or one made from that tree's own uv.lock (another commit may need
    other packages)."""
    if root == ROOT:
        return sys.executable
    uv = shutil.which("uv") or f"{sys.executable} -m uv"
    subprocess.run([*uv.split(), "sync", "--frozen", "--quiet"], cwd=root, check=True)
    return str(root / ".venv" / "bin" / "python")


def manage(env: dict, *args: str, root: Path = ROOT) -> str:
    """manage.py of the code under `root` (the working tree, or another commit's worktree)."""
    result = subprocess.run(
        [python_for(root), "manage.py", *args], cwd=root, env={**env, "PYTHONPATH": str(root)}, check=True,
        capture_output=True, text=True,
    )  # fmt: skip
    return result.stdout


def prepared_environment(*, prefix: str, steps: str, database: str = BENCH_DB, root: Path = ROOT) -> tuple[str, dict]:
    """A fresh database and VAR_DIR, migrated by the code under `root` with static files collected; returns
    (var_dir, environment)."""
    var_dir = tempfile.mkdtemp(prefix=prefix)
    env = django_env(var_dir, database)
    if not os.environ.get("BENCH_DATABASE_URL"):
        create_database(database)
    print(f"preparing: migrate, collectstatic, {steps} …", flush=True)
    manage(env, "migrate", "--no-input", "-v0", root=root)
    manage(env, "collectstatic", "--no-input", "-v0", root=root)
    return var_dir, env


@contextmanager
def shared_cache(env: dict):
    """`env` with a throw-away Debian redis-server as the shared cache (REDIS_URL), as several web hosts use it;
    without redis-server the servers keep sessions in the database only."""
    server_binary = shutil.which("redis-server")
    if server_binary is None:
        print("redis-server is missing: sessions are read from the database", flush=True)
        yield env
        return
    directory = tempfile.mkdtemp(prefix="naccs-redis-")
    server = subprocess.Popen(
        [server_binary, "--port", REDIS_PORT, "--bind", "127.0.0.1", "--save", "", "--appendonly", "no",
         "--dir", directory],
        stdout=subprocess.DEVNULL,
    )  # fmt: skip
    try:
        time.sleep(0.3)
        yield {**env, "REDIS_URL": f"redis://127.0.0.1:{REDIS_PORT}/0"}
    finally:
        server.terminate()
        server.wait()
        shutil.rmtree(directory, ignore_errors=True)


def start_gunicorn(env: dict, port: int, root: Path = ROOT, *, application: str = "naccs.wsgi", workers: int = 2,
                   options: tuple = (), ready_path: str = "/accounts/login/") -> subprocess.Popen:  # fmt: skip
    """gunicorn with `workers` on 127.0.0.1 serving `application` from the code under `root` (by default the portal;
    `options` such as the worker class of the revocation responder), production settings from `env`; waits until
    `ready_path` answers."""
    server = subprocess.Popen(
        [python_for(root), "-m", "gunicorn", application, *options, "--workers", str(workers), "--bind",
         f"127.0.0.1:{port}", "--log-level", "warning"],
        cwd=root, env={**env, "PYTHONPATH": str(root)},
    )  # fmt: skip
    try:
        wait_until_up(f"http://127.0.0.1:{port}{ready_path}")
    except BaseException:
        server.terminate()
        raise
    return server


@contextlib.contextmanager
def serving(env: dict, port: int, **options):
    """start_gunicorn(env, port, **options) for the time of the block; its base URL."""
    server = start_gunicorn(env, port, **options)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.terminate()
        server.wait()


def wait_until_up(url: str) -> None:
    for _ in range(100):
        try:
            urllib.request.urlopen(url, timeout=1)  # noqa: S310 - our own server on 127.0.0.1
            return
        except OSError:
            time.sleep(0.1)
    raise SystemExit(f"gunicorn did not answer at {url}")


def run_wrk(url: str, cookie: str | None, duration: int, connections: int) -> dict:
    command = ["wrk", "-t2", f"-c{connections}", f"-d{duration}s", "-s", str(ROOT / "bench" / "p95.lua"), url]
    if cookie:
        command[1:1] = ["-H", f"Cookie: {cookie}"]
    output = subprocess.run(command, check=True, capture_output=True, text=True).stdout
    match = re.search(r"BENCH (.*)", output)
    figures = dict(pair.split("=") for pair in match.group(1).split())
    figures = {key: int(value) for key, value in figures.items()}
    figures["rps"] = figures["requests"] / (figures["duration_us"] / 1e6)
    return figures


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--duration", type=int, default=2, help="seconds of each run (default 2)")
    parser.add_argument("--rounds", type=int, default=10, help="rounds of bare view then page (default 10)")
    parser.add_argument("--connections", type=int, default=32, help="concurrent connections (default 32)")
    parser.add_argument("--port", type=int, default=8765)
    parser.add_argument("--only", help="measure only the pages whose label contains this")
    args = parser.parse_args()
    if not shutil.which("wrk"):
        raise SystemExit("wrk is missing: apt-get install wrk")
    ensure_postgres()

    var_dir, env = prepared_environment(prefix="naccs-bench-", steps="demo data, 2,000 terminals")
    with shared_cache(env) as env:
        run_pages(env, args)
    shutil.rmtree(var_dir, ignore_errors=True)


def page_targets(env: dict, root: Path = ROOT) -> dict[str, tuple[str, str]]:
    """The demo data and bench.fixtures' pages under the code of `root`: label → (path, cookie)."""
    manage(env, "load_demo_data", root=root)
    lines = manage(env, "shell", "-c", "from bench.fixtures import prepare; prepare()", root=root).splitlines()
    return {
        label: (path, cookie) for label, path, cookie in (line.split("\t") for line in lines if line.count("\t") == 2)
    }


def run_pages(env: dict, args) -> None:
    targets = page_targets(env)
    base = f"http://127.0.0.1:{args.port}"
    server = start_gunicorn(env, args.port)
    try:
        # Short runs of the page, each right after a run of the bare view, and the median of its ratios to those
        # runs: this machine's speed drifts by a quarter within a minute (neighbours on the host); long runs, or one
        # bare run at the start, mistake that drift for the page's cost.
        print(f"{'page':<28} {'req/s':>8} {'p50 ms':>7} {'p95 ms':>7} {'bare':>8} {'ratio':>6} {'range':>11} "
              f"{'p95 ratio':>9} {'errors':>6}", flush=True)  # fmt: skip
        for label, (path, cookie) in targets.items():
            if args.only and args.only not in label:
                continue
            run_wrk(base + BARE_PATH, None, WARM_UP_SECONDS, args.connections)
            run_wrk(base + path, cookie, WARM_UP_SECONDS, args.connections)
            rounds = []
            for _ in range(args.rounds):
                bare = run_wrk(base + BARE_PATH, None, args.duration, args.connections)
                page = run_wrk(base + path, cookie, args.duration, args.connections)
                rounds.append((page, bare))
            print(summary_line(label, rounds), flush=True)
    finally:
        server.terminate()
        server.wait()


def summary_line(label: str, rounds: list[tuple[dict, dict]]) -> str:
    ratios = [page["rps"] / bare["rps"] for page, bare in rounds]
    return (
        f"{label:<28} {median(page['rps'] for page, _ in rounds):8.1f} "
        f"{median(page['p50_us'] for page, _ in rounds) / 1000:7.1f} "
        f"{median(page['p95_us'] for page, _ in rounds) / 1000:7.1f} "
        f"{median(bare['rps'] for _, bare in rounds):8.1f} {median(ratios):6.2f} "
        f"{min(ratios):5.2f}–{max(ratios):.2f} "
        f"{median(page['p95_us'] / bare['p95_us'] for page, bare in rounds):9.2f} "
        f"{sum(page['errors'] for page, _ in rounds):6d}"
    )


if __name__ == "__main__":
    main()
