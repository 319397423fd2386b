"""Reading a row's id from what a browser sent."""

import re

# A primary key is a positive 64-bit integer (PostgreSQL's bigint). Only ASCII digits: str.isdigit() and \d also
# accept 「²」 or 「١」, which int() refuses or reads, and a longer number crashes the database driver.
_ID = re.compile(r"[0-9]{1,19}")
MAX_ID = 2**63 - 1


def parse_id(value) -> int | None:
    """The id a POSTed or queried string names, or None when it cannot be one (never raises)."""
    text = str(value) if isinstance(value, int) and not isinstance(value, bool) else value
    if not isinstance(text, str) or not _ID.fullmatch(text):
        return None
    number = int(text)
    return number if 0 < number <= MAX_ID else None
