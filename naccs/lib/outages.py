"""Long-running loops (the scheduler, the task workers) outlive a database outage: drop the connection, back off,
try again; never exit, never keep a dead connection (issue 26 #2)."""

import contextlib
import logging
import time

from django.db import InterfaceError, OperationalError, connections

logger = logging.getLogger(__name__)

DATABASE_OUTAGE = (OperationalError, InterfaceError)
FIRST_WAIT = 1.0  # seconds
LONGEST_WAIT = 10.0  # the most an outage delays the first try after the database is back


class Backoff:
    """The waits after failures in a row: 1, 2, 4, 8, 10, 10 … seconds (at most `longest`); a success starts again
    at 1. A restart of the database takes seconds, an outage minutes: neither is hammered, and the loop is back at
    most `longest` seconds after the database."""

    def __init__(self, *, longest: float = LONGEST_WAIT):
        self.longest = longest
        self.failures = 0

    def failed(self) -> float:
        """Record one more failure; the seconds to wait before the next try."""
        self.failures += 1
        return min(FIRST_WAIT * 2 ** (self.failures - 1), self.longest)

    def succeeded(self) -> int:
        """Record a success; the failures in a row it ended (0 when there were none)."""
        failures, self.failures = self.failures, 0
        return failures


def drop_connections() -> None:
    """Close every database connection of this thread, so that the next query opens a new one: a connection the
    outage cut would otherwise fail every query after it ("the connection is closed")."""
    for connection in connections.all(initialized_only=True):
        # Closing a connection the server already dropped may fail; it is gone either way.
        with contextlib.suppress(*DATABASE_OUTAGE):
            connection.close()


def wait_after_failure(what: str, backoff: Backoff, error: Exception, sleep=time.sleep) -> None:
    """Log the failure in one line, drop the connections, and wait as `backoff` says."""
    seconds = backoff.failed()
    logger.warning(
        "%s failed (%s: %s); trying again in %.0f s (failure %d in a row)",
        what,
        type(error).__name__,
        str(error).strip().splitlines()[0] if str(error).strip() else "",
        seconds,
        backoff.failures,
    )
    drop_connections()
    sleep(seconds)
