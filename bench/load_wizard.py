"""Load: 50 users walk whole 申込 wizards at once for 60 s against gunicorn on PostgreSQL.

    uv run python bench/load_wizard.py [--users 50] [--duration 60]
        [--kinds reissue,broker_ids,contract_change,system_settings]

Each user has a company of its own with 100 terminals and walks the kinds in turn, again and again, over keep-alive
connections to 127.0.0.1: a reissue (guidance → 申込担当者 → 論理端末 → 確認画面 → 登録 → completion page, one new
terminal per walk), a 通関士IDの追加 (… → 通関士, one added with 「申込内容確認へ進む」 → …), a 契約内容の変更
(… → 契約者情報 → 事業所・論理端末, a terminal added → …) and a システム設定の申込 (… → 設定内容 → one terminal's
settings → …). A kind walks by a Walker method named walk_<kind>, from its first own step to its 確認画面.
Prints walks (per kind), requests, errors and latency, then checks in the database that every completed walk made
exactly one 申込 (issues 6 and 15: 0 errors, one 申込 per completed walk).
"""

import argparse
import collections
import http.client
import re
import shutil
import statistics
import sys
import threading
import time
from pathlib import Path
from urllib.parse import urlencode

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.harness import ensure_postgres, manage, prepared_environment, shared_cache, start_gunicorn, stop

PG_PORT = 25444  # or the next free one (harness.free_port)

APPLICANT = {
    "last_name": "負荷",
    "first_name": "試験",
    "last_name_kana": "フカ",
    "first_name_kana": "シケン",
    "department": "情報システム部",
    "phone": "0312345678",
    "email": "walker@example.jp",
    "email_confirm": "walker@example.jp",
}


BROKER = {
    "last_name": "負荷",
    "first_name": "一郎",
    "last_name_kana": "フカ",
    "first_name_kana": "イチロウ",
    "registration_number": "10001",
    "email": "broker@example.jp",
    "email_confirm": "broker@example.jp",
}


class Walker:
    """One user in one browser: a keep-alive connection, the session cookie and the CSRF token."""

    def __init__(self, port: int, cookie: str, terminal_ids: list[str], office_id: str, desired: str, kinds: list):
        self.port = port
        self.kinds = kinds
        self.office_id = office_id
        self.terminal_name = self.group_id = None
        self.cookies = dict(part.split("=", 1) for part in cookie.split("; "))
        self.terminals = iter(terminal_ids)
        self.desired = desired
        self.connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        self.latencies, self.errors, self.walks, self.receipts = [], [], 0, []
        self.walks_by_kind = collections.Counter()

    def request(self, method: str, path: str, form: dict | None = None, expect=(200, 302)):
        headers = {
            "Cookie": "; ".join(f"{key}={value}" for key, value in self.cookies.items()),
            # Production settings: the proxy says https, and the CSRF check wants a same-origin Referer.
            "X-Forwarded-Proto": "https",
            "Referer": f"https://127.0.0.1:{self.port}/",
        }
        body = None
        if form is not None:
            body = urlencode({**form, "csrfmiddlewaretoken": self.cookies.get("csrftoken", "")}, doseq=True)
            headers["Content-Type"] = "application/x-www-form-urlencoded"
        start = time.perf_counter()
        self.connection.request(method, path, body=body, headers=headers)
        response = self.connection.getresponse()
        content = response.read()
        self.latencies.append(time.perf_counter() - start)
        for header, value in response.getheaders():
            if header.lower() == "set-cookie":
                name, rest = value.split("=", 1)
                self.cookies[name] = rest.split(";", 1)[0]
        if response.status not in expect:
            errors = [part.split("</p>", 1)[0] for part in content.decode().split('class="field-error"')[1:]]
            raise RuntimeError(f"{method} {path}: {response.status} {' '.join(errors)[:200]}")
        return response.getheader("Location", ""), content.decode()

    def walk(self) -> None:
        kind = self.kinds[self.walks % len(self.kinds)]
        self.request("GET", f"/applications/{kind}/")  # sets the CSRF cookie
        applicant, _ = self.request("POST", f"/applications/{kind}/", {}, expect=(302,))
        first_step, _ = self.request("POST", applicant, APPLICANT, expect=(302,))
        confirm = getattr(self, f"walk_{kind}")(first_step)
        done, _ = self.request("POST", confirm, {}, expect=(302,))
        _, page = self.request("GET", done, expect=(200,))
        self.receipts.append(page.split('id="receipt-number">', 1)[1].split("<", 1)[0])
        self.walks += 1
        self.walks_by_kind[kind] += 1

    def walk_reissue(self, terminals: str) -> str:
        form = {"desired_date": self.desired, "reason": "replaced", "terminals": next(self.terminals)}
        return self.request("POST", terminals, form, expect=(302,))[0]

    def walk_broker_ids(self, brokers: str) -> str:
        # Another person each walk: the same 通関士 twice in one company is refused (issue 27 #9).
        number = 10001 + self.walks_by_kind["broker_ids"]
        person = {"registration_number": str(number), "email": f"broker{number}@example.jp"}
        person["email_confirm"] = person["email"]
        form = {**BROKER, **person, "office": self.office_id, "desired_date": self.desired, "go": "confirm"}
        return self.request("POST", brokers, form, expect=(302,))[0]

    def walk_contract_change(self, details: str) -> str:
        items, _ = self.request("POST", details, {"desired_date": self.desired, "representative": "代表　太郎"}, (302,))
        form = {
            "go": "add_terminal", "add_terminal-category": "air", "add_terminal-device_type": "webNACCS",
            "add_terminal-terminal_office": self.office_id,
        }  # fmt: skip
        self.request("POST", items, form, expect=(302,))
        return self.request("POST", items, {"go": "confirm"}, expect=(302,))[0]

    def walk_system_settings(self, details: str) -> str:
        terminals, _ = self.request("POST", details, {"desired_date": self.desired, "address1": "n@example.jp"}, (302,))
        if self.group_id is None:
            _, page = self.request("GET", terminals, expect=(200,))
            self.group_id = re.search(r'name="business_groups" value="(\d+)"', page).group(1)
            _, contract = self.request("GET", "/contract/", expect=(200,))
            self.terminal_name = re.search(r"<td>(W\d{5})</td>", contract).group(1)
        form = {"go": "add", "terminal_name": self.terminal_name, "business_groups": self.group_id}
        self.request("POST", terminals, form, expect=(302,))
        return self.request("POST", terminals, {"go": "confirm"}, expect=(302,))[0]

    def run(self, until: float) -> None:
        while time.time() < until:
            try:
                self.walk()
            except (RuntimeError, OSError, StopIteration) as error:
                self.errors.append(str(error))
                self.connection.close()
                self.connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=30)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--users", type=int, default=50)
    parser.add_argument("--duration", type=int, default=60)
    parser.add_argument("--port", type=int, default=8766)
    parser.add_argument(
        "--kinds", default="reissue,broker_ids,contract_change,system_settings", help="the kinds walked in turn"
    )
    args = parser.parse_args()
    ensure_postgres(PG_PORT)
    var_dir, env = prepared_environment(prefix="naccs-load-", steps="CA, users and terminals")
    with shared_cache(env) as env:
        walk_for(args, env, var_dir)


def walk_for(args, env: dict, var_dir: str) -> None:
    manage(env, "ca_create", "--common-name", "NACCS Bench CA")
    lines = manage(env, "shell", "-c", f"from bench.fixtures import prepare_walkers; prepare_walkers({args.users})")
    desired_code = "from naccs.lib.business_days import earliest_desired_date as e; print(e().strftime('%Y%m%d'))"
    desired = manage(env, "shell", "--no-imports", "-c", desired_code).strip()
    users = [line.split("\t") for line in lines.strip().splitlines() if "\t" in line]

    server = start_gunicorn(env, args.port)
    try:
        kinds = args.kinds.split(",")
        # Each user starts at another kind, so that every kind is walked from the first second.
        walkers = [
            Walker(
                args.port,
                cookie,
                ids.split(","),
                office,
                desired,
                kinds[index % len(kinds) :] + kinds[: index % len(kinds)],
            )
            for index, (cookie, ids, office) in enumerate(users)
        ]
        until = time.time() + args.duration
        threads = [threading.Thread(target=walker.run, args=(until,)) for walker in walkers]
        started = time.perf_counter()
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        elapsed = time.perf_counter() - started
    finally:
        stop(server)

    walks = sum(walker.walks for walker in walkers)
    errors = [error for walker in walkers for error in walker.errors]
    latencies = sorted(latency for walker in walkers for latency in walker.latencies)
    receipts = [receipt for walker in walkers for receipt in walker.receipts]
    count = manage(
        env, "shell", "--no-imports", "-c",
        "from naccs.applications.models import Application as A; "
        "print(A.objects.filter(status='submitted', company__code__startswith='7').count())",
    ).strip().splitlines()[-1]  # fmt: skip
    shutil.rmtree(var_dir, ignore_errors=True)
    print(f"kinds {', '.join(kinds)}")
    print(f"users {len(walkers)}, {elapsed:.0f} s: {walks} completed walks, {len(latencies)} requests "
          f"({len(latencies) / elapsed:.0f}/s), errors {len(errors)}")  # fmt: skip
    print(f"latency p50 {statistics.median(latencies) * 1000:.0f} ms, "
          f"p95 {latencies[int(len(latencies) * 0.95)] * 1000:.0f} ms")  # fmt: skip
    by_kind = sum((walker.walks_by_kind for walker in walkers), collections.Counter())
    print("walks by kind: " + ", ".join(f"{kind} {walks}" for kind, walks in sorted(by_kind.items())))
    print(f"申込 in the database: {count}; distinct 申込受付番号 shown: {len(set(receipts))}")
    for error in errors[:5]:
        print("  error:", error)
    ok = not errors and int(count) == walks == len(set(receipts))
    print("OK: 0 errors and exactly one 申込 per completed walk" if ok else "FAILED")
    sys.exit(0 if ok else 1)


if __name__ == "__main__":
    main()
