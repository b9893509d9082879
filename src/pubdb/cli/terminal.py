"""Terminal text for the CLI: tables, field listings, reports. Plain records in, str out."""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator
from typing import Any

from ..models import Publication
from ..normalize import strip_control

SHOW_ORDER = (
    "citekey", "title", "authors", "year", "month", "date", "kind", "status", "entry_type",
    "venue", "journal", "booktitle", "publisher", "volume", "number", "pages", "note",
    "doi", "arxiv_id", "arxiv_version", "arxiv_primary_category", "arxiv_categories",
    "arxiv_published", "arxiv_updated", "arxiv_comment", "journal_ref", "url", "pdf_url",
    "abstract", "fields", "latex", "expressions", "locked", "source", "created_at", "updated_at",
)  # fmt: skip


def short_authors(publication: Publication, limit: int = 3) -> str:
    families = [a.family or a.name for a in publication.authors]
    if len(families) > limit:
        return ", ".join(families[:limit]) + " et al."
    return ", ".join(families)


def truncate(text: str, width: int) -> str:
    return text if len(text) <= width else text[: max(1, width - 1)] + "…"


def publication_rows(publications: Iterable[Publication], width: int | None) -> Iterator[str]:
    for p in publications:
        authors = truncate(short_authors(p), 28)
        left = f"{p.citekey:<28} {p.year or '':<4}  {p.kind:<10}  {authors:<28}  "
        title = p.title if width is None else truncate(p.title, max(20, width - len(left)))
        yield strip_control(left + title).rstrip()


def format_author(index: int, author) -> str:
    mark = "*" if author.equal_contribution else ""
    line = f"  {index}. {author.name}{mark}"
    if author.affiliation:
        line += f" ({author.affiliation})"
    return line


def show_lines(publication: Publication) -> Iterator[str]:
    """``name: value`` lines; control and bidi characters from the data are dropped, so
    an imported title cannot send escape sequences to the terminal."""
    return (strip_control(line) for line in _show_lines(publication))


def _show_lines(publication: Publication) -> Iterator[str]:
    values = publication.to_dict()
    for name in SHOW_ORDER:
        if name == "authors":
            yield "authors:"
            for index, author in enumerate(publication.authors, 1):
                yield format_author(index, author)
            continue
        value = values.get(name)
        if value in (None, "", [], {}):
            continue
        if isinstance(value, (list, dict)):
            value = json.dumps(value, ensure_ascii=False)
        yield f"{name}: {value}"


def json_records(publications: Iterable[Publication]) -> Iterator[str]:
    """A JSON array, one record at a time (nothing held twice in memory)."""
    yield "["
    first = True
    for publication in publications:
        prefix = "  " if first else ",\n  "
        first = False
        yield prefix + json.dumps(publication.to_dict(), ensure_ascii=False)
    yield "\n]" if not first else "]"


def outcome_line(outcome: Any) -> str:
    parts = [f"{outcome.action:<10}", f"{outcome.identifier:<18}"]
    if outcome.citekey:
        parts.append(f"{outcome.citekey:<28}")
    if outcome.title:
        parts.append(outcome.title)
    line = " ".join(parts).rstrip()
    if outcome.action == "updated" and outcome.changes:
        line += f"  [{', '.join(outcome.changes)}]"
    return strip_control(line)


def import_lines(report: Any, verbose: bool) -> Iterator[str]:
    for outcome in report.outcomes:
        if outcome.action == "imported" and not verbose:
            continue
        if outcome.action == "skipped" and not verbose:
            continue
        line = f"{outcome.action:<9} {outcome.file}:{outcome.line}  {outcome.key}"
        if outcome.action != "imported":
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
        yield line
