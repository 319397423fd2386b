"""取得: a terminal's name and 認証コード1–3 buy a new key pair and certificate, packed as a password-protected PKCS#12.

Allowed with an open pickup (after a reissue), or without one inside the renewal window. The private key is never
stored. Two ways in: the anonymous 取得 page, whose refusals are counted per terminal and client address and stop it
for a while when too many, and the signed-in 取得 of 契約内容の確認, for the terminal's own company (no such limit).
"""

import hmac
import logging
from dataclasses import dataclass

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.serialization import pkcs12
from django.conf import settings
from django.db import transaction
from django.utils import timezone

from naccs.accounts import limits
from naccs.terminals.models import Certificate, LogicalTerminal, ReplacedAuthCode
from naccs.terminals.provisioning import typed_auth_code
from naccs.terminals.renewal import in_renewal_window, renewal_window_text

from . import ca
from .issuance import (
    VALIDITY_YEARS,
    issue_for_locked_terminal,
    lock_terminal,
    lock_unrevoked_certificates,
    new_terminal_key,
)
from .models import CertificatePickup
from .pickups import PICKUP_MONTHS

WRONG_CODES = "論理端末名または認証コードが正しくありません。入力内容をご確認ください。"

logger = logging.getLogger(__name__)


class AcquisitionRefused(Exception):
    """取得 is not possible; the message tells the user why and what to do."""

    def __init__(self, message: str, *, why: str = ""):
        super().__init__(message)
        self.why = why or message


@dataclass(frozen=True)
class Acquired:
    certificate: Certificate
    pkcs12: bytes


def rules_context(*, on_acquire_page: bool = False) -> dict:
    """The rules of 取得 as the pages state them (pki/_acquisition_rules.html), from the constants that enforce them;
    a page other than the 取得 page links to it."""
    return {
        "acquisition_rules": {
            "validity_years": VALIDITY_YEARS,
            "renewal_window": renewal_window_text(),
            "pickup_months": PICKUP_MONTHS,
            "on_acquire_page": on_acquire_page,
        }
    }


# The anonymous 取得 page's limits, checked in this order (the address first: a flood refused by its address adds no
# rows for the names it tries). Per terminal and address, so that a stranger's wrong tries never lock the terminal's
# own users out; per address, so that one client cannot try terminal after terminal; and a slower one per terminal
# from any address, against a guess spread over many addresses (its owners then acquire from 契約内容の確認).
BY_ADDRESS = limits.Limit("acquire.address", "ACQUIRE_ADDRESS_ATTEMPT_LIMIT", "ACQUIRE_ATTEMPT_WINDOW_MINUTES")
BY_TERMINAL_AND_ADDRESS = limits.Limit(
    "acquire.terminal+address", "ACQUIRE_ATTEMPT_LIMIT", "ACQUIRE_ATTEMPT_WINDOW_MINUTES"
)
BY_TERMINAL = limits.Limit("acquire.terminal", "ACQUIRE_TERMINAL_ATTEMPT_LIMIT", "ACQUIRE_ATTEMPT_WINDOW_MINUTES")


def take_anonymous_attempt(*, terminal_name: str, client_address: str) -> limits.Attempt:
    """Count an anonymous 取得 as failed until it succeeds, or refuse it unchecked when a limit is reached."""
    name = terminal_name[:64]
    checks = [(BY_ADDRESS, client_address), (BY_TERMINAL_AND_ADDRESS, f"{name} {client_address}"), (BY_TERMINAL, name)]
    try:
        return limits.take_attempt(checks)
    except limits.LimitReached:
        logger.info("取得 refused unchecked: terminal=%r address=%s (limit reached)", name, client_address)
        raise AcquisitionRefused(
            "取得の失敗が続いたため、一時的に受付を停止しています。"
            f"{settings.ACQUIRE_ATTEMPT_WINDOW_MINUTES}分ほど時間をおいてから再度お試しいただくか、"
            "ログインして「契約内容の確認」から取得してください。",
            why="throttled",
        ) from None


def codes_match(terminal: LogicalTerminal, codes: tuple[str, str, str]) -> bool:
    expected = (terminal.auth_code1, terminal.auth_code2, terminal.auth_code3)
    # Both sides read alike (case, width, spaces), so that a code stored before in any case still matches.
    pairs = [(typed_auth_code(a), typed_auth_code(b)) for a, b in zip(expected, codes, strict=True)]
    # Compare all three in constant time, so that timing never tells which code was wrong.
    return all([hmac.compare_digest(a.encode(), b.encode()) for a, b in pairs])


def check_renewal_window(unrevoked: list[Certificate], now) -> None:
    """Without an open pickup, 取得 renews the current certificate inside its renewal window; else refuse, saying
    whether it is too early or too late (after expiry a reissue is needed, manual ②)."""
    current = max(unrevoked, key=lambda certificate: certificate.not_after, default=None)
    if current is not None and in_renewal_window(current.not_after, now):
        return
    if current is None or current.not_after <= now:
        raise AcquisitionRefused(
            "デジタル証明書の有効期限が切れているため、取得できません。"
            "メニューの「デジタル証明書の再発行」から再発行の申込を行ってください。",
            why="not allowed",
        )
    raise AcquisitionRefused(
        f"現在のデジタル証明書は有効です（有効期限 {timezone.localtime(current.not_after):%Y/%m/%d}）。"
        f"更新のための取得は{renewal_window_text(current.not_after)}行えます。",
        why="not allowed",
    )


def acquire_certificate(*, terminal_name: str, auth_codes, password: str, client_address: str) -> Acquired:
    """The anonymous 取得 of the 取得 page: a key pair made here and its certificate, as PKCS#12."""
    return acquire_anonymously(
        terminal_name=terminal_name,
        auth_codes=auth_codes,
        client_address=client_address,
        issue_with=lambda codes: issue(
            {"name": terminal_name, "is_active": True}, auth_codes=codes, password=password, actor_label=client_address
        ),
    )


def acquire_anonymously(*, terminal_name: str, auth_codes, client_address: str, issue_with):
    """The anonymous 取得, whichever way it comes (the 取得 page, or EST simpleenroll with the codes as HTTP Basic
    credentials: pki.enrollment): the terminal's name and its three 認証コード, within the limits above, then
    `issue_with(auth_codes)`, which checks the codes again under the terminal's lock (`certify`).

    A refusal is counted (accounts.FailureCount, per terminal, address and window) and logged with its reason; the page
    writes no audit row of its own for it (EST records `est.refused`, as for all its refusals)."""
    attempt = take_anonymous_attempt(terminal_name=terminal_name, client_address=client_address)
    auth_codes = tuple(auth_codes)
    try:
        # Wrong codes are refused before the key pair is made (and again under the terminal's lock).
        check_codes(terminal_name, auth_codes)
        result = issue_with(auth_codes)
    except AcquisitionRefused as refusal:
        logger.info("取得 refused: terminal=%r address=%s why=%s", terminal_name[:64], client_address, refusal.why)
        raise
    attempt.succeeded()
    return result


def acquire_for_company(*, terminal_name: str, password: str, user, client_address: str) -> Acquired:
    """取得 from 契約内容の確認, by a signed-in user of the terminal's own company.

    No 認証コード are asked and no anonymous limit applies: what authorises it is the login (password, with its own
    lockout), which also shows this user the codes on the same page, so asking for them would prove nothing more;
    and so no stranger's wrong tries on the 取得 page can keep the company from its certificate. The rules of 取得
    (a pickup, or the renewal window) apply as always, and it is audited with the user and their address."""
    return issue(
        {"name": terminal_name, "company": user.company, "is_active": True}, password=password, actor=user,
        address=client_address,
    )  # fmt: skip


def issue(lookup: dict, *, password: str, auth_codes=None, actor=None, actor_label: str = "", **details) -> Acquired:
    """A new key pair and certificate for the terminal found by `lookup` (and `auth_codes` when given), packed as
    PKCS#12 with the chosen password; refused unless the terminal has an open pickup or is in its renewal window."""
    # The key pair is made before any lock is taken: an RSA key takes tens of milliseconds, during which SQLite would
    # hold its write lock.
    key = new_terminal_key()
    authority = ca.get_authority()
    issued, certificate = certify(
        lookup, public_key=key.public_key(), authority=authority, auth_codes=auth_codes, actor=actor,
        actor_label=actor_label, **details,
    )  # fmt: skip
    return Acquired(certificate=issued, pkcs12=pkcs12_file(issued.terminal.name, key, certificate, authority, password))


def certify(
    lookup: dict, *, public_key, authority=None, auth_codes=None, actor=None, actor_label: str = "", via: str = "取得",
    answered_before=None, **details,
):  # fmt: skip
    """The certificate of 取得 for `public_key` (made here, or the terminal's own from EST simpleenroll): for the
    terminal found by `lookup` (and `auth_codes` when given), under its row lock. `answered_before(terminal,
    unrevoked, now)` may give the answer of the same request already issued (a lost answer sent again)."""
    authority = authority or ca.get_authority()
    with transaction.atomic():
        now = timezone.now()
        # The terminal row lock serializes every 取得 of the terminal.
        terminal = lock_terminal(**lookup)
        if terminal is None or (auth_codes is not None and not codes_match(terminal, auth_codes)):
            raise AcquisitionRefused(WRONG_CODES, why="wrong codes")
        unrevoked = lock_unrevoked_certificates(terminal)
        previous = answered_before(terminal, unrevoked, now) if answered_before is not None else None
        if previous is not None:
            return previous
        return renew_locked_terminal(
            terminal, unrevoked, public_key=public_key, authority=authority, now=now, actor=actor,
            actor_label=actor_label, via=via, **details,
        )  # fmt: skip


def pkcs12_file(terminal_name: str, key, certificate, authority, password: str) -> bytes:
    """The file 取得 gives: the new key and certificate with our CA's, encrypted with the chosen password."""
    return pkcs12.serialize_key_and_certificates(
        name=terminal_name.encode(),
        key=key,
        cert=certificate,
        cas=[authority.certificate],
        encryption_algorithm=serialization.BestAvailableEncryption(password.encode()),
    )


def renew_locked_terminal(
    terminal, unrevoked, *, public_key, authority, now, via, actor=None, actor_label="", **details
):
    """The new certificate of a terminal whose row and unrevoked certificates the caller has locked: with its open
    pickup, which it uses up, or else only inside the renewal window (取得 and EST both come here)."""
    # Locked, so that closing it at its deadline (pickups.close_stale_pickups) waits for us or happens first.
    pickup = CertificatePickup.objects.open(now).select_for_update().filter(terminal=terminal).first()
    if pickup is None:
        check_renewal_window(unrevoked, now)
    issued, certificate = issue_for_locked_terminal(
        terminal, public_key=public_key, authority=authority, superseded=unrevoked, actor=actor,
        actor_label=actor_label, via=via, pickup=pickup.pk if pickup else None, **details,
    )  # fmt: skip
    if pickup is not None:
        pickup.acquired_at, pickup.certificate = now, issued
        pickup.save(update_fields=["acquired_at", "certificate"])
    return issued, certificate


def check_codes(terminal_name: str, auth_codes) -> None:
    """Refuse wrong codes, in one message whichever was wrong; but an 認証コード2 that a reissue replaced, with the
    terminal's other two codes, is told when it was replaced (whoever has all three old codes is its user)."""
    terminal = (
        LogicalTerminal.objects.filter(name=terminal_name, is_active=True)
        .only("auth_code1", "auth_code2", "auth_code3")
        .first()
    )
    if terminal is None:
        raise AcquisitionRefused(WRONG_CODES, why="wrong codes")
    if codes_match(terminal, auth_codes):
        return
    # Asked for every wrong attempt, so that its time never tells whether codes 1 and 3 were right.
    replaced = (
        ReplacedAuthCode.objects.filter(
            terminal=terminal, digest=ReplacedAuthCode.digest_of(terminal.pk, typed_auth_code(auth_codes[1]))
        )
        .order_by("-replaced_at")
        .first()
    )
    if replaced is not None and codes_match(terminal, (auth_codes[0], terminal.auth_code2, auth_codes[2])):
        raise AcquisitionRefused(
            f"入力された認証コード2は、{timezone.localtime(replaced.replaced_at):%Y/%m/%d}の再発行で新しい"
            "認証コード2に変わりました。新しい認証コード2はNACCSサポートシステムの「契約内容の確認」でご確認ください。",
            why="replaced code",
        )
    raise AcquisitionRefused(WRONG_CODES, why="wrong codes")
