"""Terminal text for the CLI: tables, field listings, reports. Plain records in, str out.

Values are shown decoded (TeX accents and math as Unicode, as every export shows them),
without control characters, and cut to the terminal's width; where output is not a
terminal (a pipe, a file) lines are not cut but a huge value is. The database, exports
and --json always keep every value whole.
"""

from __future__ import annotations

import json
import os
import sys
import textwrap
import unicodedata
from collections.abc import Iterable, Iterator
from typing import Any, TextIO

from ..bibtex.values import MONTH_MACROS
from ..models import Author, Publication
from ..normalize import strip_control
from ..tex.display import display_text

ELLIPSIS = "…"
TITLE_CAP = 200  # characters of a title on a line when the width is unknown
KEY_CAP = 200  # characters of a citation key (a hostile file may hold any length)
VALUE_CAP = 4000  # characters of one value `show` prints
KEY_WIDTH, YEAR_WIDTH, KIND_WIDTH, AUTHORS_WIDTH = 28, 4, 10, 28
NARROW = 100  # below this many columns `list` leaves out the kind
SHOW_ORDER = (
    "title", "authors", "year", "month", "date", "kind", "status", "venue", "journal",
    "booktitle", "publisher", "volume", "number", "pages", "note", "doi", "arxiv_id",
    "arxiv_version", "arxiv_primary_category", "arxiv_categories", "arxiv_published",
    "arxiv_updated", "arxiv_comment", "journal_ref", "url", "pdf_url", "abstract",
)  # fmt: skip
# Identifiers, links and dates: shown as stored, never read as TeX.
VERBATIM = frozenset({"doi", "url", "pdf_url", "arxiv_id", "arxiv_primary_category",
                      "arxiv_categories", "arxiv_published", "arxiv_updated", "date"})  # fmt: skip


# -- widths ----------------------------------------------------------------------------


def output_width(stream: TextIO | None = None) -> int | None:
    """Columns of the terminal the output goes to; $COLUMNS when it is set; else None
    (a pipe or a file: lines are left whole)."""
    import shutil

    stream = stream or sys.stdout
    isatty = getattr(stream, "isatty", None)
    if isatty is not None and isatty():
        return shutil.get_terminal_size().columns
    columns = os.environ.get("COLUMNS", "")
    return int(columns) if columns.isdigit() and int(columns) > 0 else None


def text_width(text: str) -> int:
    """Columns a text takes: wide (CJK) characters two, combining marks none."""
    if text.isascii():
        return len(text)
    return sum(_char_width(char) for char in text)


def _char_width(char: str) -> int:
    if unicodedata.combining(char):
        return 0
    return 2 if unicodedata.east_asian_width(char) in ("W", "F") else 1


def fit(text: str, width: int) -> str:
    """``text`` cut to ``width`` columns, an ellipsis marking the cut."""
    if text_width(text) <= width:
        return text
    if width <= 1:
        return ELLIPSIS[:width]
    taken, used = [], 0
    for char in text:
        size = _char_width(char)
        if used + size > width - 1:
            break
        taken.append(char)
        used += size
    return "".join(taken).rstrip() + ELLIPSIS


def pad(text: str, width: int) -> str:
    return text + " " * max(0, width - text_width(text))


def clip(text: str, cap: int) -> str:
    """A huge value cut to ``cap`` characters (cheap: never measures the whole text)."""
    return text if len(text) <= cap else text[: cap - 1] + ELLIPSIS


def problem_line(problem: Any) -> str:
    """A warning or error about the data, on one line and inert (a key or value in it
    may hold control characters), and short."""
    return " ".join(strip_control(clip(str(problem), 500)).split())


def readable(value: Any, cap: int = VALUE_CAP) -> str:
    """A stored value as the terminal shows it: decoded, on one line, inert."""
    text = clip(str(value), cap * 2)  # decoding never needs more than the shown part
    return clip(" ".join(strip_control(display_text(text)).split()), cap)


def verbatim(value: Any, cap: int = VALUE_CAP) -> str:
    """A stored value on one line and inert, but not decoded (links, identifiers)."""
    return clip(" ".join(strip_control(clip(str(value), cap * 2)).split()), cap)


# -- list and search --------------------------------------------------------------------


def author_cell(authors: list[Author], width: int) -> str:
    """Family names that fit in ``width``, cut at a name with "et al." when they do not:
    'Benechehab, Attia El Hili et al.', never 'Benechehab, Hili, Odonnat e…' (in a
    column too narrow even for that, 'Benechehab +8')."""
    families = [readable(a.family or a.name, 100) for a in authors]
    whole = ", ".join(families)
    if text_width(whole) <= width:
        return whole
    for count in range(len(families) - 1, 0, -1):
        shown = ", ".join(families[:count]) + " et al."
        if text_width(shown) <= width:
            return shown
    if len(families) == 1:
        return fit(whole, width)
    others = f" +{len(families) - 1}"  # a narrow column: 'Benechehab +8'
    return fit(families[0], width - len(others)) + others


def publication_rows(publications: Iterable[Publication], width: int | None) -> Iterator[str]:
    """One line per record: key, year, kind, authors, title, within ``width`` columns."""
    wide = width is None or width >= NARROW
    fixed = KEY_WIDTH + YEAR_WIDTH + 3 + (KIND_WIDTH + 2 if wide else 0)
    authors_width = AUTHORS_WIDTH
    if width is not None:
        authors_width = max(12, min(AUTHORS_WIDTH, (width - fixed) // 3))
    for p in publications:
        left = f"{clip(p.citekey, KEY_CAP):<{KEY_WIDTH}} {p.year or '':<{YEAR_WIDTH}}  "
        if wide:
            left += f"{p.kind:<{KIND_WIDTH}}  "
        left += pad(author_cell(p.authors, authors_width), authors_width) + "  "
        left = strip_control(left)
        if width is None:
            title = readable(p.title, TITLE_CAP)
        else:
            title = fit(readable(p.title, width), max(10, width - text_width(left)))
        yield (left + title).rstrip()


def json_records(publications: Iterable[Publication]) -> Iterator[str]:
    """A JSON array, one record at a time (nothing held twice in memory)."""
    yield "["
    first = True
    for publication in publications:
        prefix = "  " if first else ",\n  "
        first = False
        yield prefix + json.dumps(publication.to_dict(), ensure_ascii=False)
    yield "\n]" if not first else "]"


# -- show -------------------------------------------------------------------------------


def show_lines(publication: Publication, provenance: Any, width: int | None) -> Iterator[str]:
    """A record as BibTeX-like ``name = value`` lines, decoded and wrapped; a value that
    did not come with the record is marked with where it came from, an edited one as
    locked (refresh and merges leave it alone); a TeX source that reads differently is
    shown under its value."""
    origins, source = provenance.origins, provenance.source
    fields = _shown_fields(publication)
    name_width = max(len(name) for name, _ in fields) if fields else 0
    indent = " " * (name_width + 5)
    yield strip_control(f"@{publication.entry_type}{{{clip(publication.citekey, KEY_CAP)},")
    for name, value in fields:
        tag = _origin_tag(origins.get(name), source)
        lines = _value_lines(name, value, publication, width, len(indent))
        lines[-1] += tag
        yield f"  {name:<{name_width}} = {lines[0]}"
        for line in lines[1:]:
            yield indent + line
        tex = _tex_source(name, publication, value)
        if tex:
            for line in _wrapped(f"as written: {tex}", width, len(indent)):
                yield indent + line
    yield "}"
    yield _provenance_line(publication, source)
    if any(a.equal_contribution for a in publication.authors):
        yield "* equal contribution"


def _shown_fields(publication: Publication) -> list[tuple[str, Any]]:
    values = publication.to_dict()
    shown: list[tuple[str, Any]] = []
    for name in SHOW_ORDER:
        value = publication.authors if name == "authors" else values.get(name)
        if value not in (None, "", [], {}):
            shown.append((name, value))
    shown += [(name, value) for name, value in publication.fields.items() if value]
    return shown


def _value_lines(
    name: str, value: Any, publication: Publication, width: int | None, indent: int
) -> list[str]:
    if name == "authors":
        return [
            line
            for n, author in enumerate(publication.authors, 1)
            for line in _wrapped(_author_line(n, author), width, indent, hanging="   ")
        ]
    if name == "month" and isinstance(value, int) and 1 <= value <= 12:
        return [MONTH_MACROS[value - 1]]  # as BibTeX writes it: jun
    if isinstance(value, list):
        value = ", ".join(map(str, value))
    text = verbatim(value) if name in VERBATIM else readable(value)
    if len(str(value)) > VALUE_CAP and text.endswith(ELLIPSIS):
        text += f" ({len(str(value)):,} characters; `pubdb show --json` prints them all)"
    return _wrapped(text, width, indent)


def _author_line(position: int, author: Author) -> str:
    line = f"{position}. {readable(author.name, 200)}"
    if author.equal_contribution:
        line += "*"
    if author.affiliation:
        line += f" ({readable(author.affiliation, 200)})"
    return line


def _wrapped(text: str, width: int | None, indent: int, hanging: str = "") -> list[str]:
    if width is None or text_width(text) + indent <= width:
        return [text]
    lines = textwrap.wrap(
        text, max(20, width - indent), subsequent_indent=hanging, break_on_hyphens=False
    )
    return lines or [""]


def _origin_tag(origin: str | None, source: str) -> str:
    if origin == "edited":
        return "  [edited, locked]"
    if origin and origin != source:
        return f"  [{origin}]"
    return ""


def _tex_source(name: str, publication: Publication, value: Any) -> str | None:
    """The TeX a BibTeX value was read from, when it reads differently as shown (the
    names of authors are shown one by one instead)."""
    source = publication.latex.get(name) or publication.fields.get(name)
    if not source or name == "authors":
        return None
    source = verbatim(source)
    return source if source != readable(value) and source != verbatim(value) else None


def _provenance_line(publication: Publication, source: str) -> str:
    line = f"from {source}"
    if publication.created_at:
        line += f", added {publication.created_at}"
    if publication.updated_at:
        line += f", updated {publication.updated_at}"
    return line


# -- reports ----------------------------------------------------------------------------


def outcome_line(outcome: Any, width: int | None) -> str:
    """'added      2206.06921v3  rutar2024attainable  Attainable forms of …' within
    ``width`` columns (a title capped when the width is unknown)."""
    parts = [f"{outcome.action:<10}", f"{clip(outcome.identifier, 60):<18}"]
    if outcome.citekey:
        parts.append(f"{clip(outcome.citekey, KEY_CAP):<{KEY_WIDTH}}")
    left = strip_control(" ".join(parts) + " ")
    changes = outcome.filled + outcome.replaced
    tag = f"  [{', '.join(changes)}]" if outcome.action in ("updated", "filled") else ""
    title = readable(outcome.title or "", TITLE_CAP)
    if width is not None:
        title = fit(title, max(10, width - text_width(left) - len(tag)))
    return (left + title).rstrip() + (tag if changes else "")


def import_lines(report: Any, verbose: bool) -> Iterator[str]:
    """A line for each entry that changed the library (every entry with ``verbose``)."""
    for outcome in report.outcomes:
        if outcome.action in ("added", "unchanged") and not verbose:
            continue
        line = f"{outcome.action:<9} {outcome.file}:{outcome.line}  {clip(outcome.key, 200)}"
        if outcome.action != "added":
            line += f" -> {outcome.citekey} (same {outcome.evidence})"
            details = []
            if outcome.filled:
                details.append("filled " + ", ".join(outcome.filled))
            if outcome.replaced:
                details.append("replaced " + ", ".join(outcome.replaced))
            if outcome.conflicts:
                details.append("kept existing " + ", ".join(outcome.conflicts))
            if details:
                line += ": " + "; ".join(details)
        yield strip_control(line)


# -- a document's .bib ------------------------------------------------------------------


def cited_lines(result: Any) -> list[str]:
    """What a document's .bib needs the user to know: keys written from a record that
    absorbed them, one paper cited under several keys, keys the library lacks."""
    lines = [
        f"{verbatim(key)}: written from {verbatim(own)} (a key it absorbed in a merge)"
        for key, own in result.renamed
    ]
    lines += [
        f"warning: {', '.join(map(verbatim, keys))} are one paper, written once for each"
        " key (BibTeX lists it as often): cite one of them"
        for keys in result.several_keys
    ]
    if result.missing:
        count = len(result.missing)
        listed = ", ".join(_missing_key(missing) for missing in result.missing)
        keys = "key is" if count == 1 else "keys are"
        lines.append(f"pubdb: {count} cited {keys} not in the library: {listed}")
    return lines


def _missing_key(missing: Any) -> str:
    text = verbatim(missing.key, 200)
    notes = []
    if missing.needed_by:
        notes.append(f"named by {verbatim(missing.needed_by, 200)}")
    if missing.close:
        notes.append(f"did you mean {' or '.join(verbatim(k, 200) for k in missing.close)}?")
    return f"{text} ({'; '.join(notes)})" if notes else text
