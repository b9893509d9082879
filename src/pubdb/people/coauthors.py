"""Co-authorship queries: who wrote with whom, shared co-authors, collaboration paths.

Paths use a bidirectional breadth-first search over papers that reads each paper once
and always expands the smaller side; the statements are in store/coauthors.py.
"""

from __future__ import annotations

import calendar
import datetime
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from typing import TYPE_CHECKING

from ..store import coauthors as stored
from ..store import profiles

if TYPE_CHECKING:
    import sqlite3


@dataclass
class Coauthor:
    """One co-author: joint papers in the window, the last year and date they were
    active together (a date unknown to the day counts as the end of its month, an
    unknown month as the end of the year), their latest affiliation, the name parts
    the NSF table wants (family, given), and which of the people asked about they wrote
    with."""

    person_id: int
    name: str
    papers: int
    last_year: int | None
    affiliation: str | None = None
    last_active: str | None = None  # YYYY-MM-DD
    family: str = ""
    given: str = ""
    contact: str | None = None
    coauthor_of: list[str] = field(default_factory=list)


@dataclass
class PaperRef:
    id: int
    citekey: str
    title: str
    year: int | None


@dataclass
class SharedCoauthor:
    person_id: int
    name: str
    papers: dict[int, list[PaperRef]] = field(default_factory=dict)  # side -> papers


@dataclass
class Overlap:
    people: list[int]
    shared: list[SharedCoauthor]
    joint: list[PaperRef]


@dataclass
class Hop:
    source: int
    target: int
    paper: PaperRef


def coauthors(
    conn: sqlite3.Connection,
    people: int | Sequence[int],
    *,
    since_year: int | None = None,
    since_month: tuple[int, int] | None = None,
) -> list[Coauthor]:
    """Everyone who wrote with one of ``people`` (in the window), each once, with
    joint-paper counts, last year and date together, and latest affiliation; most joint
    papers first."""
    people = [people] if isinstance(people, int) else list(people)
    rows = stored.coauthor_counts(conn, people, since_year, since_month)
    affiliations = profiles.latest_affiliations(conn, [row[0] for row in rows])
    names = stored.names_of(conn, people)
    order = {str(person): index for index, person in enumerate(people)}
    found = []
    for person_id, name, given, family, contact, papers, latest, date, whose in rows:
        with_whom = sorted(whose.split(","), key=order.__getitem__) if whose else people[:1]
        found.append(
            Coauthor(
                person_id,
                name,
                papers,
                latest // 100 if latest else None,
                affiliations.get(person_id),
                last_active(latest, date),
                family or name,
                given,
                contact,
                [names[int(person)] for person in with_whom],
            )
        )
    return sorted(found, key=lambda c: (-c.papers, -(c.last_year or 0), c.name.lower()))


@lru_cache(maxsize=4096)
def last_active(latest: int | None, date: str | None) -> str | None:
    """The day of a paper as YYYY-MM-DD: its date when that agrees with its year and
    month, else the last day of the month (``latest`` is year * 100 + month, an unknown
    month already counted as December)."""
    if not latest:
        return None
    year, month = divmod(latest, 100)
    prefix = f"{year:04d}-{month:02d}-"
    if date and date.startswith(prefix) and date[8:10].isdigit() and len(date) >= 10:
        return date[:10]
    return f"{prefix}{calendar.monthrange(year, month)[1]:02d}"


def _paper_refs(conn: sqlite3.Connection, ids: Iterable[int]) -> dict[int, PaperRef]:
    return {row[0]: PaperRef(*row) for row in stored.paper_rows(conn, ids)}


def _newest_first(refs: Iterable[PaperRef]) -> list[PaperRef]:
    return sorted(refs, key=lambda r: (-(r.year or 0), r.citekey))


def overlap(conn: sqlite3.Connection, people: Sequence[int]) -> Overlap:
    """Co-authors shared by all ``people`` (each with their papers with each of them),
    and the papers all of them wrote together."""
    papers = {person: stored.papers_of(conn, person) for person in people}
    joint_ids = set.intersection(*papers.values()) if papers else set()
    sides: dict[int, dict[int, set[int]]] = {}  # coauthor -> side -> paper ids
    for person in people:
        for coauthor, paper in stored.coauthor_papers(conn, person):
            sides.setdefault(coauthor, {}).setdefault(person, set()).add(paper)
    shared_ids = [c for c, by_side in sides.items() if len(by_side) == len(people)]
    shared_ids = [c for c in shared_ids if c not in people]
    refs = _paper_refs(
        conn, [*joint_ids, *(p for c in shared_ids for ids in sides[c].values() for p in ids)]
    )
    names = stored.names_of(conn, shared_ids)
    shared = [
        SharedCoauthor(
            c,
            names.get(c, "?"),
            {side: _newest_first(refs[p] for p in ids) for side, ids in sides[c].items()},
        )
        for c in shared_ids
    ]
    shared.sort(key=lambda s: (-sum(len(v) for v in s.papers.values()), s.name.lower()))
    return Overlap(list(people), shared, _newest_first(refs[p] for p in joint_ids))


@dataclass
class _Side:
    """One direction of the search. ``seen`` maps each person reached to (parent, paper);
    papers already expanded are never read again: their authors are all in ``seen``."""

    seen: dict[int, tuple[int, int] | None]
    frontier: list[int]
    expanded: set[int] = field(default_factory=set)

    def next_papers(self, conn: sqlite3.Connection) -> dict[int, int]:
        """Papers of the frontier not yet expanded, each with one frontier author."""
        papers: dict[int, int] = {}
        for person, paper in stored.papers_of_people(conn, self.frontier):
            if paper not in self.expanded:
                papers.setdefault(paper, person)
        return papers


def _expand(conn: sqlite3.Connection, side: _Side, other: _Side) -> int | None:
    """One BFS level: the authors of the frontier's unread papers. Returns the first
    person the other side has reached: at the first level where the sides meet, every
    meeting point lies on a shortest path (a nearer one would have met a level earlier)."""
    papers = side.next_papers(conn)
    side.expanded.update(papers)
    found: list[int] = []
    for paper, person in stored.authors_of_papers(conn, sorted(papers)):
        if person not in side.seen:
            side.seen[person] = (papers[paper], paper)
            if person in other.seen:
                return person
            found.append(person)
    side.frontier = found
    return None


def _chain(seen: dict[int, tuple[int, int] | None], node: int) -> list[tuple[int, int, int]]:
    """(parent, child, paper) links from the search's root down to ``node``."""
    links = []
    while seen[node] is not None:
        parent, paper = seen[node]
        links.append((parent, node, paper))
        node = parent
    return links[::-1]


def path(
    conn: sqlite3.Connection, source: int, target: int, max_hops: int = 12
) -> list[Hop] | None:
    """The shortest chain of co-authorship from ``source`` to ``target`` (each hop with a
    paper that links it), [] when they are the same person, None when not connected."""
    if source == target:
        return []
    forward, backward = _Side({source: None}, [source]), _Side({target: None}, [target])
    for _ in range(max_hops):
        if not forward.frontier or not backward.frontier:
            return None
        smaller = len(forward.frontier) <= len(backward.frontier)
        side, other = (forward, backward) if smaller else (backward, forward)
        meeting = _expand(conn, side, other)
        if meeting is not None:
            return _hops(conn, _join(forward.seen, backward.seen, meeting))
    return None


def _join(forward, backward, meeting: int) -> list[tuple[int, int, int]]:
    head = _chain(forward, meeting)
    tail = [(child, parent, paper) for parent, child, paper in reversed(_chain(backward, meeting))]
    return head + tail


def _hops(conn: sqlite3.Connection, links: list[tuple[int, int, int]]) -> list[Hop]:
    refs = _paper_refs(conn, [paper for _, _, paper in links])
    return [Hop(a, b, refs[paper]) for a, b, paper in links]


def months_ago(months: int, today: datetime.date | None = None) -> tuple[int, int]:
    """(year, month) ``months`` calendar months before today's month."""
    today = today or datetime.date.today()
    index = today.year * 12 + (today.month - 1) - months
    return index // 12, index % 12 + 1
