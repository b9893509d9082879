"""The co-authorship graph's side tables (migration m009): ``coauthor_edges``, each pair
of co-authors both ways with the number of their joint papers and the key of their
latest one, and
``latest_affiliations``, each person's latest affiliation. Triggers keep them current
on every delete and update, and ``authorships_added`` counts every insert in bulk
(store/publications.py calls it); here they are also compared with what the
authorships say (``pubdb check``) and rebuilt from them (``pubdb check --repair``, bulk
loads).
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterable
from dataclasses import dataclass

from .sql import in_chunks

# A paper's place in time as one integer (migration m009): year * 100 + month (an
# unknown month as December, an unknown year as 0), the day of its date plus one when
# the date agrees with them (else 0), then the id. The max() over a pair's joint papers
# is their latest; decode() reads it back.
PAPER = 1_000_000_000
DAY = 1000
PAPER_KEY = (
    "((coalesce(p.year * 100 + coalesce(p.month, 12), 0) * 1000"
    " + CASE WHEN substr(p.date, 1, 8) = printf('%04d-%02d-', p.year,"
    " coalesce(p.month, 12)) AND substr(p.date, 9, 2) GLOB '[0-9][0-9]'"
    " THEN CAST(substr(p.date, 9, 2) AS INTEGER) + 1 ELSE 0 END)"
    " * 1000000000 + p.id)"
)


def decode(key: int) -> tuple[int | None, int | None, int]:
    """(year * 100 + month or None, day or None, paper id) of a paper key."""
    when, paper = divmod(key, PAPER)
    latest, day = divmod(when, DAY)
    return latest or None, day - 1 if day else None, paper


EDGES_FROM_AUTHORSHIPS = (
    "SELECT a.person_id, b.person_id, count(DISTINCT a.publication_id), max("
    + PAPER_KEY
    + ") FROM authorships a JOIN authorships b ON b.publication_id = a.publication_id"
    " AND b.person_id != a.person_id JOIN publications p ON p.id = a.publication_id"
    " GROUP BY a.person_id, b.person_id"
)
# store/profiles.py's ranking, one row per person (see the migration for the order).
RANKED_AFFILIATIONS = """
    SELECT person_id, affiliation, rank, publication_id, position FROM (
        SELECT person_id, affiliation, rank, publication_id, position,
               row_number() OVER (PARTITION BY person_id
                                  ORDER BY rank DESC, publication_id DESC, position) AS n
        FROM (
            SELECT a.person_id, a.affiliation,
                   (coalesce(p.year, 0) * 100 + coalesce(p.month, 12)) * 10.0 AS rank,
                   a.publication_id, a.position
            FROM authorships a JOIN publications p ON p.id = a.publication_id
            WHERE a.affiliation IS NOT NULL
            UNION ALL
            SELECT person_id, affiliation,
                   CASE WHEN since IS NULL THEN 1e9 ELSE (since * 100 + 12) * 10.0 + 5 END
                   + id * 1e-9, NULL, NULL
            FROM person_affiliations
        )
    ) WHERE n = 1
"""


@dataclass
class Drift:
    """How far a side table is from what the authorships say."""

    table: str
    missing: int  # rows it should have and lacks (or has with another value)
    extra: int  # rows it has and should not (or has with another value)

    @property
    def ok(self) -> bool:
        return not (self.missing or self.extra)


def _drift(conn: sqlite3.Connection, table: str, columns: str, expected: str) -> Drift:
    """Rows of the recomputation (fixed SQL above) that the table lacks, and the other way."""
    stored = f"SELECT {columns} FROM {table}"
    count = "SELECT count(*) FROM ({} EXCEPT {})"
    missing = conn.execute(count.format(expected, stored)).fetchone()[0]
    extra = conn.execute(count.format(stored, expected)).fetchone()[0]
    return Drift(table, missing, extra)


def drift(conn: sqlite3.Connection) -> list[Drift]:
    """Each side table against a recomputation from scratch (reads everything)."""
    return [
        _drift(
            conn,
            "coauthor_edges",
            "person_id, coauthor_id, papers, latest_key",
            EDGES_FROM_AUTHORSHIPS,
        ),
        _drift(
            conn,
            "latest_affiliations",
            "person_id, affiliation, rank, publication_id, position",
            RANKED_AFFILIATIONS,
        ),
    ]


def rebuild(conn: sqlite3.Connection) -> None:
    """Both side tables from scratch (inside the caller's transaction)."""
    rebuild_edges(conn)
    rebuild_affiliations(conn)


def rebuild_edges(conn: sqlite3.Connection) -> None:
    conn.execute("DELETE FROM coauthor_edges")
    conn.execute(
        "INSERT INTO coauthor_edges (person_id, coauthor_id, papers, latest_key) "
        + EDGES_FROM_AUTHORSHIPS
    )


def rebuild_affiliations(conn: sqlite3.Connection) -> None:
    conn.execute("DELETE FROM latest_affiliations")
    conn.execute(
        "INSERT INTO latest_affiliations (person_id, affiliation, rank, publication_id,"
        f" position) {RANKED_AFFILIATIONS}"
    )


def insert_edges(conn: sqlite3.Connection, rows) -> None:
    """Bulk load (benchmarks): (person, co-author, joint papers, latest key) rows, both
    ways."""
    conn.executemany(
        "INSERT INTO coauthor_edges (person_id, coauthor_id, papers, latest_key)"
        " VALUES (?, ?, ?, ?)",
        rows,
    )


# -- new authorships, counted in bulk -------------------------------------------------

_NEW_PAIRS = (
    "INSERT INTO coauthor_edges (person_id, coauthor_id, papers, latest_key)"
    " SELECT a.person_id, b.person_id, {count}, max("
    + PAPER_KEY
    + ") FROM authorships a JOIN authorships b ON b.publication_id = a.publication_id"
    " AND b.person_id != a.person_id JOIN publications p ON p.id = a.publication_id"
    " WHERE a.publication_id IN ({marks}){old} GROUP BY a.person_id, b.person_id"
    " ON CONFLICT DO UPDATE SET papers = papers + excluded.papers,"
    " latest_key = max(latest_key, excluded.latest_key)"
)
# On a paper that had authors before the insert, a pair of two earlier authors counted.
_NOT_BOTH_OLD = (
    " AND NOT (EXISTS (SELECT 1 FROM authorships o WHERE o.publication_id = a.publication_id"
    " AND o.person_id = a.person_id AND o.rowid <= :before)"
    " AND EXISTS (SELECT 1 FROM authorships o WHERE o.publication_id = a.publication_id"
    " AND o.person_id = b.person_id AND o.rowid <= :before))"
)
_OFFER_NEW_AFFILIATIONS = (
    "INSERT INTO latest_affiliations (person_id, affiliation, rank, publication_id, position)"
    " SELECT person_id, affiliation, rank, publication_id, position FROM ("
    "  SELECT a.person_id, a.affiliation, a.publication_id, a.position,"
    "   (coalesce(p.year, 0) * 100 + coalesce(p.month, 12)) * 10.0 AS rank,"
    "   row_number() OVER (PARTITION BY a.person_id ORDER BY"
    "    (coalesce(p.year, 0) * 100 + coalesce(p.month, 12)) DESC,"
    "    a.publication_id DESC, a.position) AS n"
    "  FROM authorships a JOIN publications p ON p.id = a.publication_id"
    "  WHERE a.publication_id IN ({marks}) AND a.affiliation IS NOT NULL"
    "   AND a.rowid > :before"
    " ) WHERE n = 1"
    " ON CONFLICT (person_id) DO UPDATE SET"
    "  affiliation = excluded.affiliation, rank = excluded.rank,"
    "  publication_id = excluded.publication_id, position = excluded.position"
    " WHERE excluded.rank > rank OR (excluded.rank = rank"
    "  AND (excluded.publication_id > publication_id"
    "   OR (excluded.publication_id = publication_id AND excluded.position < position)))"
)


def last_authorship(conn: sqlite3.Connection) -> int:
    """The highest authorship rowid: rows inserted after this call have higher ones."""
    return conn.execute("SELECT coalesce(max(rowid), 0) FROM authorships").fetchone()[0]


def authorships_added(
    conn: sqlite3.Connection, pub_ids: Iterable[int], before: int, *, once_each: bool = False
) -> None:
    """Count the authorships of ``pub_ids`` inserted after rowid ``before``: their
    co-author pairs and affiliations (one statement per 500 papers, in key order; the
    triggers handle deletes and updates). ``once_each``: no one is twice on one of these
    papers, so pairs are counted without DISTINCT (a sixth of the cost)."""
    for chunk, marks in in_chunks(sorted(set(pub_ids))):
        params = {f"p{i}": pub_id for i, pub_id in enumerate(chunk)}
        named = ",".join(f":{name}" for name in params)
        had_authors = conn.execute(
            f"SELECT 1 FROM authorships WHERE publication_id IN ({marks}) AND rowid <= ? LIMIT 1",
            [*chunk, before],
        ).fetchone()
        old = _NOT_BOTH_OLD if had_authors else ""
        count = "count(*)" if once_each and not had_authors else "count(DISTINCT a.publication_id)"
        pairs = _NEW_PAIRS.format(marks=named, old=old, count=count)
        conn.execute(pairs, {**params, "before": before})
        conn.execute(_OFFER_NEW_AFFILIATIONS.format(marks=named), {**params, "before": before})
