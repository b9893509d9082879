"""The baseline for bench/people.py: the co-author queries as pubdb ran them before the
co-author graph's side tables (migration m009_coauthor_graph, commit a3c6ec3), over the authorships
alone, timed on the same database and subjects as today's queries.

* latest affiliations: every affiliated authorship of every co-author, joined to its
  paper for the date, and the affiliations set by the user, ranked per person;
* overlap: every (co-author, paper) of each person, then a reference (key, title,
  year) for every paper of every shared co-author;
* path: a bidirectional breadth-first search over papers (a person's papers, then
  those papers' authors), expanding the side with fewer people.

* coauthors: every paper of the person(s), joined to its authors and its date, grouped
  by co-author; then the affiliations as above. ``baseline_coauthors`` puts it in
  force for the library and the CLI (the NSF table).
"""

from __future__ import annotations

import calendar
import contextlib
import sqlite3
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field

from pubdb.people import coauthors as network
from pubdb.store import coauthors as stored
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


def _coauthor_rows(conn, people, since_year=None, since_month=None) -> list[tuple]:
    window, params = stored._window(since_year, since_month)
    marks = ",".join("?" * len(people))
    whose = "group_concat(DISTINCT a.person_id)" if len(people) > 1 else "NULL"
    sql = (
        "SELECT c.person_id, coalesce(people.name, '?'), coalesce(people.given, ''),"
        " coalesce(people.family, ''), people.contact, c.papers, c.latest, c.date, c.whose"
        " FROM ("
        "  SELECT b.person_id, count(DISTINCT b.publication_id) AS papers,"
        "   max(p.year * 100 + coalesce(p.month, 12)) AS latest, p.date AS date,"
        f"   {whose} AS whose"
        "  FROM authorships a"
        "  JOIN authorships b ON b.publication_id = a.publication_id"
        "   AND b.person_id != a.person_id"
        "  JOIN publications p ON p.id = a.publication_id"
        f"  WHERE a.person_id IN ({marks}){window} GROUP BY b.person_id"
        ") c LEFT JOIN people ON people.id = c.person_id"
    )
    return tuple_cursor(conn).execute(sql, [*people, *params]).fetchall()


def _last_active(latest, date):
    if not latest:
        return None
    year, month = divmod(latest, 100)
    prefix = f"{year:04d}-{month:02d}-"
    if date and date.startswith(prefix) and date[8:10].isdigit() and len(date) >= 10:
        return date[:10]
    return f"{prefix}{calendar.monthrange(year, month)[1]:02d}"


def coauthors(conn, people, *, since_year=None, since_month=None, counts=True):
    """pubdb.people.coauthors.coauthors before m009 (``counts`` ignored: it counted)."""
    people = [people] if isinstance(people, int) else list(people)
    rows = _coauthor_rows(conn, people, since_year, since_month)
    affiliations = latest_affiliations(conn, [row[0] for row in rows])
    names = stored.names_of(conn, people)
    order = {str(person): index for index, person in enumerate(people)}
    found = []
    for person_id, name, given, family, contact, papers, latest, date, whose in rows:
        with_whom = sorted(whose.split(","), key=order.__getitem__) if whose else people[:1]
        found.append(
            network.Coauthor(
                person_id,
                name,
                papers,
                latest // 100 if latest else None,
                affiliations.get(person_id),
                _last_active(latest, date),
                family or name,
                given,
                contact,
                [names[int(person)] for person in with_whom],
            )
        )
    return sorted(found, key=lambda c: (-c.papers, -(c.last_year or 0), c.name.lower()))


@contextlib.contextmanager
def baseline_coauthors() -> Iterator[None]:
    """pubdb (the library and the CLI) answering co-author lists the baseline's way."""
    today = network.coauthors
    network.coauthors = coauthors
    try:
        yield
    finally:
        network.coauthors = today


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
