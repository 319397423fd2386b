"""naccs-renew against the bare EST request, the portal's EST throughput, and a fleet of 10,000 with and without jitter.

    uv run python bench/renew_client.py [--count 10] [--burst 300] [--concurrency 8] [--fleet 10000] [--port 8770]

1. One renewal, RSA-2048, through nginx (gunicorn, 2 workers), alternating:
   - client: `python -m naccs_renew renew --p12 …` as a scheduler starts it (interpreter and imports, the .p12
     decrypted, GET /cacerts, the key pair, POST simplereenroll, the answer checked, the new .p12 written);
   - bare: what bench/est.py times (the key pair, a new TLS connection with the current certificate, the POST, the
     PKCS#7 read back).
2. Throughput: `--burst` renewals from `--concurrency` threads with requests made beforehand: renewals per second.
4. The first 取得 with the 認証コード (`--count` each, alternating): `naccs-renew acquire` as a person starts it (the
   interpreter and imports, GET /cacerts, the key pair kept in FILE.pending, POST simpleenroll with HTTP Basic, the
   answer checked, the .p12 written) against the bare request (the key pair, a new TLS connection without a client
   certificate, the POST with the codes, the PKCS#7 read back). Each terminal has an open pickup.
3. A fleet of `--fleet` terminals whose certificates were issued on one day (their windows open on one day), run by
   the systemd timer of client/systemd (every 4 hours at 00/4:00, RandomizedDelaySec=1h): when each first asks,
   without jitter (the first run after the window opens) and with naccs-renew's (timing.first_attempt); the busiest
   minute and hour against the throughput of 2.
"""

import argparse
import base64
import http.client
import random
import ssl
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter
from datetime import UTC, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(ROOT), str(ROOT / "client")]
from bench.harness import BEHIND_NGINX, portal_behind_nginx, setup_django  # noqa: E402

PASSWORD = "bench-p12-password"


def holders(count: int, var_dir: Path) -> list:
    """`count` terminals inside their window, each with its .p12 (as 取得 gives it) and its PEM files."""
    from cryptography import x509

    from bench.fixtures import renewable_terminal
    from naccs.accounts.models import Company
    from naccs.pki import ca
    from naccs.pki.acquisition import pkcs12_file

    authority = ca.get_authority()
    company = Company.objects.create(code="12345678", name="通関商事株式会社")
    made = []
    for number in range(count):
        terminal, key, row = renewable_terminal(company, f"C{number:05d}", var_dir)
        certificate = x509.load_pem_x509_certificate(row.pem.encode())
        (var_dir / f"{terminal.name}.p12").write_bytes(
            pkcs12_file(terminal.name, key, certificate, authority, PASSWORD)
        )
        made.append(terminal.name)
    return made


def signing_request(name: str) -> bytes:
    from naccs_renew.bundle import new_key
    from naccs_renew.bundle import signing_request as client_request

    return client_request(new_key("rsa"), name)


def est_request(https_port: int, context: ssl.SSLContext, path: str, body: bytes, headers: dict) -> None:
    """One EST POST as a bare client makes it, its certificate read from the answer."""
    from cryptography.hazmat.primitives.serialization import pkcs7

    connection = http.client.HTTPSConnection("127.0.0.1", https_port, context=context)
    connection.request("POST", path, body=body, headers={"Content-Type": "application/pkcs10", **headers})
    response = connection.getresponse()
    answer = response.read()
    connection.close()
    if response.status != 200:
        raise RuntimeError(f"{response.status}: {answer.decode()}")
    pkcs7.load_der_pkcs7_certificates(base64.b64decode(answer))


def bare(name: str, https_port: int, var_dir: Path, body: bytes | None = None) -> float:
    started = time.perf_counter()
    body = body or signing_request(name)
    context = ssl.create_default_context(cafile=str(var_dir / "tls" / "client-ca.pem"))
    context.load_cert_chain(str(var_dir / f"{name}.pem"), str(var_dir / f"{name}.key"))
    est_request(https_port, context, "/.well-known/est/simplereenroll", body, {})
    return time.perf_counter() - started


def client(name: str, https_port: int, var_dir: Path) -> float:
    started = time.perf_counter()
    done = subprocess.run(
        [sys.executable, "-m", "naccs_renew", "renew", "--p12", str(var_dir / f"{name}.p12"),
         "--server", f"https://127.0.0.1:{https_port}", "--password-env", "BENCH_P12_PASSWORD"],
        cwd=ROOT / "client", capture_output=True, text=True,
        env={"BENCH_P12_PASSWORD": PASSWORD, "PATH": "/usr/bin:/bin"},
    )  # fmt: skip
    if done.returncode != 0:
        raise RuntimeError(done.stderr)
    return time.perf_counter() - started


def bench_one_renewal(names: list, https_port: int, var_dir: Path) -> None:
    client_times, bare_times = [], []
    for client_name, bare_name in zip(names[0::2], names[1::2], strict=True):
        client_times.append(client(client_name, https_port, var_dir))
        bare_times.append(bare(bare_name, https_port, var_dir))
    started = time.perf_counter()
    subprocess.run([sys.executable, "-c", "import naccs_renew.cli"], cwd=ROOT / "client", check=True)
    startup = time.perf_counter() - started
    client_ms, bare_ms = statistics.median(client_times) * 1000, statistics.median(bare_times) * 1000
    print(f"One renewal, RSA-2048, median of {len(client_times)} each (alternating)")
    print(f"  naccs-renew renew (new process)   {client_ms:8.1f} ms")
    print(f"  bare EST request                  {bare_ms:8.1f} ms")
    print(f"  ratio                             {client_ms / bare_ms:8.2f}")
    print(f"  of which interpreter + imports    {startup * 1000:8.1f} ms (python -c 'import naccs_renew.cli')")


def bench_throughput(names: list, https_port: int, var_dir: Path, concurrency: int) -> float:
    bodies = {name: signing_request(name) for name in names}
    queue, lock, failures = list(names), threading.Lock(), []

    def worker():
        while True:
            with lock:
                if not queue:
                    return
                name = queue.pop()
            try:
                bare(name, https_port, var_dir, bodies[name])
            except Exception as error:
                failures.append(error)

    started = time.perf_counter()
    threads = [threading.Thread(target=worker) for _ in range(concurrency)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    seconds = time.perf_counter() - started
    rate = (len(names) - len(failures)) / seconds
    print(f"\nThroughput: {len(names)} renewals from {concurrency} threads in {seconds:.1f} s: {rate:.1f} /s")
    if failures:
        print(f"  {len(failures)} failed, e.g. {failures[0]}")
    return rate


CODES = ("NAC", "CODE2", "NACCS")


def with_pickups(count: int) -> list:
    """`count` new terminals, each with an open pickup (a 契約内容の変更 added them): what `acquire` is for."""
    from naccs.accounts.models import Company
    from naccs.pki import pickups
    from naccs.terminals.models import LogicalTerminal

    company = Company.objects.get()
    names = []
    for number in range(count):
        terminal = LogicalTerminal.objects.create(
            company=company, name=f"A{number:05d}", category="sea", device_type="netNACCS",
            auth_code1=CODES[0], auth_code2=CODES[1], auth_code3=CODES[2],
        )  # fmt: skip
        pickups.open_pickup(terminal=terminal)
        names.append(terminal.name)
    return names


def bare_enroll(name: str, https_port: int, var_dir: Path) -> float:
    started = time.perf_counter()
    body = signing_request(name)
    context = ssl.create_default_context(cafile=str(var_dir / "tls" / "client-ca.pem"))
    credentials = base64.b64encode(f"{name}:{'-'.join(CODES)}".encode()).decode()
    est_request(https_port, context, "/.well-known/est/simpleenroll", body, {"Authorization": f"Basic {credentials}"})
    return time.perf_counter() - started


def client_acquire(name: str, https_port: int, var_dir: Path) -> float:
    started = time.perf_counter()
    done = subprocess.run(
        [sys.executable, "-m", "naccs_renew", "acquire", "--terminal", name, "--p12", str(var_dir / f"{name}.p12"),
         "--server", f"https://127.0.0.1:{https_port}", "--ca-file", str(var_dir / "tls" / "client-ca.pem"),
         "--password-env", "BENCH_P12_PASSWORD", "--codes-env", "BENCH_CODES"],
        cwd=ROOT / "client", capture_output=True, text=True,
        env={"BENCH_P12_PASSWORD": PASSWORD, "BENCH_CODES": "-".join(CODES), "PATH": "/usr/bin:/bin"},
    )  # fmt: skip
    if done.returncode != 0:
        raise RuntimeError(done.stderr)
    return time.perf_counter() - started


def bench_acquisition(count: int, https_port: int, var_dir: Path) -> None:
    names = with_pickups(2 * count)
    client_times, bare_times = [], []
    for client_name, bare_name in zip(names[0::2], names[1::2], strict=True):
        client_times.append(client_acquire(client_name, https_port, var_dir))
        bare_times.append(bare_enroll(bare_name, https_port, var_dir))
    client_ms, bare_ms = statistics.median(client_times) * 1000, statistics.median(bare_times) * 1000
    print(f"\nFirst 取得 with the 認証コード, RSA-2048, median of {len(client_times)} each (alternating)")
    print(f"  naccs-renew acquire (new process) {client_ms:8.1f} ms")
    print(f"  bare simpleenroll                 {bare_ms:8.1f} ms")
    print(f"  ratio                             {client_ms / bare_ms:8.2f}")


def timer_runs_after(moment: datetime, rng: random.Random) -> datetime:
    """When the systemd timer (OnCalendar 00/4:00, RandomizedDelaySec=1h) next starts the service after `moment`:
    each machine draws its delay anew at each elapse; the first elapse whose start is at or after `moment`."""
    slot = moment.replace(minute=0, second=0, microsecond=0)
    slot -= timedelta(hours=slot.hour % 4)
    while True:
        run = slot + timedelta(seconds=rng.uniform(0, 3600))
        if run >= moment:
            return run
        slot += timedelta(hours=4)


def bench_fleet(size: int, capacity: float) -> None:
    from naccs_renew import timing

    rng = random.Random(29)  # noqa: S311 - a reproducible simulation, not a secret
    expiry = datetime(2027, 3, 1, 1, 0, tzinfo=UTC)  # 10:00 in Tokyo: all issued on one day
    opens = timing.window_opens(expiry)
    print(f"\nA fleet of {size:,} whose windows open on {opens:%Y-%m-%d %H:%M %Z}, systemd timer every 4 h + ≤1 h")
    print(f"{'':<16} {'busiest minute':>15} {'per second':>11} {'busiest hour':>13} {'days':>5} {'peak/capacity':>14}")
    for label, jitter in (("without jitter", False), ("with jitter", True)):
        asks = []
        for _ in range(size):
            der = rng.randbytes(700)  # stands in for a certificate's DER: first_attempt hashes it
            due = timing.first_attempt(der, expiry) if jitter else opens
            asks.append(timer_runs_after(due, rng))
        minutes = Counter(ask.replace(second=0, microsecond=0) for ask in asks)
        hours = Counter(ask.replace(minute=0, second=0, microsecond=0) for ask in asks)
        busiest_minute, busiest_hour = max(minutes.values()), max(hours.values())
        days = (max(asks) - min(asks)).total_seconds() / 86400
        print(
            f"{label:<16} {busiest_minute:>15,} {busiest_minute / 60:>11.2f} {busiest_hour:>13,} {days:>5.1f}"
            f" {busiest_minute / 60 / capacity:>14.3f}"
        )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--count", type=int, default=10, help="renewals of each kind in 1 (default 10)")
    parser.add_argument("--burst", type=int, default=300, help="renewals in 2 (default 300)")
    parser.add_argument("--concurrency", type=int, default=8, help="threads in 2 (default 8)")
    parser.add_argument("--fleet", type=int, default=10_000, help="terminals in 3 (default 10,000)")
    parser.add_argument("--port", type=int, default=8770, help="gunicorn on this port, nginx on the next")
    args = parser.parse_args()
    var_dir = Path(tempfile.mkdtemp(prefix="naccs-renew-bench-"))
    env = setup_django(var_dir, **BEHIND_NGINX)
    from naccs.pki import ca

    ca.create(key_type="ec")
    names = holders(2 * args.count + args.burst + 2, var_dir)
    with portal_behind_nginx(env, var_dir, args.port) as https_port:
        bare(names.pop(), https_port, var_dir)  # warm up both workers
        bare(names.pop(), https_port, var_dir)
        bench_one_renewal(names[: 2 * args.count], https_port, var_dir)
        capacity = bench_throughput(names[2 * args.count :], https_port, var_dir, args.concurrency)
        bench_acquisition(args.count, https_port, var_dir)
    bench_fleet(args.fleet, capacity)


if __name__ == "__main__":
    main()
