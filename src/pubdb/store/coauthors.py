"""The co-authorship graph as stored: authorships read through their covering indexes
(person_id, publication_id) and (publication_id, person_id)."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterable, Iterator, Sequence

from .graph import DAY, PAPER, PAPER_KEY
from .sql import in_chunks, tuple_cursor


def _window(since_year: int | None, since_month: tuple[int, int] | None) -> tuple[str, list]:
    """A paper whose month is unknown counts as the end of its year."""
    if since_month is not None:
        year, month = since_month
        return (
            " AND (p.year > ? OR (p.year = ? AND coalesce(p.month, 12) >= ?))",
            [year, year, month],
        )
    if since_year is not None:
        return " AND p.year >= ?", [since_year]
    return "", []


_COAUTHOR_COLUMNS = (
    "coalesce(people.name, '?'), coalesce(people.given, ''), coalesce(people.family, ''),"
    " people.contact"
)


def coauthor_counts(
    conn: sqlite3.Connection,
    people: Sequence[int],
    since_year: int | None = None,
    since_month: tuple[int, int] | None = None,
) -> list[tuple[int, str, str, str, str | None, int, int, str | None]]:
    """(person id, name, given, family, contact, joint papers, key of the latest joint
    paper (graph.PAPER_KEY: year, month, day, id), the ids of ``people`` they wrote
    with, comma-separated, or None for one person) of everyone who wrote with one of
    ``people`` in the window. A joint paper with several of them counts once. One
    person over all time reads ``coauthor_edges``, where triggers keep the counts and
    latest papers; otherwise the authorships."""
    if len(people) == 1 and since_year is None and since_month is None:
        return _counts_from_edges(conn, people[0])
    window, params = _window(since_year, since_month)
    marks = ",".join("?" * len(people))
    whose = "group_concat(DISTINCT a.person_id)" if len(people) > 1 else "NULL"
    sql = (
        "SELECT c.person_id, " + _COAUTHOR_COLUMNS + ", c.papers, c.latest_key, c.whose FROM ("
        "  SELECT b.person_id, count(DISTINCT b.publication_id) AS papers,"
        "   max(" + PAPER_KEY + ") AS latest_key, " + whose + " AS whose"
        "  FROM authorships a"
        "  JOIN authorships b ON b.publication_id = a.publication_id"
        "   AND b.person_id != a.person_id"
        "  JOIN publications p ON p.id = a.publication_id"
        f"  WHERE a.person_id IN ({marks}){window} GROUP BY b.person_id"
        ") c LEFT JOIN people ON people.id = c.person_id"
    )
    return tuple_cursor(conn).execute(sql, [*people, *params]).fetchall()


def _counts_from_edges(conn: sqlite3.Connection, person_id: int) -> list[tuple]:
    sql = (
        "SELECT e.coauthor_id, " + _COAUTHOR_COLUMNS + ", e.papers, e.latest_key, NULL"
        " FROM coauthor_edges e LEFT JOIN people ON people.id = e.coauthor_id"
        " WHERE e.person_id = ?"
    )
    return tuple_cursor(conn).execute(sql, (person_id,)).fetchall()


def coauthors_in_window(
    conn: sqlite3.Connection,
    people: Sequence[int],
    since_year: int | None = None,
    since_month: tuple[int, int] | None = None,
) -> list[tuple[int, str, str, str, str | None, None, int, str | None]]:
    """coauthor_counts' rows without the number of joint papers (None), from
    ``coauthor_edges`` alone: a co-author is in the window when their latest joint paper
    with one of ``people`` is, and wrote with those whose latest joint paper is."""
    if since_month is not None:
        start = since_month[0] * 100 + since_month[1]
    else:
        start = since_year * 100 if since_year is not None else 0
    marks = ",".join("?" * len(people))
    whose = "group_concat(person_id)" if len(people) > 1 else "NULL"
    sql = (
        "SELECT c.coauthor_id, " + _COAUTHOR_COLUMNS + ", NULL, c.latest_key, c.whose FROM ("
        "  SELECT coauthor_id, max(latest_key) AS latest_key, " + whose + " AS whose"
        f"  FROM coauthor_edges WHERE person_id IN ({marks}) AND latest_key >= ?"
        "  GROUP BY coauthor_id"
        ") c LEFT JOIN people ON people.id = c.coauthor_id"
    )
    threshold = start * DAY * PAPER
    return tuple_cursor(conn).execute(sql, [*people, threshold]).fetchall()


def names_of(conn: sqlite3.Connection, ids: Sequence[int]) -> dict[int, str]:
    names: dict[int, str] = {}
    for chunk, marks in in_chunks(ids):
        names.update(conn.execute(f"SELECT id, name FROM people WHERE id IN ({marks})", chunk))
    return names


def name_parts_of(conn: sqlite3.Connection, ids: Sequence[int]) -> dict[int, tuple[str, str]]:
    """(given, family) of each person, as decided or read from their best name."""
    parts: dict[int, tuple[str, str]] = {}
    for chunk, marks in in_chunks(ids):
        rows = tuple_cursor(conn).execute(
            f"SELECT id, given, family FROM people WHERE id IN ({marks})", chunk
        )
        parts.update((pid, (given, family)) for pid, given, family in rows)
    return parts


def papers_of(conn: sqlite3.Connection, person_id: int) -> set[int]:
    rows = conn.execute("SELECT publication_id FROM authorships WHERE person_id = ?", (person_id,))
    return {row[0] for row in rows}


def paper_rows(conn: sqlite3.Connection, ids: Iterable[int]) -> list[tuple[int, str, str, int]]:
    """(id, citation key, title, year) of each paper."""
    rows = []
    for chunk, marks in in_chunks(sorted(set(ids))):
        rows += conn.execute(
            f"SELECT id, citekey, title, year FROM publications WHERE id IN ({marks})", chunk
        ).fetchall()
    return rows


def coauthor_papers(conn: sqlite3.Connection, person_id: int) -> Iterator[tuple[int, int]]:
    """(co-author, paper) for every paper of ``person_id`` and each other author on it."""
    return conn.execute(
        "SELECT b.person_id, b.publication_id FROM authorships a"
        " JOIN authorships b ON b.publication_id = a.publication_id"
        " WHERE a.person_id = ? AND b.person_id != a.person_id",
        (person_id,),
    )


def papers_of_people(conn: sqlite3.Connection, people: Sequence[int]) -> Iterator[tuple[int, int]]:
    """(person, paper) for every authorship of the people."""
    for chunk, marks in in_chunks(people):
        yield from tuple_cursor(conn).execute(
            f"SELECT person_id, publication_id FROM authorships WHERE person_id IN ({marks})",
            chunk,
        )


def authors_of_papers(conn: sqlite3.Connection, papers: Sequence[int]) -> Iterator[tuple[int, int]]:
    """(paper, person) for every authorship on the papers."""
    for chunk, marks in in_chunks(papers):
        yield from tuple_cursor(conn).execute(
            f"SELECT publication_id, person_id FROM authorships WHERE publication_id IN ({marks})",
            chunk,
        )


# -- the side tables (store/graph.py): co-author pairs and latest affiliations ---------


def coauthor_degrees(conn: sqlite3.Connection, person_id: int) -> dict[int, int]:
    """co-author -> joint papers, for one person (from ``coauthor_edges``)."""
    rows = conn.execute(
        "SELECT coauthor_id, papers FROM coauthor_edges WHERE person_id = ?", (person_id,)
    )
    return dict(rows)


def neighbours(conn: sqlite3.Connection, people: Sequence[int]) -> Iterator[tuple[int, int]]:
    """(person, co-author) for every co-author of the people."""
    for chunk, marks in in_chunks(people):
        yield from tuple_cursor(conn).execute(
            f"SELECT person_id, coauthor_id FROM coauthor_edges WHERE person_id IN ({marks})",
            chunk,
        )


def latest_joint_paper(conn: sqlite3.Connection, person_id: int, coauthor_id: int) -> int | None:
    """The newest paper the two wrote together (by year and month, then the latest added)."""
    row = conn.execute(
        "SELECT latest_key % 1000000000 FROM coauthor_edges"
        " WHERE person_id = ? AND coauthor_id = ?",
        (person_id, coauthor_id),
    ).fetchone()
    return row[0] if row else None


def coauthor_papers_among(
    conn: sqlite3.Connection, person_id: int, coauthors: Sequence[int]
) -> list[tuple[int, int]]:
    """(co-author, paper) for each paper of ``person_id`` with one of ``coauthors``."""
    wanted = set(coauthors)
    return [(c, p) for c, p in coauthor_papers(conn, person_id) if c in wanted]
