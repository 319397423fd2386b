"""Width normalisation for what people type: fix what is unambiguous, so that only real mistakes are refused."""

import re
import unicodedata

HALFWIDTH_KANA = re.compile(r"[\uff61-\uff9f]+")
HYPHENS_AND_SPACES = re.compile(r"[\s\-‐‑‒–—―−－ｰー]+")
KATAKANA = re.compile(r"^[ァ-ヴー・　 ]+$")
CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f]")


def halfwidth_kana_to_fullwidth(value: str) -> str:
    """ｶﾀｶﾅ → カタカナ (NFKC on the half-width kana only, so that 全角 letters stay as typed)."""
    return HALFWIDTH_KANA.sub(lambda match: unicodedata.normalize("NFKC", match.group()), value)


def to_fullwidth(value: str) -> str:
    """第3課 → 第３課, ｶﾅ → カナ, space → 全角 space: the 全角 form of what was typed, where there is exactly one."""
    value = halfwidth_kana_to_fullwidth(value)
    return "".join("　" if ch == " " else chr(ord(ch) + 0xFEE0) if "!" <= ch <= "~" else ch for ch in value)


def hiragana_to_katakana(value: str) -> str:
    return "".join(chr(ord(ch) + 0x60) if "ぁ" <= ch <= "ゖ" else ch for ch in value)


def to_kana(value: str) -> str:
    """What a フリガナ field should hold: 全角カタカナ, whatever kana width or script was typed."""
    return hiragana_to_katakana(halfwidth_kana_to_fullwidth(value.strip()))


def digits_only(value: str) -> str:
    """０３-１２３４-５６７８ → 0312345678: full-width digits, hyphens and spaces are unambiguous."""
    return HYPHENS_AND_SPACES.sub("", unicodedata.normalize("NFKC", value))


def is_fullwidth(value: str) -> bool:
    """True when every character is 全角 (East Asian Wide or Fullwidth)."""
    return all(unicodedata.east_asian_width(ch) in ("W", "F") for ch in value)


def is_katakana(value: str) -> bool:
    return bool(KATAKANA.match(value))


def has_control_characters(value: str) -> bool:
    return bool(CONTROL.search(value))
