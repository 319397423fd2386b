"""OCSP and CRL throughput: our production server against OpenSSL's own responder on the same CA (issue 17 #4).

    uv run python bench/ocsp.py [--rounds 8] [--duration 2] [--connections 16] [--revoked 1000]

Starts a throw-away PostgreSQL cluster (scripts/with-test-postgres), migrates a fresh database, creates a CA, a
good and a revoked certificate and `--revoked` more revoked ones (so that the CRL has some size), lets the worker's
job pre-produce the OCSP responses and publish the CRL, and writes OpenSSL's index of the same certificates. Then:
- the revocation responder as production runs it (`gunicorn -k asgi naccs.responder`, production settings),
  with 1 and with 2 workers, the portal (`gunicorn naccs.wsgi`, 2 workers) and `openssl ocsp -index … -multi 2`,
  on 127.0.0.1;
- wrk drives each the same way (same request, same connections), in alternating rounds (who goes first alternates),
  for: POST of one CertID (SHA-1, no nonce: RFC 5019) and GET of the same request in base64, responder against
  OpenSSL; the CRL from the responder and from the portal, each next to a static file of the same size that
  WhiteNoise serves from the portal (the server that serves static files in production).
Prints the medians over the rounds of requests/s and p95, the median ratio ours / theirs with its range, and the
median p95 ratio. Targets: OCSP at least 1.0x OpenSSL's throughput with a p95 no higher; CRL at least 0.8x the
static file.
"""

import argparse
import base64
import contextlib
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import urllib.parse
from pathlib import Path
from statistics import median

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.harness import (
    ROOT,
    ensure_postgres,
    manage,
    prepared_environment,
    require_wrk,
    run_wrk,
    serving,
    serving_responder,
    start,
    stop,
)

OPENSSL_PORT, PORTAL_PORT = 8311, 8320  # OpenSSL's responder moves through 8311-8319
# With one worker the responder leaves a core to wrk on this 2-core machine, with two it takes both (bench/README.md).
RESPONDER_PORTS = {1: 8310, 2: 8330}  # workers: port
PG_PORT = 25442  # unless BENCH_PG_PORT says otherwise; or the next free one (harness.free_port)
STATIC_NAME = "bench-crl-same-size.bin"


def prepare(out_dir: str, revoked: int) -> None:
    """Run inside Django (manage.py shell): the CA, the certificates, the stored answers and OpenSSL's files."""
    import secrets
    from datetime import timedelta

    from cryptography.hazmat.primitives import serialization
    from django.utils import timezone

    from bench.fixtures import terminal_of
    from naccs.accounts.models import Company
    from naccs.pki import ca, issuance, ocsp_prepared, revocation
    from naccs.terminals.models import Certificate

    out = Path(out_dir)
    authority = ca.get_authority() if ca.exists() else ca.create(key_type="ec")
    company = Company.objects.create(code="77770000", name="計測用株式会社")
    terminal = terminal_of(company, "77770A")
    old = issuance.issue_certificate(terminal=terminal, public_key=ca.new_private_key("ec").public_key())
    good = issuance.issue_certificate(terminal=terminal, public_key=ca.new_private_key("ec").public_key())
    now = timezone.now()
    Certificate.objects.bulk_create(
        Certificate(
            terminal=terminal, serial=secrets.token_hex(16).lstrip("0"), not_before=now,
            not_after=now + timedelta(days=300), issued_at=now, revoked_at=now,
            revocation_reason=Certificate.RevocationReason.SUPERSEDED, pem="-",
        )
        for _ in range(revoked)
    )  # fmt: skip
    ocsp_prepared.refresh_prepared()
    crl = revocation.rebuild_crl()

    (out / "ca.pem").write_bytes(authority.certificate.public_bytes(serialization.Encoding.PEM))
    (out / "good.pem").write_text(good.pem)
    (out / "old.pem").write_text(old.pem)
    key = ca.read_key(ca.key_path(ca.ca_dir()), ca.passphrase())
    descriptor = os.open(out / "ca.key", os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(descriptor, "wb") as file:
        file.write(key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                     serialization.NoEncryption()))  # fmt: skip
    (out / "index.txt").write_text("".join(index_line(certificate) for certificate in Certificate.objects.all()))
    (out / "crl.size").write_text(str(len(bytes(crl.der))))


def index_line(certificate) -> str:
    """One line of OpenSSL's CA index (status, expiry, revocation, serial in even-length upper hex, file, DN)."""
    serial = f"{int(certificate.serial, 16):X}"
    serial = serial.rjust(len(serial) + len(serial) % 2, "0")
    revoked = f"{certificate.revoked_at:%y%m%d%H%M%SZ}" if certificate.revoked_at else ""
    status = "R" if certificate.revoked_at else "V"
    return f"{status}\t{certificate.not_after:%y%m%d%H%M%SZ}\t{revoked}\t{serial}\tunknown\t/CN={certificate.pk}\n"


def start_openssl(work: Path, port: int = OPENSSL_PORT) -> subprocess.Popen:
    # Not in a session of its own: with -multi it makes itself a process group (and gives up when it leads a session
    # already); stop() ends that group. Its parent ignores SIGTERM: SIGKILL.
    server = start(
        ["openssl", "ocsp", "-index", "index.txt", "-port", str(port), "-rsigner", "ca.pem", "-rkey",
         "ca.key", "-CA", "ca.pem", "-multi", "2", "-nmin", "240", "-resp_no_certs", "-resp_key_id", "-ignore_err"],
        env=os.environ.copy(), log=work / "openssl.log", cwd=work, own_group=False,
    )  # fmt: skip
    for _ in range(50):
        check = subprocess.run(
            ["openssl", "ocsp", "-issuer", "ca.pem", "-cert", "good.pem", "-url", f"http://127.0.0.1:{port}",
             "-CAfile", "ca.pem", "-no_nonce"],
            cwd=work, capture_output=True, text=True,
        )  # fmt: skip
        if "good.pem: good" in check.stdout:
            return server
        time.sleep(0.2)
    stop(server, signal.SIGKILL)
    raise SystemExit(f"openssl ocsp did not answer: {check.stdout}{check.stderr}{(work / 'openssl.log').read_text()}")


def verify(work: Path, url: str) -> None:
    """Both responders must give verified, right answers before they are timed."""
    for name, status in (("good.pem", "good"), ("old.pem", "revoked")):
        result = subprocess.run(
            ["openssl", "ocsp", "-issuer", "ca.pem", "-cert", name, "-url", url, "-CAfile", "ca.pem", "-no_nonce"],
            cwd=work, capture_output=True, text=True,
        )  # fmt: skip
        if f"{name}: {status}" not in result.stdout or "Response verify OK" not in result.stderr:
            raise SystemExit(f"{url} gave a wrong answer for {name}: {result.stdout}{result.stderr}")


class OpenSSLResponder:
    """OpenSSL's responder, started for each run of wrk and stopped right after it, outside the measured time:
    OpenSSL 3.0's stops answering after a wrk run of 16 connections, and its two children then spin, each on a core
    (seen with top), which would take the machine from the next run of ours. Each start listens on the next port of
    8311-8319 (the old one stays taken for a while)."""

    def __init__(self, work: Path):
        self.work, self.port = work, OPENSSL_PORT - 1

    @contextlib.contextmanager
    def running(self):
        self.port = OPENSSL_PORT + (self.port + 1 - OPENSSL_PORT) % 9
        process = start_openssl(self.work, self.port)
        try:
            yield
        finally:
            stop(process, signal.SIGKILL)

    def url(self, path: str = "/"):
        return lambda: f"http://127.0.0.1:{self.port}{path}"


def compare(label: str, ours: tuple, theirs: tuple, args, around_theirs=contextlib.nullcontext) -> str:
    """Alternating rounds of wrk on (url, script env) pairs; one summary line. Each run of the other side is made
    inside `around_theirs()`."""

    def run(target, duration):
        with around_theirs() if target is theirs else contextlib.nullcontext():
            return run_wrk_with(*target, duration, args.connections)

    run(ours, 1), run(theirs, 1)
    rounds = []
    for number in range(args.rounds):
        pair = (ours, theirs) if number % 2 == 0 else (theirs, ours)
        results = {id(target): run(target, args.duration) for target in pair}
        rounds.append((results[id(ours)], results[id(theirs)]))
    ratios = [mine["rps"] / other["rps"] for mine, other in rounds]
    errors = sum(mine["errors"] + other["errors"] for mine, other in rounds)
    return (
        f"{label:<34} {median(m['rps'] for m, _ in rounds):9.0f} {median(m['p95_us'] for m, _ in rounds) / 1000:7.2f} "
        f"{median(o['rps'] for _, o in rounds):9.0f} {median(o['p95_us'] for _, o in rounds) / 1000:7.2f} "
        f"{median(ratios):6.2f} {min(ratios):5.2f}–{max(ratios):.2f} "
        f"{median(m['p95_us'] / o['p95_us'] for m, o in rounds):9.2f} {errors:6d}"
    )


def run_wrk_with(url: str, env: dict | None, duration: int, connections: int) -> dict:
    """run_wrk, or with bench/ocsp_post.lua (a POST of the DER file in OCSP_REQUEST) when `env` names one."""
    url = url() if callable(url) else url
    if not env:
        return run_wrk(url, None, duration, connections)
    command = ["wrk", "-t2", f"-c{connections}", f"-d{duration}s", "-s", str(ROOT / "bench" / "ocsp_post.lua"), url]
    output = subprocess.run(command, check=True, capture_output=True, text=True, env={**os.environ, **env}).stdout
    line = next(line for line in output.splitlines() if line.startswith("BENCH "))
    figures = {key: int(value) for key, value in (pair.split("=") for pair in line[6:].split())}
    figures["rps"] = figures["requests"] / (figures["duration_us"] / 1e6)
    return figures


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rounds", type=int, default=8)
    parser.add_argument("--duration", type=int, default=2, help="seconds of each run (default 2)")
    parser.add_argument("--connections", type=int, default=16)
    parser.add_argument("--revoked", type=int, default=1000, help="revoked certificates besides the two measured")
    args = parser.parse_args()
    require_wrk()
    ensure_postgres(PG_PORT)

    var_dir, env = prepared_environment(prefix="naccs-bench-ocsp-", steps=f"a CA and {args.revoked} revocations")
    work = Path(tempfile.mkdtemp(prefix="naccs-bench-ocsp-files-"))
    static_copy = ROOT / "staticfiles" / STATIC_NAME
    try:
        manage(env, "shell", "-c", f"from bench.ocsp import prepare; prepare({str(work)!r}, {args.revoked})")
        size = int((work / "crl.size").read_text())
        static_copy.write_bytes(os.urandom(size))  # WhiteNoise indexes STATIC_ROOT when gunicorn starts
        subprocess.run(["openssl", "ocsp", "-issuer", "ca.pem", "-cert", "good.pem", "-no_nonce", "-reqout",
                        "request.der"], cwd=work, check=True, capture_output=True)  # fmt: skip
        encoded = urllib.parse.quote(base64.b64encode((work / "request.der").read_bytes()).decode(), safe="")
        openssl = OpenSSLResponder(work)
        with contextlib.ExitStack() as servers:
            ours = {}
            for workers, port in RESPONDER_PORTS.items():
                ours[workers] = servers.enter_context(serving_responder(env, port, workers))
                verify(work, f"{ours[workers]}/pki/ocsp")
            portal = servers.enter_context(serving(env, PORTAL_PORT))
            with openssl.running():
                verify(work, openssl.url()())
            post_env = {"OCSP_REQUEST": str(work / "request.der"), "P95_LUA": str(ROOT / "bench" / "p95.lua")}
            print(f"{args.rounds} rounds of {args.duration} s, wrk -t2 -c{args.connections}; CRL {size:,} bytes "
                  f"({args.revoked + 1:,} entries)", flush=True)  # fmt: skip
            print(f"{'':<34} {'ours/s':>9} {'p95 ms':>7} {'other/s':>9} {'p95 ms':>7} {'ratio':>6} {'range':>10} "
                  f"{'p95 ratio':>9} {'errors':>6}", flush=True)  # fmt: skip
            static = (f"{portal}/static/{STATIC_NAME}", None)
            for workers, url in ours.items():
                print(compare(f"OCSP POST, {workers} worker(s) vs openssl", (f"{url}/pki/ocsp", post_env),
                              (openssl.url(), post_env), args, openssl.running), flush=True)  # fmt: skip
                print(compare(f"OCSP GET, {workers} worker(s) vs openssl", (f"{url}/pki/ocsp/{encoded}", None),
                              (openssl.url(f"/{encoded}"), None), args, openssl.running), flush=True)  # fmt: skip
            print(compare("OCSP POST, portal (WSGI) vs openssl", (f"{portal}/pki/ocsp", post_env),
                          (openssl.url(), post_env), args, openssl.running), flush=True)  # fmt: skip
            print(compare("CRL (responder) vs static", (f"{ours[2]}/pki/crl", None), static, args), flush=True)
            print(compare("CRL (portal) vs static", (f"{portal}/pki/crl", None), static, args), flush=True)
    finally:
        static_copy.unlink(missing_ok=True)
        if not os.environ.get("BENCH_KEEP"):
            shutil.rmtree(work, ignore_errors=True)
        shutil.rmtree(var_dir, ignore_errors=True)


if __name__ == "__main__":
    main()
