"""Terminal text and JSON for finding papers without their ids: the candidates a search
found, and what `find --add` and `add --titles` did to each entry."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from ..normalize import strip_control

ACTION_WIDTH = 15  # "already present"


def short_names(names: list[str], limit: int = 3) -> str:
    """'Zekri, Odonnat, Benechehab et al.': family names, as `list` shows them."""
    from ..names import parse_name

    families = [parse_name(name).family or name for name in names]
    shown = ", ".join(families[:limit])
    return shown + " et al." if len(families) > limit else shown


def candidate_rows(result: Any, width: int | None) -> Iterator[str]:
    """One line a paper: id, date of v1, authors, title, and its key when the library
    has it."""
    for candidate in result.found:
        record = candidate.record
        authors = short_names([a.name for a in record.authors])
        if len(authors) > 28:
            authors = authors[:27] + "…"
        left = f"{record.id!s:<14} {record.published[:10]:<10}  {authors:<28}  "
        mark = f"  [in library: {candidate.citekey}]" if candidate.citekey else ""
        title = record.title
        if width is not None:
            room = max(20, width - len(left) - len(mark))
            title = title if len(title) <= room else title[: room - 1] + "…"
        yield strip_control(left + title + mark).rstrip()


def find_summary(result: Any) -> str:
    """'found 4, in the library 2, skipped 1 (no author is Oussama Zekri: Karim Zekri)'."""
    parts = [f"found {len(result.found)}"]
    if result.library:
        parts.append(f"in the library {result.in_library}")
    if result.query.author:
        skipped = f"skipped {len(result.skipped)}"
        if result.skipped:
            skipped += f" (no author is {result.query.author}"
            skipped += ": " + ", ".join(result.namesakes[:5]) + ")" if result.namesakes else ")"
        parts.append(skipped)
    return strip_control(", ".join(parts))


def search_notes(result: Any, limit: int) -> Iterator[str]:
    """Why a search read fewer results than arXiv counts, and what to do about it."""
    search = result.search
    if search.stopped == "limit":
        yield (
            f"arXiv has {search.total:,} results; read the newest {search.read:,} (--max"
            f" {limit}): narrow with --since, --until or --title, or raise --max"
        )
    elif search.stopped == "window":
        yield (
            f"arXiv has {search.total:,} results and serves the first 10,000 only:"
            " narrow with --since, --until or --title"
        )
    elif search.stopped == "empty page":
        yield f"arXiv counted {search.total:,} results but sent {search.read:,}; all were read"
    if not result.library:
        yield "no library yet: papers are not marked (`pubdb add` creates it)"


def report_lines(report: Any) -> Iterator[str]:
    """An outcome a line: action, arXiv id (or the entry's line), key, title; then what
    the CV line gave, or the possible matches, indented."""
    for outcome in report.outcomes:
        line = f"{outcome.action:<{ACTION_WIDTH}} {outcome.identifier:<14}"
        if outcome.citekey:
            line += f" {outcome.citekey:<26}"
        if outcome.title:
            line += f" {outcome.title}"
        if outcome.filled:
            line += f"  [filled: {', '.join(outcome.filled)}]"
        yield strip_control(line.rstrip())
        for detail in outcome.details:
            yield strip_control(f"    {detail}")


def record_json(record: Any, citekey: str | None = None, marked: bool = False) -> dict:
    """A found paper; ``in_library`` (its key, or null) on the papers a search kept."""
    data = {
        "arxiv_id": record.id.base,
        "version": record.id.version,
        "published": record.published,
        "updated": record.updated,
        "title": record.title,
        "authors": [author.name for author in record.authors],
        "primary_category": record.primary_category,
        "doi": record.dois[0] if record.dois else None,
        "journal_ref": record.journal_ref,
        "url": record.abs_url,
    }
    if marked:
        data["in_library"] = citekey
    return data


def find_json(result: Any) -> dict:
    query, search = result.query, result.search
    data: dict[str, Any] = {
        "query": {
            "author": query.author,
            "title": query.title,
            "since": query.since,
            "until": query.until,
            "search_query": search.query,
        },
        "total_results": search.total,
        "read": search.read,
        "requests": search.requests,
        "stopped": search.stopped,
        "library": result.library,
        "found": [record_json(c.record, c.citekey, marked=True) for c in result.found],
        "skipped": [record_json(record) for record in result.skipped],
    }
    if result.report is not None:
        data["report"] = result.report.to_dict()
    return data
