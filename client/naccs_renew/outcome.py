"""How a command ends: its exit code and its message in Japanese and English (client/README.md lists both)."""

from __future__ import annotations

import sys
import time
from datetime import datetime
from pathlib import Path

from .bundle import AnswerRejected
from .est import PortalRefused, PortalUnavailable
from .pending import clear_pending
from .timing import JST

EXIT_OK = 0  # done, or nothing to do
EXIT_CONFIGURATION = 2  # the command line, the password or the file is wrong: a person must fix it
EXIT_UNAVAILABLE = 3  # the portal could not be reached or failed for now: `run` tries again later
EXIT_REFUSED = 4  # the portal refused the renewal (its reason is printed)
EXIT_EXPIRED = 5  # the certificate has expired: only a reissue 申込 helps
EXIT_BAD_ANSWER = 6  # the portal's answer failed the checks; nothing was written
EXIT_EXEC_FAILED = 7  # renewed and written, but the --exec command failed
EXIT_NOT_WRITTEN = 8  # renewed, but FILE could not be replaced: the new file is saved aside for a person to move

# A request whose answer did not come is sent again (the same key: FILE.pending) after these pauses, in the same run:
# the portal answers it again only within EST_RETRY_MINUTES (10) of issuing, and a scheduler's next run is hours away.
LOST_ANSWER_PAUSES = (2, 15)  # seconds

FAILED_EXCHANGE = (ValueError, OSError, PortalUnavailable, PortalRefused, AnswerRejected)


def jst(moment: datetime) -> str:
    return f"{moment.astimezone(JST):%Y-%m-%d %H:%M} JST"


def say(text: str) -> None:
    print(text, flush=True)


def complain(text: str) -> None:
    print(text, file=sys.stderr, flush=True)


def sent_until_answered(send, request: bytes) -> bytes:
    """`send(request)`, sent again after each pause of LOST_ANSWER_PAUSES while no answer comes."""
    for pause in LOST_ANSWER_PAUSES:
        try:
            return send(request)
        except PortalUnavailable as error:
            complain(f"応答がありません。同じ要求を {pause} 秒後に再送します / no answer ({error}): sending again")
            time.sleep(pause)
    return send(request)


def failed_exchange(error: Exception, *, p12: Path, renewal: bool = True) -> int:
    """The exit code and message of an exchange with the portal that failed. The request kept in FILE.pending is
    dropped once the portal has refused it or answered with something unusable (sending it again cannot help); kept
    when no answer came, for the next attempt to send again."""
    action = "更新" if renewal else "取得"
    if isinstance(error, (PortalRefused, AnswerRejected)):
        clear_pending(p12)
    if isinstance(error, PortalUnavailable):
        complain(f"ポータルに接続できないか一時的なエラーです / the portal is unavailable: {error}")
        return EXIT_UNAVAILABLE
    if isinstance(error, PortalRefused):
        complain(f"ポータルが{action}を拒否しました / the portal refused (HTTP {error.status}): {error}")
        return EXIT_REFUSED
    if isinstance(error, AnswerRejected):
        complain(f"ポータルの応答を受け付けません（ファイルは変更なし）/ answer rejected, nothing written: {error}")
        return EXIT_BAD_ANSWER
    complain(str(error))
    return EXIT_CONFIGURATION
