"""Names typed by the user: which person they stand for, with suggestions when none."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING

from ..errors import UsageError
from ..names import name_form
from ..normalize import plural
from ..store import people as stored
from .resolution import PersonResolver

if TYPE_CHECKING:
    import sqlite3


@dataclass
class PersonSummary:
    id: int
    name: str
    papers: int
    variants: list[str]
    ambiguous: bool = False


def summaries(conn: sqlite3.Connection, ids: Iterable[int] | None = None) -> list[PersonSummary]:
    """People with paper counts and name variants, most papers first."""
    people = [
        PersonSummary(pid, name, papers, variants, ambiguous)
        for pid, name, ambiguous, papers, variants in stored.summary_rows(conn, ids)
    ]
    return sorted(people, key=lambda p: (-p.papers, p.name.lower()))


def matching_people(conn: sqlite3.Connection, query: str) -> list[PersonSummary]:
    """People a typed name could mean: an exact variant wins; otherwise everyone whose
    known names are all compatible with it (ambiguous holders only if nobody else)."""
    form = name_form(query)
    if not form.abbreviated and (holder := stored.sole_holder(conn, form.key)) is not None:
        return summaries(conn, [holder])
    resolver = PersonResolver(conn)
    candidates = resolver.candidates(form.last)
    exact = [p for p in candidates if p.has_key(form.key) and not p.ambiguous]
    if len(exact) == 1 and not form.abbreviated:
        return summaries(conn, [exact[0].id])
    manual = [p for p in candidates if p.has_key(form.key, manual_only=True)]
    if len(manual) == 1:
        return summaries(conn, [manual[0].id])
    fits = [p for p in candidates if p.fits(form)]
    clear = [p for p in fits if not p.ambiguous]
    return summaries(conn, [p.id for p in (clear or fits)])


def resolve_query(conn: sqlite3.Connection, query: str) -> int:
    """The one person a name typed by the user stands for; UsageError when it fits
    several (listed) or none (closest names suggested)."""
    if not query.strip():
        raise UsageError("an author name is needed")
    matches = matching_people(conn, query)
    if len(matches) == 1:
        return matches[0].id
    if matches:
        listed = "; ".join(f"{p.name} ({plural(p.papers, 'paper')})" for p in matches)
        raise UsageError(
            f"author {query!r} is ambiguous: {listed}; give a fuller name"
            " (or decide with `pubdb author merge/alias`)"
        )
    raise UsageError(f"no author matches {query!r}{_suggestions(conn, query)}")


def _suggestions(conn: sqlite3.Connection, query: str) -> str:
    import difflib

    from ..normalize import fold_key

    by_key: dict[str, str] = {}
    for name, last in stored.all_spellings(conn):
        by_key.setdefault(fold_key(name), name)
        by_key.setdefault(last, name)  # a typo in the family name alone ('Gauld')
    close = difflib.get_close_matches(fold_key(query), list(by_key), n=6, cutoff=0.6)
    names = list(dict.fromkeys(by_key[key] for key in close))[:3]
    return f"; did you mean {', '.join(names)}?" if names else ""
