"""Co-authorship queries: who wrote with whom, shared co-authors, collaboration paths.

All queries run on the authorships table through the (person_id, publication_id) index;
paths use a bidirectional breadth-first search that always expands the smaller side.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

CHUNK = 500


@dataclass
class Coauthor:
    person_id: int
    name: str
    papers: int
    last_year: int | None
    affiliation: str | None = None


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


def _since_clause(since_year: int | None, since_month: tuple[int, int] | None) -> tuple[str, list]:
    if since_month is not None:
        year, month = since_month
        return (
            " AND (p.year > ? OR (p.year = ? AND coalesce(p.month, 12) >= ?))",
            [year, year, month],
        )
    if since_year is not None:
        return " AND p.year >= ?", [since_year]
    return "", []


def coauthors(
    conn: sqlite3.Connection,
    person_id: int,
    *,
    since_year: int | None = None,
    since_month: tuple[int, int] | None = None,
) -> list[Coauthor]:
    """Everyone who wrote with ``person_id`` (in the window), with joint-paper counts
    and the last year they did; most joint papers first."""
    window, params = _since_clause(since_year, since_month)
    rows = conn.execute(
        "SELECT b.person_id, count(DISTINCT b.publication_id), max(p.year)"
        " FROM authorships a"
        " JOIN authorships b ON b.publication_id = a.publication_id AND b.person_id != a.person_id"
        " JOIN publications p ON p.id = a.publication_id"
        f" WHERE a.person_id = ?{window} GROUP BY b.person_id",
        [person_id, *params],
    ).fetchall()
    names = names_of(conn, [row[0] for row in rows])
    affiliations = _latest_affiliations(conn, [row[0] for row in rows])
    found = [
        Coauthor(row[0], names.get(row[0], "?"), row[1], row[2], affiliations.get(row[0]))
        for row in rows
    ]
    return sorted(found, key=lambda c: (-c.papers, -(c.last_year or 0), c.name.lower()))


def _chunks(ids: Sequence[int]) -> Iterable[list[int]]:
    for start in range(0, len(ids), CHUNK):
        yield list(ids[start : start + CHUNK])


def names_of(conn: sqlite3.Connection, ids: Sequence[int]) -> dict[int, str]:
    names: dict[int, str] = {}
    for chunk in _chunks(ids):
        marks = ",".join("?" * len(chunk))
        names.update(conn.execute(f"SELECT id, name FROM people WHERE id IN ({marks})", chunk))
    return names


def _latest_affiliations(conn: sqlite3.Connection, ids: Sequence[int]) -> dict[int, str]:
    found: dict[int, str] = {}
    for chunk in _chunks(ids):
        marks = ",".join("?" * len(chunk))
        rows = conn.execute(
            "SELECT a.person_id, a.affiliation FROM authorships a"
            " JOIN publications p ON p.id = a.publication_id"
            f" WHERE a.person_id IN ({marks}) AND a.affiliation IS NOT NULL"
            " ORDER BY p.year, p.month",
            chunk,
        )
        found.update(rows)
    return found


def papers_of(conn: sqlite3.Connection, person_id: int) -> set[int]:
    return {
        row[0]
        for row in conn.execute(
            "SELECT publication_id FROM authorships WHERE person_id = ?", (person_id,)
        )
    }


def _paper_refs(conn: sqlite3.Connection, ids: Iterable[int]) -> dict[int, PaperRef]:
    refs: dict[int, PaperRef] = {}
    for chunk in _chunks(sorted(set(ids))):
        marks = ",".join("?" * len(chunk))
        for row in conn.execute(
            f"SELECT id, citekey, title, year FROM publications WHERE id IN ({marks})", chunk
        ):
            refs[row[0]] = PaperRef(*row)
    return refs


def _newest_first(refs: Iterable[PaperRef]) -> list[PaperRef]:
    return sorted(refs, key=lambda r: (-(r.year or 0), r.citekey))


def overlap(conn: sqlite3.Connection, people: Sequence[int]) -> Overlap:
    """Co-authors shared by all ``people`` (each with their papers with each of them),
    and the papers all of them wrote together."""
    papers = {person: papers_of(conn, person) for person in people}
    joint_ids = set.intersection(*papers.values()) if papers else set()
    sides: dict[int, dict[int, set[int]]] = {}  # coauthor -> side -> paper ids
    for person in people:
        rows = conn.execute(
            "SELECT b.person_id, b.publication_id FROM authorships a"
            " JOIN authorships b ON b.publication_id = a.publication_id"
            " WHERE a.person_id = ? AND b.person_id != a.person_id",
            (person,),
        )
        for coauthor, paper in rows:
            sides.setdefault(coauthor, {}).setdefault(person, set()).add(paper)
    shared_ids = [c for c, by_side in sides.items() if len(by_side) == len(people)]
    shared_ids = [c for c in shared_ids if c not in people]
    refs = _paper_refs(
        conn, [*joint_ids, *(p for c in shared_ids for ids in sides[c].values() for p in ids)]
    )
    names = names_of(conn, shared_ids)
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


def _expand(
    conn: sqlite3.Connection, frontier: Sequence[int], seen: dict[int, tuple[int, int] | None]
) -> list[int]:
    """One BFS level: new neighbours of the frontier, each with (parent, paper)."""
    found: list[int] = []
    for chunk in _chunks(frontier):
        marks = ",".join("?" * len(chunk))
        rows = conn.execute(
            "SELECT a.person_id, b.person_id, a.publication_id FROM authorships a"
            " JOIN authorships b ON b.publication_id = a.publication_id"
            f" WHERE a.person_id IN ({marks}) AND b.person_id != a.person_id",
            chunk,
        )
        for parent, neighbour, paper in rows:
            if neighbour not in seen:
                seen[neighbour] = (parent, paper)
                found.append(neighbour)
    return found


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
    forward: dict[int, tuple[int, int] | None] = {source: None}
    backward: dict[int, tuple[int, int] | None] = {target: None}
    front, back = [source], [target]
    for _ in range(max_hops):
        if not front or not back:
            return None
        expand_forward = len(front) <= len(back)
        frontier, seen = (front, forward) if expand_forward else (back, backward)
        found = _expand(conn, frontier, seen)
        other = backward if expand_forward else forward
        meetings = [node for node in found if node in other]
        if meetings:
            # The other side's visited nodes lie at different depths: join at the nearest.
            meeting = min(meetings, key=lambda node: len(_chain(other, node)))
            return _hops(conn, _join(forward, backward, meeting))
        if expand_forward:
            front = found
        else:
            back = found
    return None


def _join(forward, backward, meeting: int) -> list[tuple[int, int, int]]:
    head = _chain(forward, meeting)
    tail = [(child, parent, paper) for parent, child, paper in reversed(_chain(backward, meeting))]
    return head + tail


def _hops(conn: sqlite3.Connection, links: list[tuple[int, int, int]]) -> list[Hop]:
    refs = _paper_refs(conn, [paper for _, _, paper in links])
    return [Hop(a, b, refs[paper]) for a, b, paper in links]
