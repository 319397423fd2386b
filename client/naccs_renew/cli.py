"""The `naccs-renew` command: status, renew, run (for schedulers). Exit codes and messages: client/README.md."""

from __future__ import annotations

import argparse
import os
import shlex
import subprocess
import sys
from datetime import datetime, timezone
from pathlib import Path

from cryptography import x509

from . import __version__
from .acquire import acquire, add_acquire_options
from .bundle import (
    Bundle,
    BundleError,
    checked_certificate,
    pkcs12_bytes,
    read_bundle,
    read_certs_only,
    save_aside,
    write_bundle,
)
from .est import Portal, tls_context
from .outcome import (
    EXIT_BAD_ANSWER,
    EXIT_CONFIGURATION,
    EXIT_EXEC_FAILED,
    EXIT_EXPIRED,
    EXIT_NOT_WRITTEN,
    EXIT_OK,
    EXIT_REFUSED,
    EXIT_UNAVAILABLE,
    FAILED_EXCHANGE,
    complain,
    failed_exchange,
    jst,
    say,
    sent_until_answered,
)
from .password import PasswordUnavailable, read_password
from .pending import clear_pending, pending_request
from .timing import backoff, clear_state, first_attempt, in_window, read_state, window_opens, write_state

EXPIRED = (
    "証明書の有効期限（{expiry}）が過ぎているため更新できません。NACCSサポートシステムのメニュー"
    "「デジタル証明書の再発行」から再発行の申込を行ってください。\n"
    "The certificate expired on {expiry} and cannot be renewed: apply for a reissue (デジタル証明書の再発行) "
    "in the NACCS support portal."
)


def parser() -> argparse.ArgumentParser:
    top = argparse.ArgumentParser(
        prog="naccs-renew",
        description="NACCS 論理端末のデジタル証明書を EST で更新します / renews a terminal's certificate",
    )
    top.add_argument("--version", action="version", version=f"naccs-renew {__version__}")
    commands = top.add_subparsers(dest="command", required=True)
    for name, text in (
        ("status", "証明書と更新期間を表示 / show the certificate and its renewal window"),
        ("renew", "更新期間内なら今すぐ更新 / renew now if inside the window"),
        ("run", "スケジューラ用: 時期が来ていれば更新、そうでなければ何もせず終了コード0 / for schedulers"),
        ("acquire", "認証コードで最初の証明書を取得 / first acquisition with the terminal's 認証コード"),
    ):
        # No abbreviations: `--password SECRET` must never be taken for `--password-file SECRET`.
        command = commands.add_parser(name, help=text, description=text, allow_abbrev=False)
        command.add_argument("--p12", required=True, type=Path, help="PKCS#12 file (.p12/.pfx)")
        secret = command.add_mutually_exclusive_group()
        secret.add_argument("--password-file", metavar="FILE", help="file holding the PKCS#12 password")
        secret.add_argument(
            "--password-env", metavar="NAME", help="environment variable (default NACCS_RENEW_PASSWORD)"
        )
        secret.add_argument("--password-credential", metavar="TARGET", help="Windows credential store generic target")
        if name == "status":
            continue
        server = os.environ.get("NACCS_RENEW_SERVER")
        command.add_argument(
            "--server", default=server, required=not server, help="portal URL (default $NACCS_RENEW_SERVER)"
        )
        command.add_argument("--key-type", choices=("rsa", "ec"), default="rsa", help="new key: RSA-2048 or EC P-256")
        if name == "acquire":
            add_acquire_options(command)
            continue
        command.add_argument("--exec", dest="exec_command", metavar="COMMAND", help="run after a renewal")
    return top


def main(argv: list[str] | None = None) -> int:
    # Output redirected to a log on a Windows without Japanese (cp1252) cannot encode the Japanese half of a message:
    # it becomes "?" instead of a crash, and the English half stays readable.
    for stream in (sys.stdout, sys.stderr):
        if hasattr(stream, "reconfigure"):
            stream.reconfigure(errors="replace")
    args = parser().parse_args(argv)
    now = datetime.now(timezone.utc)
    try:
        password = read_password(
            file=args.password_file, environment=args.password_env, credential=args.password_credential
        )
        if args.command == "acquire":
            return acquire(args, password)
        bundle = read_bundle(args.p12, password)
    except (PasswordUnavailable, BundleError) as error:
        complain(str(error))
        return EXIT_CONFIGURATION
    if args.command == "status":
        return status(bundle, now)
    if now >= bundle.not_after:
        complain(EXPIRED.format(expiry=jst(bundle.not_after)))
        return EXIT_EXPIRED
    if args.command == "renew":
        if not in_window(bundle.not_after, now):
            say(
                f"更新期間外のため何もしません。更新期間は {jst(window_opens(bundle.not_after))} からです。\n"
                f"Outside the renewal window: nothing done. It opens at {jst(window_opens(bundle.not_after))}."
            )
            return EXIT_OK
        return renew(args, bundle, password, now)
    return run(args, bundle, password, now)


def status(bundle: Bundle, now: datetime) -> int:
    issuer = bundle.issuer_certificate()
    if issuer is not None:
        # The key identifier (RFC 5280 method 1, as our CA sets it) tells the CA's generations apart: a rotated CA may
        # keep its name, never its key.
        key_id = x509.SubjectKeyIdentifier.from_public_key(issuer.public_key()).digest.hex(":")
        ca_text = (
            f"{issuer.subject.rfc4514_string()} (鍵識別子 / key id {key_id}, "
            f"有効期限 / until {jst(issuer.not_valid_after_utc)})"
        )
    else:
        ca_text = (
            f"{bundle.certificate.issuer.rfc4514_string()} (ファイルに認証局の証明書なし / no CA certificate in file)"
        )
    opens = window_opens(bundle.not_after)
    if now >= bundle.not_after:
        window = "期限切れ: 再発行の申込が必要です / expired: a reissue is needed"
    elif in_window(bundle.not_after, now):
        window = f"開いています（{jst(opens)} から）/ open since {jst(opens)}"
    else:
        window = f"まだ開いていません: {jst(opens)} から / not open yet: opens {jst(opens)}"
    say(
        f"論理端末 / terminal: {bundle.terminal_name}\n"
        f"シリアル番号 / serial: {bundle.serial}\n"
        f"発行した認証局 / issuing CA: {ca_text}\n"
        f"有効期限 / expires: {jst(bundle.not_after)}\n"
        f"更新期間 / renewal window: {window}\n"
        f"run の初回更新時刻 / run first renews at: {jst(first_attempt(bundle.der, bundle.not_after))}"
    )
    return EXIT_OK


def renew(args, bundle: Bundle, password: str, now: datetime) -> int:
    """One renewal: /cacerts, a new key, simplereenroll presenting the current certificate, the answer checked, the
    new file written, then --exec."""
    try:
        portal = Portal(args.server, tls_context(certificate=bundle.certificate, key=bundle.key, trusted=bundle.cas))
        cas = read_certs_only(portal.cacerts())
        # The key of a request whose answer never came (FILE.pending) is sent again; a new one only otherwise.
        pending = pending_request(
            args.p12, owner=bundle.serial, password=password, key_type=args.key_type, terminal_name=bundle.terminal_name
        )
        answer = read_certs_only(sent_until_answered(portal.simplereenroll, pending.request))
        key = pending.key
        certificate, ca = checked_certificate(
            answer, key=key, terminal_name=bundle.terminal_name, cas=cas, now=datetime.now(timezone.utc)
        )
    except FAILED_EXCHANGE as error:
        return failed_exchange(error, p12=args.p12)
    content = pkcs12_bytes(
        key=key, certificate=certificate, ca=ca, terminal_name=bundle.terminal_name, password=password
    )
    try:
        previous = write_bundle(args.p12, content)
    except OSError as error:
        return not_written(args.p12, content, error)
    clear_pending(args.p12)
    clear_state(args.p12)
    say(
        f"更新しました: 論理端末 {bundle.terminal_name}、新しい有効期限 {jst(certificate.not_valid_after_utc)}"
        f"（以前のファイル: {previous}）\n"
        f"Renewed {bundle.terminal_name}: expires {jst(certificate.not_valid_after_utc)} (previous file kept as "
        f"{previous})"
    )
    if args.exec_command:
        return run_exec(args.exec_command, p12=args.p12, terminal_name=bundle.terminal_name, password=password)
    return EXIT_OK


def not_written(p12: Path, content: bytes, error: OSError) -> int:
    try:
        aside = str(save_aside(p12, content))
        clear_pending(p12)  # the new key is in the file saved aside
    except OSError:
        aside = "（保存できませんでした / could not be saved）"
    complain(
        f"更新しましたが {p12} を書き換えられません（{error}）。新しいファイルを {aside} に保存しました。"
        f"以前の証明書は失効しているので、このファイルで {p12} を置き換えてください。\n"
        f"Renewed, but {p12} could not be replaced ({error}). The new file is saved as {aside}; the previous "
        f"certificate is revoked, so put it in place of {p12}."
    )
    return EXIT_NOT_WRITTEN


def run_exec(command: str, *, p12: Path, terminal_name: str, password: str) -> int:
    """The operator's command after a renewal (e.g. PowerShell's Import-PfxCertificate), given the new file, the
    terminal and the password in its environment only, never on a command line."""
    environment = {
        **os.environ,
        "NACCS_RENEW_P12": str(p12.resolve()),
        "NACCS_RENEW_TERMINAL": terminal_name,
        "NACCS_RENEW_PASSWORD": password,
    }
    # Windows takes a command line as one string (CreateProcess); elsewhere it is split as a shell would, without one.
    argv = command if sys.platform == "win32" else shlex.split(command)
    try:
        done = subprocess.run(argv, env=environment, check=False)  # noqa: S603 - the operator's own command
    except OSError as error:
        complain(f"--exec を実行できません / cannot run --exec: {error}")
        return EXIT_EXEC_FAILED
    if done.returncode != 0:
        complain(f"--exec が終了コード {done.returncode} で失敗しました / --exec failed with {done.returncode}")
        return EXIT_EXEC_FAILED
    return EXIT_OK


def run(args, bundle: Bundle, password: str, now: datetime) -> int:
    """For schedulers: renew when due, else exit 0 without a word (a no-op is never a failure). Due: from this
    certificate's own point in the first week of its window, and after the backoff of earlier failures."""
    if now < first_attempt(bundle.der, bundle.not_after):
        return EXIT_OK
    state = read_state(args.p12, bundle.serial)
    if state.next_attempt is not None and now < state.next_attempt:
        return EXIT_OK
    outcome = renew(args, bundle, password, now)
    if outcome in (EXIT_UNAVAILABLE, EXIT_REFUSED, EXIT_BAD_ANSWER, EXIT_CONFIGURATION):
        state.failures += 1
        state.next_attempt = now + backoff(state.failures)
        state.last_error = f"exit {outcome} at {jst(now)}"
        write_state(args.p12, state)
        complain(
            f"{state.failures}回目の失敗です。次は {jst(state.next_attempt)} 以降に試します。\n"
            f"Failure {state.failures} in a row: the next attempt is not before {jst(state.next_attempt)}."
        )
    return outcome


if __name__ == "__main__":
    sys.exit(main())
