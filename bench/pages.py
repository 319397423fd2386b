"""Page latency and throughput: our pages against two floors, served by the same gunicorn on PostgreSQL.

    uv run python bench/pages.py [--duration 2] [--rounds 10] [--connections 32] [--only 確認画面] [--quick]

Starts a throw-away PostgreSQL cluster and redis-server (bench/harness.py), migrates a fresh database, loads the demo
data plus a company with 2,000 terminals, starts gunicorn (2 workers, production settings, bench.urls) and drives
every page with wrk (Debian's package) for the same time and concurrency: after a warm-up, in rounds of a short run of
each floor then a run of the page (10 rounds of 2 s). The floors (bench/urls.py): the bare view (a fixed 2 KB page,
no session) and the signed-in view (the session and the user read, the base layout rendered with no content: what
every company page pays first). Prints for each page the medians over the rounds of requests/s, p50 and p95, and of
its p95's ratios to each floor's p95 in the same round. Target (issue 28 #7): every signed-in page's p95 within 2× of
the signed-in floor's.
"""

import argparse
import shutil
import sys
import unicodedata
import urllib.request
from pathlib import Path
from statistics import median

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from bench.harness import (
    ensure_postgres,
    page_targets,
    prepared_environment,
    require_wrk,
    run_wrk,
    shared_cache,
    start_gunicorn,
    stop,
)

FLOORS = {"bare": "/bench/bare/", "signed-in": "/bench/signed-in/"}
PG_PORT = 25440  # or the next free one (harness.free_port)
WARM_UP_SECONDS = 2


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--duration", type=int, default=2, help="seconds of each run (default 2)")
    parser.add_argument("--rounds", type=int, default=10, help="rounds of the floors then the page (default 10)")
    parser.add_argument("--connections", type=int, default=32, help="concurrent connections (default 32)")
    parser.add_argument("--port", type=int, default=8765)
    parser.add_argument("--only", help="measure only the pages whose label contains this")
    parser.add_argument("--quick", action="store_true", help="one round of 2 s: does it still run?")
    args = parser.parse_args()
    if args.quick:
        args.rounds = 1
    require_wrk()
    ensure_postgres(PG_PORT)

    var_dir, env = prepared_environment(prefix="naccs-bench-", steps="demo data, 2,000 terminals")
    with shared_cache(env) as env:
        run_pages(env, args)
    shutil.rmtree(var_dir, ignore_errors=True)


def run_pages(env: dict, args) -> None:
    targets = page_targets(env)
    base = f"http://127.0.0.1:{args.port}"
    server = start_gunicorn(env, args.port)
    # The bare floor as a visitor without cookies, the signed-in floor as the demo user of the home page.
    floors = {"bare": (FLOORS["bare"], None), "signed-in": (FLOORS["signed-in"], targets["home (メニュー画面)"][1])}
    try:
        # Short runs of the page, each right after a run of each floor, and the median of its ratios to those runs:
        # this machine's speed drifts by a quarter within a minute (neighbours on the host); long runs, or one floor
        # run at the start, mistake that drift for the page's cost.
        print(f"{'page':<34} {'req/s':>8} {'p50 ms':>7} {'p95 ms':>7} {'bare p95':>8} {'in p95':>7} "
              f"{'/bare':>6} {'/signed-in':>10} {'range':>11} {'errors':>6}", flush=True)  # fmt: skip
        for label, (path, cookie) in {**{f"floor: {name}": floor for name, floor in floors.items()}, **targets}.items():
            if args.only and args.only not in label:
                continue
            for url, page_cookie in [*floors.values(), (path, cookie)]:
                drained_run(base, url, page_cookie, WARM_UP_SECONDS, args.connections)
            rounds = []
            for _ in range(args.rounds):
                bare, signed_in = (
                    drained_run(base, url, floor_cookie, args.duration, args.connections)
                    for url, floor_cookie in floors.values()
                )
                page = drained_run(base, path, cookie, args.duration, args.connections)
                rounds.append((page, bare, signed_in))
            print(summary_line(label, rounds), flush=True)
    finally:
        stop(server)


def drained_run(base: str, path: str, cookie: str | None, duration: int, connections: int) -> dict:
    """run_wrk, then one request of the bare view, which gunicorn answers only after the requests wrk left queued
    when it stopped: without it the next run (often a floor) would start behind the last page's backlog."""
    figures = run_wrk(base + path, cookie, duration, connections)
    urllib.request.urlopen(base + FLOORS["bare"], timeout=60).read()  # noqa: S310 - our own server on 127.0.0.1
    return figures


def summary_line(label: str, rounds: list[tuple[dict, dict, dict]]) -> str:
    to_signed_in = [page["p95_us"] / signed_in["p95_us"] for page, _, signed_in in rounds]
    return (
        f"{padded(label, 34)} {median(page['rps'] for page, _, _ in rounds):8.1f} "
        f"{median(page['p50_us'] for page, _, _ in rounds) / 1000:7.1f} "
        f"{median(page['p95_us'] for page, _, _ in rounds) / 1000:7.1f} "
        f"{median(bare['p95_us'] for _, bare, _ in rounds) / 1000:8.1f} "
        f"{median(signed_in['p95_us'] for _, _, signed_in in rounds) / 1000:7.1f} "
        f"{median(page['p95_us'] / bare['p95_us'] for page, bare, _ in rounds):6.2f} "
        f"{median(to_signed_in):10.2f} {min(to_signed_in):5.2f}–{max(to_signed_in):.2f} "
        f"{sum(page['errors'] for page, _, _ in rounds):6d}"
    )


def padded(label: str, width: int) -> str:
    """`label` filled to `width` columns of a terminal, where a Japanese character takes two."""
    columns = sum(2 if unicodedata.east_asian_width(character) in "WF" else 1 for character in label)
    return label + " " * (width - columns)


if __name__ == "__main__":
    main()
