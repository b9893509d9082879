"""What a person is called and where they work, as stored: the decisions on ``people``
(preferred name, decided family name, contact), dated affiliations the user set
(``person_affiliations``), and the affiliations written on their papers.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Sequence

from .sql import in_chunks, now, tuple_cursor

PROFILE_COLUMNS = ("preferred_name", "decided_family", "contact")
MANUAL = "manual"


def person_state(conn: sqlite3.Connection, person_id: int) -> tuple[bool, str | None, str | None]:
    """(ambiguous, preferred name, decided family name) of a person, in one read."""
    row = conn.execute(
        "SELECT ambiguous, preferred_name, decided_family FROM people WHERE id = ?",
        (person_id,),
    ).fetchone()
    return (bool(row[0]), row[1], row[2]) if row else (False, None, None)


def profile(conn: sqlite3.Connection, person_id: int) -> tuple[str | None, str | None, str | None]:
    """(preferred name, decided family name, contact) of a person."""
    row = conn.execute(
        "SELECT preferred_name, decided_family, contact FROM people WHERE id = ?", (person_id,)
    ).fetchone()
    return tuple(row) if row else (None, None, None)


def set_profile(conn: sqlite3.Connection, person_id: int, column: str, value: str | None) -> None:
    if column not in PROFILE_COLUMNS:
        raise ValueError(column)
    conn.execute(f"UPDATE people SET {column} = ? WHERE id = ?", (value, person_id))


def add_affiliation(
    conn: sqlite3.Connection, person_id: int, affiliation: str, since: int | None
) -> None:
    """A dated affiliation set by the user; a new current one (no year) replaces the
    previous current one, and the same fact twice is stored once."""
    if since is None:
        conn.execute(
            "DELETE FROM person_affiliations WHERE person_id = ? AND since IS NULL", (person_id,)
        )
    conn.execute(
        "DELETE FROM person_affiliations WHERE person_id = ? AND affiliation = ? AND since IS ?",
        (person_id, affiliation, since),
    )
    conn.execute(
        "INSERT INTO person_affiliations (person_id, affiliation, since, source, created_at)"
        " VALUES (?, ?, ?, ?, ?)",
        (person_id, affiliation, since, MANUAL, now()),
    )


def remove_affiliations(conn: sqlite3.Connection, person_id: int) -> int:
    return conn.execute(
        "DELETE FROM person_affiliations WHERE person_id = ?", (person_id,)
    ).rowcount


def affiliation_history(
    conn: sqlite3.Connection, person_id: int
) -> list[tuple[str, int | None, int | None, str, str | None]]:
    """(affiliation, year, month, source, citation key) of every affiliation known for a
    person, set by the user (no key) or written on a paper; newest first."""
    rows = conn.execute(
        "SELECT affiliation, since, NULL, source, NULL, 1, id FROM person_affiliations"
        " WHERE person_id = ?"
        " UNION ALL"
        " SELECT a.affiliation, p.year, p.month, coalesce(a.affiliation_source, p.source),"
        "  p.citekey, 0, p.id"
        " FROM authorships a JOIN publications p ON p.id = a.publication_id"
        " WHERE a.person_id = ? AND a.affiliation IS NOT NULL",
        (person_id, person_id),
    ).fetchall()

    def rank(row) -> tuple:
        _, year, month, _, _, manual, row_id = row
        if manual and year is None:
            return (1, 0, 0, row_id)
        return (0, year or 0, 13 if manual else (month or 12), row_id)

    ordered = sorted(rows, key=rank, reverse=True)
    return [(a, year, month, source, key) for a, year, month, source, key, _, _ in ordered]


def latest_affiliations(conn: sqlite3.Connection, ids: Sequence[int]) -> dict[int, str]:
    """Each person's latest affiliation, from their papers or set by them: the
    ``latest_affiliations`` table that triggers keep current (store/graph.py ranks
    them: a paper by its year and month, an unknown month as December, the later added
    paper on a tie; set by the user since a year, just after that year's papers; set
    without a year, above everything)."""
    found: dict[int, str] = {}
    for chunk, marks in in_chunks(ids):
        rows = tuple_cursor(conn).execute(
            f"SELECT person_id, affiliation FROM latest_affiliations WHERE person_id IN ({marks})",
            chunk,
        )
        found.update(rows)
    return found


def move_profile(conn: sqlite3.Connection, keep: int, other: int) -> None:
    """Before ``other`` merges into ``keep``: its affiliations move, and its decisions fill
    those ``keep`` has not made."""
    conn.execute("UPDATE person_affiliations SET person_id = ? WHERE person_id = ?", (keep, other))
    assignments = ", ".join(
        f"{column} = coalesce({column}, (SELECT {column} FROM people WHERE id = ?))"
        for column in PROFILE_COLUMNS
    )
    conn.execute(
        f"UPDATE people SET {assignments} WHERE id = ?", (*[other] * len(PROFILE_COLUMNS), keep)
    )


def written_names(conn: sqlite3.Connection, person_id: int) -> list[tuple[int, int, str, str, str]]:
    """(publication id, position, name, given, family) of each authorship of a person."""
    return conn.execute(
        "SELECT publication_id, position, name, given, family FROM authorships WHERE person_id = ?",
        (person_id,),
    ).fetchall()


def resplit_authorship(
    conn: sqlite3.Connection, pub_id: int, position: int, given: str, family: str
) -> None:
    conn.execute(
        "UPDATE authorships SET given = ?, family = ? WHERE publication_id = ? AND position = ?",
        (given, family, pub_id, position),
    )


def holders_of_key(conn: sqlite3.Connection, name_key: str) -> list[int]:
    """Everyone with this name variant (by index)."""
    rows = conn.execute(
        "SELECT DISTINCT person_id FROM person_names WHERE name_key = ?", (name_key,)
    )
    return [row[0] for row in rows]


def people_with_token(conn: sqlite3.Connection, token: str, limit: int = 200) -> list[int]:
    """People with a name variant containing the folded word ``token`` anywhere ('attia'
    in 'y attia el hili'): a scan (instr, then whole words checked here), for queries
    the usual rules leave open."""
    found: dict[int, None] = {}
    rows = tuple_cursor(conn).execute(
        "SELECT person_id, name_key FROM person_names WHERE instr(name_key, ?) > 0", (token,)
    )
    for person_id, key in rows:
        if token in key.split():
            found[person_id] = None
            if len(found) >= limit:
                break
    return list(found)


def last_keys(conn: sqlite3.Connection) -> list[str]:
    """Every family-name key, read from its index alone (for suggestions)."""
    return [row[0] for row in conn.execute("SELECT DISTINCT last_key FROM person_names")]
