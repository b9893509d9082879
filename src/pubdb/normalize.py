"""Plain-text helpers: ASCII folding (Ø→O, ł→l, ß→ss), whitespace, control characters."""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache

# Letters that Unicode does not decompose into base + accent.
_SPECIAL_LETTERS = str.maketrans(
    {
        "Ø": "O", "ø": "o", "Ł": "L", "ł": "l", "ß": "ss", "ẞ": "SS", "Æ": "AE", "æ": "ae",
        "Œ": "OE", "œ": "oe", "Đ": "D", "đ": "d", "Ð": "D", "ð": "d", "Þ": "Th", "þ": "th",
        "ı": "i", "Ŋ": "Ng", "ŋ": "ng", "Ħ": "H", "ħ": "h", "ĸ": "q", "ſ": "s",
        "‘": "'", "’": "'", "‐": "-", "‑": "-", "–": "-", "—": "-",
    }
)  # fmt: skip

_WHITESPACE = re.compile(r"\s+")
_NON_ALNUM = re.compile(r"[^a-z0-9]+")


def fold_char(char: str) -> str:
    """One character folded: its special letter, else its compatibility decomposition
    without combining marks."""
    decomposed = unicodedata.normalize("NFKD", char.translate(_SPECIAL_LETTERS))
    return "".join(c for c in decomposed if not unicodedata.combining(c))


class _FoldTable(dict):
    """Code point -> folded text, for str.translate, filled as characters are met.
    Folding a text character by character is folding it whole: decomposition works per
    character, and canonical reordering only moves the combining marks dropped here."""

    def __missing__(self, code: int) -> str:
        folded = self[code] = fold_char(chr(code))
        return folded


_FOLDED = _FoldTable()


@lru_cache(maxsize=65536)
def fold(text: str) -> str:
    """ASCII transliteration that keeps case: 'Ødegård' -> 'Odegard', 'Łukasz' -> 'Lukasz'."""
    if text.isascii():
        return text
    return text.translate(_FOLDED)


@lru_cache(maxsize=262144)
def fold_key(text: str) -> str:
    """Folded, lower-cased, with only letters, digits and single spaces: for comparing."""
    folded = fold(text).lower()
    return " ".join(_NON_ALNUM.sub(" ", folded).split())


def collapse_whitespace(text: str) -> str:
    return _WHITESPACE.sub(" ", text).strip()


_LINE_BREAKS = re.compile(r"[\t\n\r]+")
_INVISIBLE = ("Cc", "Cf", "Cs", "Co")


def strip_control(text: str, *, keep_line_breaks: bool = False) -> str:
    """Drop control and invisible format characters (NUL, bidi marks) that no TeX or
    BibTeX consumer can take; tabs and newlines become spaces, or stay as they are with
    ``keep_line_breaks``."""
    if text.isprintable():  # the common case, checked in C
        return text
    if keep_line_breaks and _LINE_BREAKS.sub("", text).isprintable():
        return text
    return "".join(
        (c if keep_line_breaks else " ") if c in "\t\n\r" else c
        for c in text
        if c in "\t\n\r" or unicodedata.category(c) not in _INVISIBLE
    )


def plural(count: int, noun: str) -> str:
    return f"{count} {noun}" if count == 1 else f"{count} {noun}s"
