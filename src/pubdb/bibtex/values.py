"""BibTeX value expressions: ``#`` concatenation, @string macros, month names."""

from __future__ import annotations

import re

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
            out.append(part.lower().capitalize())
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
