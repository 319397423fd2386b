"""When a certificate may be renewed, when `run` first tries, and how long it waits after a failure."""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import random
import tempfile
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from pathlib import Path

# Japan has no daylight saving time, so a fixed offset is exact and needs no tz database (Windows has none).
JST = timezone(timedelta(hours=9), "JST")

# The portal's renewal window (manual ②): from 28 days before the expiry date, counted in calendar days in Tokyo,
# until the certificate expires. The portal checks it again; this copy only avoids asking too early.
WINDOW_DAYS = 28

# `run` spreads first attempts over the first week of the window, so that a fleet whose certificates were issued on
# one day does not renew on one morning; three weeks are left for retries.
SPREAD = timedelta(days=7)

# After a failure: 1 h, 2 h, 4 h … at most 12 h, each drawn between half and all of that (so that terminals that
# failed together during an outage do not come back together).
BACKOFF_BASE = timedelta(hours=1)
BACKOFF_CAP = timedelta(hours=12)


def window_opens(not_after: datetime) -> datetime:
    """The start (00:00 in Tokyo) of the first day on which a certificate expiring at `not_after` may be renewed."""
    day = not_after.astimezone(JST).date() - timedelta(days=WINDOW_DAYS)
    return datetime(day.year, day.month, day.day, tzinfo=JST)


def in_window(not_after: datetime, now: datetime) -> bool:
    return window_opens(not_after) <= now < not_after


def first_attempt(certificate_der: bytes, not_after: datetime) -> datetime:
    """When `run` first renews this certificate: a point in the first week of its window, derived from the
    certificate itself, so that it is the same on every run and differs between terminals."""
    opens = window_opens(not_after)
    spread = min(SPREAD, (not_after - opens) / 4)
    digest = int.from_bytes(hashlib.sha256(certificate_der).digest()[:8], "big")
    return opens + timedelta(seconds=digest % max(int(spread.total_seconds()), 1))


def backoff(failures: int, rng: random.Random | None = None) -> timedelta:
    """How long to wait after the `failures`-th failure in a row: capped exponential, with jitter."""
    ceiling = min(BACKOFF_CAP, BACKOFF_BASE * (2 ** min(failures - 1, 20)))
    return ceiling * (rng or random.SystemRandom()).uniform(0.5, 1.0)


@dataclass
class State:
    """What `run` remembers between runs, in a small file next to the PKCS#12 (FILE.state): the failures in a row
    for the current certificate and when to try again."""

    serial: str
    failures: int = 0
    next_attempt: datetime | None = None
    last_error: str = ""


def state_path(p12: Path) -> Path:
    return p12.with_name(p12.name + ".state")


def read_state(p12: Path, serial: str) -> State:
    """The state of `serial`; a fresh one when there is none, it is unreadable, or it is of another certificate
    (renewed meanwhile by hand: its failures do not count against the new one)."""
    try:
        data = json.loads(state_path(p12).read_text(encoding="utf-8"))
        if data.get("serial") != serial:
            return State(serial=serial)
        next_attempt = data.get("next_attempt")
        return State(
            serial=serial,
            failures=int(data.get("failures", 0)),
            next_attempt=datetime.fromisoformat(next_attempt) if next_attempt else None,
            last_error=str(data.get("last_error", "")),
        )
    except (OSError, ValueError, TypeError, AttributeError):
        return State(serial=serial)


def write_state(p12: Path, state: State) -> None:
    data = {
        "serial": state.serial,
        "failures": state.failures,
        "next_attempt": state.next_attempt.isoformat() if state.next_attempt else None,
        "last_error": state.last_error,
    }
    replace_file(state_path(p12), json.dumps(data, ensure_ascii=False, indent=1).encode("utf-8"))


def clear_state(p12: Path) -> None:
    with contextlib.suppress(FileNotFoundError):
        state_path(p12).unlink()


def replace_file(path: Path, content: bytes, *, mode_from: Path | None = None) -> None:
    """Write `content` to `path` atomically: a private temporary file in the same folder, then a rename, so that a
    reader (or a crash) sees the old file or the new one, never half of one."""
    handle, temporary = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(handle, "wb") as file:
            file.write(content)
            file.flush()
            os.fsync(file.fileno())
        if mode_from is not None and mode_from.exists():
            os.chmod(temporary, mode_from.stat().st_mode & 0o777)
        os.replace(temporary, path)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(temporary)
        raise
