"""EST renewal over mutual TLS through nginx against the bare `cryptography` floor, and expiry reminders at scale.

    uv run python bench/est.py [--count 30] [--reminders 10000] [--port 8760] [--database-url postgres://...]

Renewal, per certificate, RSA-2048 (the issue's target: ours <= 1.5x the floor):
- ours: the terminal makes its RSA-2048 key and PKCS#10, opens a new TLS connection to nginx presenting its current
  certificate, POSTs /.well-known/est/simplereenroll (nginx -> gunicorn -> the app: certificate check, row locks,
  window, signing, superseding, audit) and reads the PKCS#7 back;
- floor: the same key and PKCS#10, then in-process and without a database: the request's signature checked, the
  certificate with the same extensions signed by the same CA key, and the same PKCS#7.
The two alternate, one of each per round. Also printed: the same without the key generation (the server's share).

Reminders: N certificates due a reminder (10 per company, one user each), `send_expiry_reminders` run once per size;
time per reminder should stay flat as N grows (linear), with a fixed number of queries per company.
"""

import argparse
import base64
import http.client
import ssl
import statistics
import sys
import tempfile
import time
from datetime import timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from bench.harness import BEHIND_NGINX, portal_behind_nginx, setup_django


def bench_renewals(count: int, port: int, env: dict, var_dir: Path) -> None:
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.serialization import pkcs7
    from cryptography.x509.oid import NameOID
    from django.utils import timezone

    from bench.fixtures import renewable_terminal
    from naccs.accounts.models import Company
    from naccs.pki import ca, est, issuance

    authority = ca.get_authority()
    company = Company.objects.create(code="12345678", name="通関商事株式会社")
    holders = []  # (terminal, cert file, key file), each inside its renewal window
    for number in range(2 * count + 1):
        terminal, _, _ = renewable_terminal(company, f"R{number:05d}", var_dir)
        holders.append((terminal, var_dir / f"{terminal.name}.pem", var_dir / f"{terminal.name}.key"))

    with portal_behind_nginx(env, var_dir, port) as https_port:

        def request_for(name: str):
            key = ca.new_private_key("rsa")
            csr = (
                x509.CertificateSigningRequestBuilder()
                .subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, name)]))
                .sign(key, hashes.SHA256())
            )
            return key, csr

        def ours(holder, *, with_key=True) -> float:
            terminal, cert_file, key_file = holder
            start_time = time.perf_counter()
            csr = request_for(terminal.name)[1] if with_key else prepared[terminal.name]
            context = ssl.create_default_context(cafile=str(var_dir / "tls" / "client-ca.pem"))
            context.load_cert_chain(str(cert_file), str(key_file))
            connection = http.client.HTTPSConnection("127.0.0.1", https_port, context=context)
            connection.request(
                "POST", "/.well-known/est/simplereenroll", body=est_body(csr),
                headers={"Content-Type": "application/pkcs10"},
            )  # fmt: skip
            response = connection.getresponse()
            body = response.read()
            connection.close()
            if response.status != 200:
                raise RuntimeError(f"{response.status}: {body.decode()}")
            pkcs7.load_der_pkcs7_certificates(base64.b64decode(body))
            return time.perf_counter() - start_time

        def floor(name: str, *, with_key=True) -> float:
            start_time = time.perf_counter()
            csr = request_for(name)[1] if with_key else prepared[name]
            parsed = est.parse_csr(est_body(csr))  # signature checked
            now = timezone.now()
            terminal = holders[0][0]
            certificate = issuance.build_certificate(
                authority, terminal=terminal, public_key=parsed.public_key(), not_before=now,
                not_after=issuance.certificate_expiry(now),
            )  # fmt: skip
            est.certs_only([certificate])
            return time.perf_counter() - start_time

        def est_body(csr) -> bytes:
            return base64.encodebytes(csr.public_bytes(serialization.Encoding.DER))

        ours(holders.pop())  # warm up both workers' CA and connections
        ours(holders.pop())
        half = len(holders) // 2
        full, server_only = holders[:half], holders[half:]
        prepared = {holder[0].name: request_for(holder[0].name)[1] for holder in server_only}

        rows = []
        for label, batch, with_key in (("with the key pair", full, True), ("server's share", server_only, False)):
            floor_times, our_times = [], []
            for holder in batch:
                floor_times.append(floor(holder[0].name, with_key=with_key))
                our_times.append(ours(holder, with_key=with_key))
            rows.append((label, floor_times, our_times))
        print(f"EST simplereenroll, RSA-2048, over mutual TLS through nginx ({count} renewals per row)")
        print(f"{'':<22} {'floor ms':>9} {'ours ms':>9} {'ratio':>6} {'ours/s':>7}  ratio range (p25-p75)")
        for label, floor_times, our_times in rows:
            floor_ms, ours_ms = statistics.median(floor_times) * 1000, statistics.median(our_times) * 1000
            ratios = sorted(o / f for o, f in zip(our_times, floor_times, strict=True))
            quartiles = statistics.quantiles(ratios, n=4)
            print(
                f"{label:<22} {floor_ms:9.2f} {ours_ms:9.2f} {ours_ms / floor_ms:6.2f} {1000 / ours_ms:7.1f}"
                f"  {quartiles[0]:.2f}-{quartiles[2]:.2f}"
            )


def bench_reminders(total: int) -> None:
    from django.db import connection
    from django.utils import timezone

    from naccs.accounts.models import Company, User
    from naccs.center import reminders
    from naccs.mailer.models import OutboundMail
    from naccs.terminals.models import Certificate, LogicalTerminal

    per_company = 10
    print(f"\nExpiry reminders ({per_company} certificates per company, one user each, all due the 7-day reminder)")
    print(f"{'reminders':>10} {'companies':>10} {'seconds':>8} {'µs/reminder':>12} {'queries':>8} {'per company':>12}")
    sizes = [total // 4, total // 2, total]
    for run, size in enumerate(sizes):
        companies = Company.objects.bulk_create(
            Company(code=f"9{run}{number:06d}", name=f"会社{run}-{number}") for number in range(size // per_company)
        )
        User.objects.bulk_create(
            User(username=f"u{company.code}", company=company, email=f"{company.code}@example.jp", password="!")
            for company in companies
        )
        terminals = LogicalTerminal.objects.bulk_create(
            LogicalTerminal(
                company=company, name=f"{run}{i * per_company + index:05d}", category="sea",
                device_type="netNACCS", auth_code1="A", auth_code2="B", auth_code3="C",
            )
            for i, company in enumerate(companies)
            for index in range(per_company)
        )  # fmt: skip
        now = timezone.now()
        Certificate.objects.bulk_create(
            Certificate(
                terminal=terminal, serial=f"{run:x}{terminal.pk:030x}", not_before=now - timedelta(days=360),
                not_after=now + timedelta(days=5), issued_at=now - timedelta(days=360),
            )
            for terminal in terminals
        )  # fmt: skip
        mails_before = OutboundMail.objects.count()
        queries = []

        def count(execute, sql, params, many, context, queries=queries):
            queries.append(1)  # counted, not logged: the query log stops at 9,000
            return execute(sql, params, many, context)

        with connection.execute_wrapper(count):
            start_time = time.perf_counter()
            reminded = reminders.send_expiry_reminders(now=now)
            seconds = time.perf_counter() - start_time
        assert reminded == size, (reminded, size)
        assert OutboundMail.objects.count() - mails_before == len(companies)
        print(
            f"{size:>10,} {len(companies):>10,} {seconds:8.2f} {seconds / size * 1e6:12.0f} {len(queries):>8,}"
            f" {len(queries) / len(companies):12.1f}"
        )
        # This size's certificates are renewed (superseded): the next size starts from a fleet with nothing due.
        Certificate.objects.filter(terminal__in=terminals).update(revoked_at=now)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--count", type=int, default=30, help="renewals per row (default 30)")
    parser.add_argument(
        "--reminders", type=int, default=10_000, help="the largest number of reminders (default 10,000)"
    )
    parser.add_argument(
        "--port", type=int, default=8760, help="gunicorn on this port, nginx on the next (default 8760)"
    )
    parser.add_argument("--database-url", help="default: a fresh SQLite file")
    args = parser.parse_args()
    var_dir = Path(tempfile.mkdtemp(prefix="naccs-est-"))
    env = setup_django(var_dir, args.database_url, **BEHIND_NGINX)
    from naccs.pki import ca

    ca.create(key_type="ec")
    if args.count:
        bench_renewals(args.count, args.port, env, var_dir)
    if args.reminders:
        bench_reminders(args.reminders)


if __name__ == "__main__":
    main()
