"""Where a page's time goes: the pages of bench/pages.py called in-process under cProfile, no server, no wrk.

    uv run python bench/profile_pages.py [--requests 500] [--top 25] [--only 確認画面]

Same database, data, settings and cookies as bench/pages.py; each page is requested through Django's WSGI handler
(all middleware, the real session and cache), first without a profiler to print the cost per request, then under
cProfile to print the functions that cost the most.
"""

import argparse
import cProfile
import io
import os
import pstats
import shutil
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.harness import ensure_postgres, page_targets, prepared_environment, shared_cache

PG_PORT = 25443  # or the next free one (harness.free_port)
FLOORS = [("bare view (2 KB)", "/bench/bare/"), ("signed-in floor (base layout)", "/bench/signed-in/")]


def wsgi_caller(path: str, cookie: str):
    from django.core.handlers.wsgi import WSGIHandler
    from django.test.client import RequestFactory

    handler = WSGIHandler()
    environ = RequestFactory().get(path, HTTP_COOKIE=cookie, SERVER_NAME="127.0.0.1").environ

    def call() -> int:
        statuses = []
        body = handler(dict(environ, **{"wsgi.input": io.BytesIO()}), lambda status, headers: statuses.append(status))
        size = sum(len(chunk) for chunk in body)
        body.close()  # as a server does: Django's request_finished (closing connections and caches) runs here
        assert statuses[0].startswith("200"), statuses
        return size

    return call


def repeat(call, count: int) -> None:
    for _ in range(count):
        call()


def print_queries(call) -> None:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as captured:
        call()
    for query in captured.captured_queries:
        print(f"  {float(query['time']) * 1000:6.2f} ms  {query['sql'][:300]}")
        if query["sql"].startswith("SELECT") and connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                cursor.execute("EXPLAIN ANALYZE " + query["sql"])
                print("\n".join("      " + row[0] for row in cursor.fetchall()))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--requests", type=int, default=500)
    parser.add_argument("--top", type=int, default=25)
    parser.add_argument("--sort", default="tottime", help="pstats sort key: tottime or cumulative")
    parser.add_argument("--only", help="profile only pages whose label contains this")
    parser.add_argument("--no-profile", action="store_true", help="print only the cost per request")
    parser.add_argument("--queries", action="store_true", help="also print each SQL query of one request, timed")
    parser.add_argument("--callees", help="also print what the functions matching this call, and their cost")
    args = parser.parse_args()
    ensure_postgres(PG_PORT)

    var_dir, env = prepared_environment(prefix="naccs-profile-", steps="demo data, 2,000 terminals")
    try:
        with shared_cache(env) as env:
            profile_pages(env, args)
    finally:
        shutil.rmtree(var_dir, ignore_errors=True)


def profile_pages(env: dict, args) -> None:
    targets = page_targets(env)
    os.environ.update(env)
    import django

    django.setup()
    # The bare floor as a visitor without cookies, the signed-in floor as the demo user of the home page.
    signed_in = targets["home (メニュー画面)"][1]
    floors = [(label, (path, signed_in if "signed-in" in path else "")) for label, path in FLOORS]
    for label, (path, cookie) in [*floors, *targets.items()]:
        if args.only and args.only not in label:
            continue
        call = wsgi_caller(path, cookie)
        size = call()  # warm the caches as the server's first request would
        started = time.perf_counter()
        repeat(call, args.requests)
        per_request = (time.perf_counter() - started) / args.requests * 1000
        print(f"\n== {label}: {per_request:.2f} ms a request, {size:,} bytes", flush=True)
        if args.queries:
            print_queries(call)
        if args.no_profile:
            continue
        profiler = cProfile.Profile()
        profiler.runcall(repeat, call, args.requests)
        pstats.Stats(profiler).sort_stats(args.sort).print_stats(args.top)


if __name__ == "__main__":
    main()
