"""The co-authorship graph's side tables (migration m006): ``coauthor_edges``, each pair
of co-authors both ways with the number of their joint papers, and
``latest_affiliations``, each person's latest affiliation. Triggers keep them current
on every write; here they are compared with what the authorships say (``pubdb check``)
and rebuilt from them (``pubdb check --repair``, bulk loads).
"""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass

EDGES_FROM_AUTHORSHIPS = (
    "SELECT a.person_id, b.person_id, count(DISTINCT a.publication_id)"
    " FROM authorships a JOIN authorships b ON b.publication_id = a.publication_id"
    " AND b.person_id != a.person_id GROUP BY a.person_id, b.person_id"
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
        _drift(conn, "coauthor_edges", "person_id, coauthor_id, papers", EDGES_FROM_AUTHORSHIPS),
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
        "INSERT INTO coauthor_edges (person_id, coauthor_id, papers) " + EDGES_FROM_AUTHORSHIPS
    )


def rebuild_affiliations(conn: sqlite3.Connection) -> None:
    conn.execute("DELETE FROM latest_affiliations")
    conn.execute(
        "INSERT INTO latest_affiliations (person_id, affiliation, rank, publication_id,"
        f" position) {RANKED_AFFILIATIONS}"
    )


def insert_edges(conn: sqlite3.Connection, rows) -> None:
    """Bulk load (benchmarks): (person, co-author, joint papers) rows, both ways."""
    conn.executemany(
        "INSERT INTO coauthor_edges (person_id, coauthor_id, papers) VALUES (?, ?, ?)", rows
    )
