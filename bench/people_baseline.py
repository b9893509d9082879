"""The baseline for bench/people.py: the co-author queries as pubdb ran them before the
co-author graph's side tables (migration m006, commit a3c6ec3), over the authorships
alone, timed on the same database and subjects as today's queries.

* latest affiliations: every affiliated authorship of every co-author, joined to its
  paper for the date, and the affiliations set by the user, ranked per person;
* overlap: every (co-author, paper) of each person, then a reference (key, title,
  year) for every paper of every shared co-author;
* path: a bidirectional breadth-first search over papers (a person's papers, then
  those papers' authors), expanding the side with fewer people.

``coauthors`` differs from today's only in where the affiliations come from, so its
baseline is today's function with ``baseline_affiliations`` in force.
"""

from __future__ import annotations

import contextlib
import sqlite3
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field

from pubdb.people import coauthors as network
from pubdb.store import coauthors as stored
from pubdb.store import profiles
from pubdb.store.sql import in_chunks, tuple_cursor

_RANKED = """
    SELECT a.person_id, a.affiliation,
           (coalesce(p.year, 0) * 100 + coalesce(p.month, 12)) * 10.0 AS rank
    FROM authorships a JOIN publications p ON p.id = a.publication_id
    WHERE a.person_id IN ({marks}) AND a.affiliation IS NOT NULL
    UNION ALL
    SELECT person_id, affiliation,
           CASE WHEN since IS NULL THEN 1e9 ELSE (since * 100 + 12) * 10.0 + 5 END
           + id * 1e-9 AS rank
    FROM person_affiliations WHERE person_id IN ({marks})
"""


def latest_affiliations(conn: sqlite3.Connection, ids: Sequence[int]) -> dict[int, str]:
    found: dict[int, str] = {}
    for chunk, marks in in_chunks(ids):
        select = _RANKED.format(marks=marks)
        rows = tuple_cursor(conn).execute(
            f"SELECT person_id, affiliation, max(rank) FROM ({select}) GROUP BY person_id",
            chunk + chunk,
        )
        found.update((person, affiliation) for person, affiliation, _ in rows)
    return found


@contextlib.contextmanager
def baseline_affiliations() -> Iterator[None]:
    """Today's code reading affiliations the baseline's way."""
    today = profiles.latest_affiliations
    profiles.latest_affiliations = latest_affiliations
    try:
        yield
    finally:
        profiles.latest_affiliations = today


def coauthors(conn: sqlite3.Connection, person: int):
    with baseline_affiliations():
        return network.coauthors(conn, person)


@dataclass
class Overlap:
    shared: list = field(default_factory=list)
    joint: list = field(default_factory=list)


def _paper_refs(conn: sqlite3.Connection, ids) -> dict[int, network.PaperRef]:
    return {row[0]: network.PaperRef(*row) for row in stored.paper_rows(conn, ids)}


def _newest_first(refs) -> list:
    return sorted(refs, key=lambda r: (-(r.year or 0), r.citekey))


def overlap(conn: sqlite3.Connection, people: Sequence[int]) -> Overlap:
    papers = {person: stored.papers_of(conn, person) for person in people}
    joint_ids = set.intersection(*papers.values()) if papers else set()
    sides: dict[int, dict[int, set[int]]] = {}
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
        (
            names.get(c, "?"),
            {side: _newest_first(refs[p] for p in ids) for side, ids in sides[c].items()},
        )
        for c in shared_ids
    ]
    shared.sort(key=lambda s: (-sum(len(v) for v in s[1].values()), s[0].lower()))
    return Overlap(shared, _newest_first(refs[p] for p in joint_ids))


@dataclass
class _Side:
    seen: dict[int, tuple[int, int] | None]
    frontier: list[int]
    expanded: set[int] = field(default_factory=set)


def _papers_of_people(conn, people):
    for chunk, marks in in_chunks(people):
        yield from tuple_cursor(conn).execute(
            f"SELECT person_id, publication_id FROM authorships WHERE person_id IN ({marks})",
            chunk,
        )


def _expand(conn, side: _Side, other: _Side) -> int | None:
    papers: dict[int, int] = {}
    for person, paper in _papers_of_people(conn, side.frontier):
        if paper not in side.expanded:
            papers.setdefault(paper, person)
    side.expanded.update(papers)
    found = []
    for paper, person in stored.authors_of_papers(conn, sorted(papers)):
        if person not in side.seen:
            side.seen[person] = (papers[paper], paper)
            if person in other.seen:
                return person
            found.append(person)
    side.frontier = found
    return None


def _chain(seen, node) -> list:
    links = []
    while seen[node] is not None:
        parent, paper = seen[node]
        links.append((parent, node, paper))
        node = parent
    return links[::-1]


def path(conn: sqlite3.Connection, source: int, target: int, max_hops: int = 12):
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
            head = _chain(forward.seen, meeting)
            tail = [(c, p, paper) for p, c, paper in reversed(_chain(backward.seen, meeting))]
            links = head + tail
            refs = _paper_refs(conn, [paper for _, _, paper in links])
            return [(a, b, refs[paper]) for a, b, paper in links]
    return None
