"""Co-authorship queries: who wrote with whom, shared co-authors, collaboration paths.

Shared co-authors and paths read the co-author pairs that triggers keep in
``coauthor_edges`` (store/graph.py): a person's co-authors are one index range, not a
join over every paper. Paths use a bidirectional breadth-first search over people that
always expands the smaller side and stops at the first level where the sides meet.
Overlap counts first; the papers behind each shared co-author are read on first use,
all at once. The statements are in store/coauthors.py.
"""

from __future__ import annotations

import calendar
import datetime
from collections.abc import Iterable, Sequence
from dataclasses import asdict, dataclass, field
from functools import lru_cache
from typing import TYPE_CHECKING

from ..errors import UsageError
from ..store import coauthors as stored
from ..store import profiles
from ..store.graph import decode
from .lookup import resolve_distinct

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
    papers: int | None  # None when not counted
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


class _PaperLoader:
    """The papers behind an overlap's shared co-authors, read on first use, all at once:
    a prolific pair shares hundreds of co-authors and thousands of papers with them."""

    def __init__(self, conn: sqlite3.Connection, people: Sequence[int], shared: Sequence[int]):
        self.conn, self.people, self.shared = conn, list(people), list(shared)
        self.papers: dict[int, dict[int, list[PaperRef]]] | None = None

    def of(self, coauthor: int) -> dict[int, list[PaperRef]]:
        if self.papers is None:
            self.papers = self._load()
        return self.papers.get(coauthor, {})

    def _load(self) -> dict[int, dict[int, list[PaperRef]]]:
        sides: dict[int, dict[int, list[int]]] = {c: {} for c in self.shared}
        for person in self.people:
            for coauthor, paper in stored.coauthor_papers_among(self.conn, person, self.shared):
                sides[coauthor].setdefault(person, []).append(paper)
        refs = _paper_refs(
            self.conn, {p for by_side in sides.values() for ids in by_side.values() for p in ids}
        )
        return {
            coauthor: {
                side: _newest_first(refs[p] for p in set(by_side[side]))
                for side in self.people
                if side in by_side
            }
            for coauthor, by_side in sides.items()
        }


@dataclass
class SharedCoauthor:
    """A co-author of every one of the people: ``counts`` their joint papers with each
    (side -> papers), ``papers`` those papers (read on first use)."""

    person_id: int
    name: str
    counts: dict[int, int] = field(default_factory=dict)
    _loader: _PaperLoader | None = field(default=None, repr=False, compare=False)

    @property
    def papers(self) -> dict[int, list[PaperRef]]:
        return self._loader.of(self.person_id) if self._loader else {}

    def as_dict(self) -> dict:
        return {
            "person_id": self.person_id,
            "name": self.name,
            "counts": self.counts,
            "papers": {side: [asdict(r) for r in refs] for side, refs in self.papers.items()},
        }


@dataclass
class Overlap:
    people: list[int]
    shared: list[SharedCoauthor]
    joint: list[PaperRef]

    def as_dict(self) -> dict:
        return {
            "people": self.people,
            "shared": [s.as_dict() for s in self.shared],
            "joint": [asdict(r) for r in self.joint],
        }


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
    counts: bool = True,
) -> list[Coauthor]:
    """Everyone who wrote with one of ``people`` (in the window), each once, with
    joint-paper counts, last year and date together, and latest affiliation; most joint
    papers first. Without ``counts`` (the NSF table needs none) ``papers`` is None and
    only the co-author pairs are read, not the papers."""
    people = [people] if isinstance(people, int) else list(people)
    if counts:
        rows = stored.coauthor_counts(conn, people, since_year, since_month)
    else:
        rows = stored.coauthors_in_window(conn, people, since_year, since_month)
    affiliations = profiles.latest_affiliations(conn, [row[0] for row in rows])
    names = stored.names_of(conn, people)
    order = {str(person): index for index, person in enumerate(people)}
    with_whom: dict[str | None, list[str]] = {None: [names[people[0]]] if people else []}
    found = []
    for person_id, name, given, family, contact, papers, key, whose in rows:
        if whose not in with_whom:  # a few distinct sets of the people, however many rows
            ids = sorted(whose.split(","), key=order.__getitem__)
            with_whom[whose] = [names[int(person)] for person in ids]
        latest, day, _ = decode(key)
        found.append(
            Coauthor(
                person_id,
                name,
                papers,
                latest // 100 if latest else None,
                affiliations.get(person_id),
                last_active(latest, day),
                family or name,
                given,
                contact,
                list(with_whom[whose]),
            )
        )
    found.sort(key=lambda c: (-(c.papers or 0), -(c.last_year or 0), c.name.lower()))
    return found


@lru_cache(maxsize=4096)
def last_active(latest: int | None, day: int | None) -> str | None:
    """The day of a paper as YYYY-MM-DD: the day of its date when that agrees with its
    year and month, else the last day of the month (``latest`` is year * 100 + month,
    an unknown month already counted as December)."""
    if not latest:
        return None
    year, month = divmod(latest, 100)
    if day is None:
        day = calendar.monthrange(year, month)[1]
    return f"{year:04d}-{month:02d}-{day:02d}"


def _paper_refs(conn: sqlite3.Connection, ids: Iterable[int]) -> dict[int, PaperRef]:
    return {row[0]: PaperRef(*row) for row in stored.paper_rows(conn, ids)}


def _newest_first(refs: Iterable[PaperRef]) -> list[PaperRef]:
    return sorted(refs, key=lambda r: (-(r.year or 0), r.citekey))


def overlap(conn: sqlite3.Connection, people: Sequence[int]) -> Overlap:
    """Co-authors shared by all ``people`` (each with the number of papers with each of
    them, the papers themselves read on first use), most joint papers first, and the
    papers all of them wrote together."""
    people = list(people)
    counts = {person: stored.coauthor_degrees(conn, person) for person in people}
    shared_ids = set.intersection(*(set(c) for c in counts.values())) if people else set()
    shared_ids -= set(people)
    loader = _PaperLoader(conn, people, sorted(shared_ids))
    names = stored.names_of(conn, sorted(shared_ids))
    shared = [
        SharedCoauthor(c, names.get(c, "?"), {p: counts[p][c] for p in people}, loader)
        for c in shared_ids
    ]
    shared.sort(key=lambda s: (-sum(s.counts.values()), s.name.lower(), s.person_id))
    papers = [stored.papers_of(conn, person) for person in people]
    joint_ids = set.intersection(*papers) if papers else set()
    return Overlap(people, shared, _newest_first(_paper_refs(conn, joint_ids).values()))


@dataclass
class _Side:
    """One direction of the search: ``seen`` maps each person reached to their parent."""

    seen: dict[int, int | None]
    frontier: list[int]


def _expand(conn: sqlite3.Connection, side: _Side, other: _Side) -> int | None:
    """One BFS level: the co-authors of the frontier. Returns the first person the other
    side has reached: at the first level where the sides meet, every meeting point lies
    on a shortest path (a nearer one would have met a level earlier)."""
    found: list[int] = []
    seen = side.seen
    for person, coauthor in stored.neighbours(conn, sorted(side.frontier)):
        if coauthor not in seen:
            seen[coauthor] = person
            if coauthor in other.seen:
                return coauthor
            found.append(coauthor)
    side.frontier = found
    return None


def _chain(seen: dict[int, int | None], node: int) -> list[tuple[int, int]]:
    """(parent, child) links from the search's root down to ``node``."""
    links = []
    while (parent := seen[node]) is not None:
        links.append((parent, node))
        node = parent
    return links[::-1]


def path(
    conn: sqlite3.Connection, source: int, target: int, max_hops: int = 12
) -> list[Hop] | None:
    """A shortest chain of co-authorship from ``source`` to ``target`` (each hop with the
    newest paper that links it), [] when they are the same person, None when not
    connected (or farther than ``max_hops``)."""
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


def _join(forward, backward, meeting: int) -> list[tuple[int, int]]:
    head = _chain(forward, meeting)
    tail = [(child, parent) for parent, child in reversed(_chain(backward, meeting))]
    return head + tail


def _hops(conn: sqlite3.Connection, links: list[tuple[int, int]]) -> list[Hop]:
    """Each link with the newest paper its two people wrote together."""
    papers = [stored.latest_joint_paper(conn, a, b) for a, b in links]
    refs = _paper_refs(conn, papers)
    return [Hop(a, b, refs[paper]) for (a, b), paper in zip(links, papers, strict=True)]


def months_ago(months: int, today: datetime.date | None = None) -> tuple[int, int]:
    """(year, month) ``months`` calendar months before today's month."""
    today = today or datetime.date.today()
    index = today.year * 12 + (today.month - 1) - months
    return index // 12, index % 12 + 1


def coauthors_named(
    conn: sqlite3.Connection,
    names: str | Iterable[str],
    *,
    months: int | None = None,
    as_of: datetime.date | None = None,
    **options,
) -> list[Coauthor]:
    """``coauthors`` of people named as typed; ``months`` counts back from ``as_of``."""
    names = [names] if isinstance(names, str) else list(names)
    if not names:
        raise UsageError("name at least one person")
    people = resolve_distinct(conn, names, "name each person once")
    since_month = months_ago(months, as_of) if months else None
    return coauthors(conn, people, since_month=since_month, **options)


def overlap_named(conn: sqlite3.Connection, names: Iterable[str]) -> Overlap:
    """``overlap`` of people named as typed (at least two, all different)."""
    names = list(names)
    if len(names) < 2:
        raise UsageError("overlap needs at least two people")
    return overlap(conn, resolve_distinct(conn, names, "overlap needs two different people"))


def path_named(conn: sqlite3.Connection, source: str, target: str) -> list[Hop] | None:
    """``path`` between two people named as typed."""
    ids = resolve_distinct(conn, [source, target], "a path needs two different people")
    return path(conn, *ids)
