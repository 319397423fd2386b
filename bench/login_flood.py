"""Flood: failed logins and failed 取得 from 30 threads against gunicorn (production settings) on PostgreSQL.

    uv run python bench/login_flood.py [--threads 30] [--duration 10] [--port 8100] [--gunicorn-threads 8]

Starts a throw-away PostgreSQL cluster, migrates a fresh database, loads the demo data and starts gunicorn (2 gthread
workers of --gunicorn-threads threads each: threads are what let one process hash many passwords at once, the
issue's 2.7 GiB) behind a stand-in proxy: TRUSTED_PROXY_COUNT=1, and each request says in X-Forwarded-For which
client the proxy saw. Four floods of --duration seconds each:

- login, one address: random 利用者ID and passwords, all from 203.0.113.66;
- login, many addresses: the same, each request from an address of its own (a botnet, the worst case: nothing
  limits by address, every request hashes);
- 取得, one address and many addresses: random terminal names and wrong codes.

Meanwhile a real user (demo) logs in and out once a second in the browser they logged in from before (192.0.2.200,
with its device cookie), and once a second in a new browser (192.0.2.201). Prints for each flood the requests and
their answers, the workers' resident memory (RSS, sampled every 0.2 s: before, peak), the real user's login times,
and how many rows the database gained (issue 13 items 4 and 10: memory bounded, the real user in under 1 s, the
database growing by a bounded amount).
"""

import argparse
import http.client
import random
import re
import string
import sys
import threading
import time
from pathlib import Path
from statistics import median
from urllib.parse import urlencode

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.harness import BEHIND_NGINX, ensure_postgres, load_demo_data, prepared_environment, start_gunicorn, stop

PG_PORT = 25446  # or the next free one (harness.free_port)

REAL_USER = ("demo", "demo-pass-2026")
REAL_ADDRESS = "192.0.2.200"
REAL_ADDRESS_NEW_BROWSER = "192.0.2.201"
REAL_BROWSER: dict[str, str] = {}  # the real user's cookies, kept from one login to the next as a browser keeps them
TABLES = ["accounts_failurecount", "audit_auditevent", "axes_accessattempt", "axes_accesslog", "django_session"]
TOKEN = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')


class Browser:
    """One client on a keep-alive connection with its cookies, behind the stand-in proxy at `address`."""

    def __init__(self, port: int, address: str):
        self.port, self.address = port, address
        self.connection = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
        self.cookies: dict[str, str] = {}

    def request(self, method: str, path: str, form: dict | None = None) -> tuple[int, str]:
        headers = {
            "X-Forwarded-For": self.address,
            "X-TLS-Proxy-Secret": BEHIND_NGINX["TLS_PROXY_SECRET"],
            "X-Forwarded-Proto": "https",
            "Referer": f"https://127.0.0.1:{self.port}/",
        }
        if self.cookies:
            headers["Cookie"] = "; ".join(f"{key}={value}" for key, value in self.cookies.items())
        body = None
        if form is not None:
            body = urlencode(form)
            headers["Content-Type"] = "application/x-www-form-urlencoded"
        try:
            self.connection.request(method, path, body=body, headers=headers)
            response = self.connection.getresponse()
            text = response.read().decode(errors="replace")
        except (http.client.HTTPException, OSError):
            self.connection.close()
            self.connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=60)
            return 0, ""
        for header in response.headers.get_all("Set-Cookie") or []:
            name, _, rest = header.partition("=")
            self.cookies[name] = rest.split(";", 1)[0]
        return response.status, text

    def post_form(self, path: str, form: dict) -> tuple[int, str]:
        """GET the page for its CSRF token, then POST the form."""
        status, page = self.request("GET", path)
        match = TOKEN.search(page)
        if not match:
            return status, page
        return self.request("POST", path, {**form, "csrfmiddlewaretoken": match.group(1)})


def random_text(length: int) -> str:
    return "".join(random.choices(string.ascii_lowercase + string.digits, k=length))  # noqa: S311 - load, not keys


def random_address() -> str:
    return f"10.{random.randrange(256)}.{random.randrange(256)}.{random.randrange(1, 255)}"  # noqa: S311


def failed_login(browser: Browser) -> int:
    status, _ = browser.request(
        "POST", "/accounts/login/", {"username": random_text(10), "password": random_text(12), **browser.token}
    )
    return status


def failed_acquire(browser: Browser) -> int:
    form = {"terminal_name": random_text(6).upper(), "auth_code1": "WRONG", "auth_code2": "WRONG",
            "auth_code3": "WRONG", "password": "p12-pass-2026", "password_confirm": "p12-pass-2026"}  # fmt: skip
    status, _ = browser.request("POST", "/pki/acquire/", {**form, **browser.token})
    return status


def real_login(port: int, cookies: dict | None = None, address: str = REAL_ADDRESS) -> tuple[float, int]:
    """The real user logs in (timed: the POST) and out again, in a browser with `cookies` (kept: its device cookie)
    or a new one; returns (seconds, status of the POST)."""
    browser = Browser(port, address)
    if cookies is not None:
        browser.cookies = cookies
    _, page = browser.request("GET", "/accounts/login/")
    form = {"username": REAL_USER[0], "password": REAL_USER[1], "csrfmiddlewaretoken": TOKEN.search(page)[1]}
    start = time.perf_counter()
    status, _ = browser.request("POST", "/accounts/login/", form)
    elapsed = time.perf_counter() - start
    browser.request("POST", "/accounts/logout/", {})
    return elapsed, status


def worker_pids(master: int) -> list[int]:
    children = Path(f"/proc/{master}/task/{master}/children").read_text().split()
    return [int(pid) for pid in children]


def rss_mib(pids: list[int]) -> list[float]:
    sizes = []
    for pid in pids:
        try:
            status = Path(f"/proc/{pid}/status").read_text()
        except FileNotFoundError:
            continue
        kib = int(re.search(r"VmRSS:\s+(\d+)", status).group(1))
        sizes.append(kib / 1024)
    return sizes


def row_counts(database_url: str) -> dict[str, int]:
    import psycopg

    with psycopg.connect(database_url) as connection:
        counts = {table: connection.execute(f"SELECT count(*) FROM {table}").fetchone()[0] for table in TABLES}  # noqa: S608
        counts["database bytes"] = connection.execute("SELECT pg_database_size(current_database())").fetchone()[0]
    return counts


def flood(port: int, master: int, *, threads: int, duration: float, action, many_addresses: bool) -> dict:
    stop = threading.Event()
    statuses: dict[int, int] = {}
    lock = threading.Lock()
    login_times, new_browser_times, peak = [], [], {"total": 0.0, "worker": 0.0}

    def attacker(number: int):
        browser = Browser(port, "203.0.113.66")
        path = "/accounts/login/" if action is failed_login else "/pki/acquire/"
        _, page = browser.request("GET", path)
        browser.token = {"csrfmiddlewaretoken": TOKEN.search(page).group(1)}
        while not stop.is_set():
            if many_addresses:
                browser.address = random_address()
            status = action(browser)
            with lock:
                statuses[status] = statuses.get(status, 0) + 1

    def real_user():
        while not stop.is_set():
            login_times.append(real_login(port, REAL_BROWSER))
            stop.wait(1)

    def real_user_in_a_new_browser():
        while not stop.is_set():
            new_browser_times.append(real_login(port, address=REAL_ADDRESS_NEW_BROWSER))
            stop.wait(1)

    def sampler():
        while not stop.is_set():
            sizes = rss_mib(worker_pids(master))
            peak["total"] = max(peak["total"], sum(sizes))
            peak["worker"] = max(peak["worker"], max(sizes, default=0))
            stop.wait(0.2)

    before = rss_mib(worker_pids(master))
    running = [threading.Thread(target=attacker, args=(n,)) for n in range(threads)]
    running += [threading.Thread(target=target) for target in (real_user, real_user_in_a_new_browser, sampler)]
    for thread in running:
        thread.start()
    time.sleep(duration)
    stop.set()
    for thread in running:
        thread.join(120)
    return {"statuses": statuses, "before": before, "peak": peak, "logins": login_times, "new": new_browser_times}


def report(label: str, result: dict, rows_before: dict, rows_after: dict, duration: float) -> None:
    total = sum(result["statuses"].values())
    answers = ", ".join(f"{status or 'error'}: {count}" for status, count in sorted(result["statuses"].items()))
    print(f"\n## {label}")
    print(f"requests: {total} ({total / duration:.0f}/s); answers {answers}")
    print(
        f"worker RSS MiB: before {' + '.join(f'{size:.0f}' for size in result['before'])}, "
        f"peak total {result['peak']['total']:.0f}, peak of one worker {result['peak']['worker']:.0f}"
    )
    for who, logins in (("in their browser (device cookie)", result["logins"]), ("in a new browser", result["new"])):
        times = [elapsed for elapsed, _ in logins]
        ok = sum(1 for _, status in logins if status == 302)
        if times:
            print(
                f"real user's login {who}: {ok}/{len(times)} logged in; median {median(times) * 1000:.0f} ms, "
                f"max {max(times) * 1000:.0f} ms"
            )
    growth = {table: rows_after[table] - rows_before[table] for table in rows_after}
    print("database growth: " + ", ".join(f"{table} +{count}" for table, count in growth.items()))


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--threads", type=int, default=30)
    parser.add_argument("--duration", type=float, default=10)
    parser.add_argument("--port", type=int, default=8100)
    parser.add_argument("--gunicorn-threads", type=int, default=8)
    parser.add_argument("--only", choices=["login", "acquire"])
    parser.add_argument(
        "--malloc-arena-max", default="", help="MALLOC_ARENA_MAX for gunicorn (glibc; empty: glibc's default)"
    )
    args = parser.parse_args()
    ensure_postgres(PG_PORT)
    _, env = prepared_environment(prefix="naccs-flood-", steps="demo data")
    env = {**env, "TRUSTED_PROXY_COUNT": "1", "TLS_PROXY_SECRET": BEHIND_NGINX["TLS_PROXY_SECRET"]}
    if args.malloc_arena_max:
        env["MALLOC_ARENA_MAX"] = args.malloc_arena_max
    load_demo_data(env)
    server = start_gunicorn(
        {**env, "DJANGO_SETTINGS_MODULE": "naccs.settings"}, args.port,
        options=("--worker-class", "gthread", "--threads", str(args.gunicorn_threads)),
    )  # fmt: skip
    try:
        for _ in range(4):  # every worker has served a login and a 取得 page before the figures start
            real_login(args.port, REAL_BROWSER)
            Browser(args.port, REAL_ADDRESS).request("GET", "/pki/acquire/")
        floods = [
            ("login", "login flood, one address", failed_login, False),
            ("login", "login flood, a new address for every request", failed_login, True),
            ("acquire", "取得 flood, one address", failed_acquire, False),
            ("acquire", "取得 flood, a new address for every request", failed_acquire, True),
        ]
        for kind, label, action, many in floods:
            if args.only and kind != args.only:
                continue
            rows_before = row_counts(env["DATABASE_URL"])
            result = flood(
                args.port, server.pid, threads=args.threads, duration=args.duration, action=action, many_addresses=many
            )
            report(label, result, rows_before, row_counts(env["DATABASE_URL"]), args.duration)
    finally:
        stop(server)


if __name__ == "__main__":
    main()
