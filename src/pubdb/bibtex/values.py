"""BibTeX value expressions: ``#`` concatenation, @string macros, month names."""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field

MONTH_NAMES = (
    ("jan", "january", "janvier"), ("feb", "february"), ("mar", "march"),
    ("apr", "april"), ("may",), ("jun", "june"), ("jul", "july"),
    ("aug", "august"), ("sep", "sept", "september"), ("oct", "october"),
    ("nov", "november"), ("dec", "december"),
)  # fmt: skip
MONTH_MACROS = tuple(names[0] for names in MONTH_NAMES)  # BibTeX's own: jan ... dec
MONTHS = {name: number for number, names in enumerate(MONTH_NAMES, 1) for name in names}


_DELIMITER = re.compile(r'[{}"#]')


def split_concatenation(raw: str) -> list[str]:
    """Parts of a BibTeX value expression joined by '#', outside braces and quotes."""
    parts, depth, quoted, start = [], 0, False, 0
    for match in _DELIMITER.finditer(raw):
        char = match[0]
        if char == "{":
            depth += 1
        elif char == "}":
            depth -= 1
        elif char == '"' and depth == 0:
            quoted = not quoted
        elif char == "#" and depth == 0 and not quoted:
            parts.append(raw[start : match.start()])
            start = match.end()
    parts.append(raw[start:])
    return [part.strip() for part in parts]


# Far above any real value (tugboat.bib's longest is 9 kB), far below what a file of
# @string macros that each double the last could build (2^n characters from n lines).
MAX_VALUE_CHARS = 1_000_000


class ValueTooLong(ValueError):
    """A value whose @string macros expand past MAX_VALUE_CHARS (or use one that did)."""


@dataclass
class Expanded:
    """A value expression's text; the macros it uses, and those that are undefined."""

    text: str
    macros: list[str] = field(default_factory=list)
    undefined: list[str] = field(default_factory=list)


def expand_value(
    raw: str, strings: Mapping[str, str | None], known: Mapping[str, str] | None = None
) -> Expanded:
    """The text of a value expression: delimiters dropped, parts joined, @string macros
    expanded from ``strings``, else ``known`` (a macro mapped to None is one that was
    too long: ValueTooLong); an undefined macro stays as its name."""
    raw = str(raw).strip()
    parts = split_concatenation(raw) if "#" in raw else [raw]
    if len(parts) == 1 and len(raw) >= 2 and (raw[0], raw[-1]) in _DELIMITERS:
        return Expanded(raw[1:-1])  # the common case: one braced or quoted string
    out, expanded = [], Expanded("")
    length = 0
    for part in parts:
        if len(part) >= 2 and (part[0], part[-1]) in _DELIMITERS:
            text = part[1:-1]
        elif part.isdigit():
            text = part
        else:
            text = _macro(part, strings, known or {}, expanded)
        length += len(text)
        if length > MAX_VALUE_CHARS:
            raise ValueTooLong(f"expands to more than {MAX_VALUE_CHARS:,} characters")
        out.append(text)
    expanded.text = "".join(out)
    return expanded


_DELIMITERS = (("{", "}"), ('"', '"'))
_UNDEFINED = object()


def _macro(
    name: str, strings: Mapping[str, str | None], known: Mapping[str, str], expanded: Expanded
) -> str:
    if not name:
        return ""
    expanded.macros.append(name)
    key = name.lower()
    value = strings.get(key, _UNDEFINED)
    if value is _UNDEFINED:
        value = known.get(key, _UNDEFINED)
    if value is None:
        raise ValueTooLong(f"uses @string {name}, which was too long")
    if value is not _UNDEFINED:
        return value
    if key in MONTH_MACROS:
        return key.capitalize()
    expanded.undefined.append(name)
    return name


_INNERMOST_GROUP = re.compile(r"\{[^{}]*\}")


def braces_balance(text: str) -> bool:
    """Balanced as BibTeX counts braces: every one, the brace of ``\\{`` included."""
    if text.count("{") != text.count("}"):
        return False
    while "{" in text:
        text, pairs = _INNERMOST_GROUP.subn("", text)
        if not pairs:
            return False
    return "}" not in text


def parse_month(text: str) -> int | None:
    cleaned = text.strip().rstrip(".").lower()
    if cleaned.isdigit() and 1 <= int(cleaned) <= 12:
        return int(cleaned)
    return MONTHS.get(cleaned)
