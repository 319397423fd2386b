"""Names and 認証コード of terminals: what a new terminal gets and what a reissue renews.

A company's terminals share a 5-character prefix and differ in their last letter (11110A, 11110B …, manual ①); a
company without terminals yet takes the first five digits of its 利用者コード as its prefix."""

import secrets
import string
import unicodedata
from collections import Counter

from .models import LogicalTerminal

# New codes leave out what people misread on paper or over the phone: O and 0, 1, I and L. Codes made before keep
# them and stay valid: typed codes are read as typed_auth_code says, never by mapping look-alikes onto each other.
CONFUSABLE = "O0I1L"
AUTH_CODE_ALPHABET = "".join(ch for ch in string.ascii_uppercase + string.digits if ch not in CONFUSABLE)
AUTH_CODE_LENGTH = 8
NAME_PREFIX_LENGTH = 5
NAME_SUFFIXES = string.ascii_uppercase + string.digits


class NoTerminalNameLeft(Exception):
    """Every name of the company's prefix is taken: the helpdesk gives the company a new prefix."""


def new_auth_code() -> str:
    return "".join(secrets.choice(AUTH_CODE_ALPHABET) for _ in range(AUTH_CODE_LENGTH))


def typed_auth_code(value: str) -> str:
    """An 認証コード as a person typed it, in the form codes are compared in: 全角 read as 半角 (NFKC), spaces
    anywhere dropped, upper case (「ａｂｃ ｄ」 → 「ABCD」)."""
    return "".join(unicodedata.normalize("NFKC", value).split()).upper()


def name_prefix(company) -> str:
    """The prefix most of the company's terminal names share, else the start of its 利用者コード."""
    names = LogicalTerminal.objects.filter(company=company).values_list("name", flat=True)
    prefixes = Counter(name[:NAME_PREFIX_LENGTH] for name in names if len(name) == NAME_PREFIX_LENGTH + 1)
    if prefixes:
        return max(sorted(prefixes), key=prefixes.__getitem__)
    return company.code[:NAME_PREFIX_LENGTH]


def next_terminal_name(company, *, taken=()) -> str:
    """The first free name of the company's prefix (names are unique across NACCS), skipping `taken`."""
    prefix = name_prefix(company)
    used = set(LogicalTerminal.objects.filter(name__startswith=prefix).values_list("name", flat=True)) | set(taken)
    for suffix in NAME_SUFFIXES:
        if (name := f"{prefix}{suffix}") not in used:
            return name
    raise NoTerminalNameLeft(f"論理端末名{prefix}*に空きがありません。")
