"""BibTeX value expressions: ``#`` concatenation, @string macros, month names, and
author lists split at ``and`` outside braces."""

from __future__ import annotations

import re

MONTHS = {
    name: number
    for number, names in enumerate(
        [
            ("jan", "january", "janvier"), ("feb", "february"), ("mar", "march"),
            ("apr", "april"), ("may",), ("jun", "june"), ("jul", "july"),
            ("aug", "august"), ("sep", "sept", "september"), ("oct", "october"),
            ("nov", "november"), ("dec", "december"),
        ],
        start=1,
    )
    for name in names
}  # fmt: skip


MONTH_MACROS = {name: name.capitalize() for name in MONTHS if len(name) == 3}


_AND = re.compile(r"\s+and\s+", re.IGNORECASE)


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


def resolve_value(raw: str, strings: dict[str, str]) -> tuple[str, list[str]]:
    """A value expression's text, and the macros it uses that are not defined."""
    out, undefined = [], []
    raw = str(raw).strip()
    for part in split_concatenation(raw) if "#" in raw else [raw]:
        if len(part) >= 2 and (part[0], part[-1]) in (("{", "}"), ('"', '"')):
            out.append(part[1:-1])
        elif part.isdigit():
            out.append(part)
        elif part.lower() in strings:
            out.append(strings[part.lower()])
        elif part.lower() in MONTH_MACROS:
            out.append(MONTH_MACROS[part.lower()])
        else:
            out.append(part)
            if part:
                undefined.append(part)
    return "".join(out), undefined


def parse_month(text: str) -> int | None:
    cleaned = text.strip().rstrip(".").lower()
    if cleaned.isdigit() and 1 <= int(cleaned) <= 12:
        return int(cleaned)
    return MONTHS.get(cleaned)


def split_authors(source: str) -> list[str]:
    """Names in an author field, split at ' and ' outside braces."""
    if "{" not in source:
        return [name.strip() for name in _AND.split(source) if name.strip()]
    names, depth, start = [], 0, 0
    for match in re.finditer(r"[{}]|\s+and\s+", source, re.IGNORECASE):
        token = match[0]
        if token == "{":
            depth += 1
        elif token == "}":
            depth -= 1
        elif depth == 0:
            names.append(source[start : match.start()])
            start = match.end()
    names.append(source[start:])
    return [name.strip() for name in names if name.strip()]
