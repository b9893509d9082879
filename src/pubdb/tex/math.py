"""TeX math: where it is in a text ($...$, \\(...\\), \\[...\\]) and how it reads as
Unicode text for HTML, Markdown and the terminal ('$\\mu P$' -> 'μP')."""

from __future__ import annotations

import functools
import re
from functools import lru_cache

_MATH_TOKEN = re.compile(r"\\[()\[\]]|\\.|\$", re.DOTALL)


_MATH_CLOSER = {"$": "$", "\\(": "\\)", "\\[": "\\]"}


def math_spans(text: str) -> list[tuple[int, int]]:
    """(start, end) of each math span: $...$, \\(...\\) or \\[...\\], by unescaped
    delimiters. An opener that never closes is text (and is escaped as such)."""
    tokens = [
        (match.start(), match[0])
        for match in _MATH_TOKEN.finditer(text)
        if match[0] in ("$", "\\(", "\\)", "\\[", "\\]")
    ]
    following: dict[str, list[int | None]] = {}
    for closer in ("$", "\\)", "\\]"):
        table: list[int | None] = [None] * (len(tokens) + 1)
        for index in range(len(tokens) - 1, -1, -1):
            table[index] = index if tokens[index][1] == closer else table[index + 1]
        following[closer] = table
    spans, index = [], 0
    while index < len(tokens):
        start, opener = tokens[index]
        closer = _MATH_CLOSER.get(opener)
        end = following[closer][index + 1] if closer else None
        if end is None:
            index += 1
        elif opener == "$" and tokens[end][0] == start + 1:
            index = end  # '$$': the second dollar may open a span
        else:
            spans.append((start, tokens[end][0] + len(closer)))
            index = end + 1
    return spans


_SINGLE_SYMBOLS = re.compile(r"(?<!\w)(\w) (?=\w(?!\w))")


@lru_cache(maxsize=4096)
def display_math(text: str) -> str:
    """TeX math shown as Unicode for HTML, Markdown and text: '$\\mu P$' -> 'μP',
    '$O(n \\log n)$' -> 'O(n log n)'. Text without math is returned as it is."""

    spans = math_spans(text)
    if not spans:
        return text
    out, position = [], 0
    for start, end in spans:
        out.append(text[position:start])
        out.append(_math_as_text(text[start:end]))
        position = end
    out.append(text[position:])
    return "".join(out)


# A TeX control word is ASCII letters only: '\fracλθ' is \frac with λ and θ (pylatexenc
# would read one unknown macro 'fracλθ' and show nothing).
_CONTROL_WORD_BEFORE_UNICODE = re.compile(r"(\\[A-Za-z]+)(?=[^\x00-\x7f])")
_COLON = re.compile(r"\\colon(?![A-Za-z])")  # pylatexenc drops it


@functools.lru_cache(maxsize=4096)
def _math_as_text(math: str) -> str:
    math = _COLON.sub(":", _CONTROL_WORD_BEFORE_UNICODE.sub(r"\1 ", math))
    shown = " ".join(_math_converter().latex_to_text(math).split())
    return _SINGLE_SYMBOLS.sub(r"\1", shown)


@functools.lru_cache(maxsize=1)
def _math_converter():
    from pylatexenc.latex2text import LatexNodes2Text

    return LatexNodes2Text(math_mode="text")
