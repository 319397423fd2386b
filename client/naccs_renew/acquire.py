"""`naccs-renew acquire`: the first 取得 without a browser, EST simpleenroll with the terminal's 認証コード."""

from __future__ import annotations

import re
from datetime import datetime, timezone
from pathlib import Path

from cryptography import x509

from .bundle import checked_certificate, pkcs12_bytes, read_certs_only, write_bundle
from .est import Portal, tls_context
from .outcome import (
    EXIT_CONFIGURATION,
    EXIT_NOT_WRITTEN,
    EXIT_OK,
    FAILED_EXCHANGE,
    complain,
    failed_exchange,
    jst,
    say,
    sent_until_answered,
)
from .password import PasswordUnavailable, read_secret
from .pending import clear_pending, pending_request
from .timing import replace_file

CODES_ENVIRONMENT_VARIABLE = "NACCS_RENEW_AUTH_CODES"


def add_acquire_options(command) -> None:
    command.add_argument("--terminal", required=True, metavar="NAME", help="論理端末名 / the terminal's name")
    command.add_argument(
        "--ca-file", metavar="FILE", help="the portal's CA certificate (PEM or DER, from /pki/ca) to trust"
    )
    codes = command.add_mutually_exclusive_group()
    codes.add_argument("--codes-file", metavar="FILE", help="file holding 認証コード1-3")
    codes.add_argument(
        "--codes-env", metavar="NAME", help=f"environment variable (default {CODES_ENVIRONMENT_VARIABLE})"
    )
    codes.add_argument("--codes-credential", metavar="TARGET", help="Windows credential store generic target")


def auth_codes_of(text: str) -> str:
    """認証コード1–3 as the portal takes them (CODE1-CODE2-CODE3), from a file or variable that holds them separated
    by hyphens, spaces or lines."""
    codes = [code for code in re.split(r"[\s\-]+", text.strip()) if code]
    if len(codes) != 3:
        raise PasswordUnavailable(
            "認証コード1〜3の3つを「-」、空白または改行で区切って渡してください / "
            "give the three 認証コード separated by hyphens, spaces or lines"
        )
    return "-".join(codes)


def trusted_cas(path: str | None) -> list:
    if not path:
        return []
    data = Path(path).read_bytes()
    try:
        return [x509.load_pem_x509_certificate(data) if b"-----BEGIN" in data else x509.load_der_x509_certificate(data)]
    except ValueError:
        raise ValueError(f"{path}: 証明書として読めません / not a certificate") from None


def acquire(args, password: str) -> int:
    """/cacerts, a new key (or the one of a request never answered, FILE.pending), simpleenroll with the 認証コード,
    the answer checked, then FILE written under the password (an existing FILE kept as FILE.prev)."""
    name = args.terminal.strip().upper()
    owner = f"acquire {name}"
    try:
        codes = auth_codes_of(
            read_secret(
                file=args.codes_file, environment=args.codes_env, credential=args.codes_credential,
                default_environment=CODES_ENVIRONMENT_VARIABLE, what=("認証コード", "authentication codes"),
            )
        )  # fmt: skip
    except PasswordUnavailable as error:
        complain(str(error))
        return EXIT_CONFIGURATION
    try:
        portal = Portal(args.server, tls_context(certificate=None, key=None, trusted=trusted_cas(args.ca_file)))
        cas = read_certs_only(portal.cacerts())
        pending = pending_request(args.p12, owner=owner, password=password, key_type=args.key_type, terminal_name=name)
        answer = read_certs_only(
            sent_until_answered(
                lambda request: portal.simpleenroll(request, terminal_name=name, auth_codes=codes), pending.request
            )
        )
        certificate, ca = checked_certificate(
            answer, key=pending.key, terminal_name=name, cas=cas, now=datetime.now(timezone.utc)
        )
    except FAILED_EXCHANGE as error:
        return failed_exchange(error, p12=args.p12, renewal=False)
    content = pkcs12_bytes(key=pending.key, certificate=certificate, ca=ca, terminal_name=name, password=password)
    try:
        if args.p12.exists():
            write_bundle(args.p12, content)
        else:
            replace_file(args.p12, content)  # a private file (0600 on POSIX), as the key in it deserves
    except OSError as error:
        complain(
            f"{args.p12} を書けません（{error}）。もう一度 acquire を実行してください（同じ鍵で再送します）。\n"
            f"Cannot write {args.p12} ({error}); run acquire again (it sends the same key again)."
        )
        return EXIT_NOT_WRITTEN
    clear_pending(args.p12)
    say(
        f"取得しました: 論理端末 {name}、有効期限 {jst(certificate.not_valid_after_utc)}、ファイル {args.p12}\n"
        f"Acquired {name}: expires {jst(certificate.not_valid_after_utc)}, written to {args.p12}"
    )
    return EXIT_OK
