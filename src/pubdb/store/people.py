"""People and their name variants, as stored: every statement the people package runs.

A person has a display name and the name variants written on their papers
(``person_names``); ``author_pins`` keep one paper's authorship with a person after
`author split`. ``person_names.manual`` says where a variant comes from: a paper
(``WRITTEN``), a decision about a name the person writes (``DECIDED``: merge, split), or
an alias (``ALIAS``: a name they answer to, which says nothing of how they write).
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterable

from .profiles import move_profile
from .sql import now

VariantRow = tuple[str, str, int | None]  # name, name key, family length
WRITTEN, DECIDED, ALIAS = 0, 1, 2  # person_names.manual


def pinned_person(conn: sqlite3.Connection, pub_id: int, name_key: str) -> int | None:
    row = conn.execute(
        "SELECT person_id FROM author_pins WHERE publication_id = ? AND name_key = ?",
        (pub_id, name_key),
    ).fetchone()
    return row[0] if row else None


def people_with_last_name(conn: sqlite3.Connection, last_key: str) -> list[int]:
    rows = conn.execute(
        "SELECT DISTINCT person_id FROM person_names WHERE last_key = ?", (last_key,)
    )
    return [row[0] for row in rows]


def is_ambiguous(conn: sqlite3.Connection, person_id: int) -> bool:
    row = conn.execute("SELECT ambiguous FROM people WHERE id = ?", (person_id,)).fetchone()
    return bool(row and row[0])


def name_variants(
    conn: sqlite3.Connection, person_id: int
) -> list[tuple[str, str, int | None, int]]:
    """(name, name key, family length, origin: WRITTEN, DECIDED or ALIAS) of each
    variant, oldest first."""
    rows = conn.execute(
        "SELECT name, name_key, family_len, manual FROM person_names"
        " WHERE person_id = ? ORDER BY id",
        (person_id,),
    )
    return [(name, key, family_len, manual) for name, key, family_len, manual in rows]


def insert_person(
    conn: sqlite3.Connection,
    name: str,
    given: str,
    family: str,
    name_key: str,
    *,
    ambiguous: bool = False,
) -> int:
    return conn.execute(
        "INSERT INTO people (name, given, family, name_key, created_at, ambiguous)"
        " VALUES (?, ?, ?, ?, ?, ?)",
        (name, given, family, name_key, now(), int(ambiguous)),
    ).lastrowid


def rename_person(
    conn: sqlite3.Connection, person_id: int, name: str, given: str, family: str, name_key: str
) -> None:
    conn.execute(
        "UPDATE people SET name = ?, given = ?, family = ?, name_key = ? WHERE id = ?",
        (name, given, family, name_key, person_id),
    )


def add_variant(
    conn: sqlite3.Connection,
    person_id: int,
    name: str,
    name_key: str,
    family_len: int | None,
    last_key: str,
    *,
    manual: bool = False,
) -> None:
    conn.execute(
        "INSERT OR IGNORE INTO person_names (person_id, name, name_key, family_len,"
        " last_key, manual) VALUES (?, ?, ?, ?, ?, ?)",
        (person_id, name, name_key, family_len, last_key, int(manual)),
    )


def respell_variant(conn: sqlite3.Connection, person_id: int, name_key: str, name: str) -> None:
    conn.execute(
        "UPDATE person_names SET name = ? WHERE person_id = ? AND name_key = ?",
        (name, person_id, name_key),
    )


def remove_variant(conn: sqlite3.Connection, person_id: int, name_key: str) -> None:
    conn.execute(
        "DELETE FROM person_names WHERE person_id = ? AND name_key = ?", (person_id, name_key)
    )


def claim_variant(
    conn: sqlite3.Connection,
    person_id: int,
    name: str,
    name_key: str,
    family_len: int | None,
    origin: int = DECIDED,
) -> None:
    """Make ``name_key`` a manual name of ``person_id`` and of nobody else. It stays an
    alias only if it was one and is claimed as one: a name the person has written is
    evidence of how they write, whatever else it is."""
    conn.execute(
        "UPDATE person_names SET manual = 0 WHERE name_key = ? AND person_id != ?",
        (name_key, person_id),
    )
    conn.execute(
        "INSERT INTO person_names (person_id, name, name_key, family_len, last_key, manual)"
        " VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT (person_id, name_key) DO UPDATE SET manual ="
        f" CASE WHEN manual = {ALIAS} AND excluded.manual = {ALIAS} THEN {ALIAS}"
        f" ELSE {DECIDED} END",
        (person_id, name, name_key, family_len, name_key.split()[-1] if name_key else "", origin),
    )


def holders(conn: sqlite3.Connection, name_key: str) -> list[tuple[int, bool]]:
    """(person, ambiguous) of everyone who has this name variant."""
    rows = conn.execute(
        "SELECT DISTINCT n.person_id, p.ambiguous FROM person_names n"
        " JOIN people p ON p.id = n.person_id WHERE n.name_key = ? ORDER BY n.person_id",
        (name_key,),
    )
    return [(person_id, bool(ambiguous)) for person_id, ambiguous in rows]


def sole_holder(conn: sqlite3.Connection, name_key: str) -> int | None:
    """The one unambiguous person holding this name variant, found by index."""
    rows = conn.execute(
        "SELECT DISTINCT n.person_id FROM person_names n JOIN people p ON p.id = n.person_id"
        " WHERE n.name_key = ? AND p.ambiguous = 0 LIMIT 2",
        (name_key,),
    ).fetchall()
    return rows[0][0] if len(rows) == 1 else None


def shared_last_names(conn: sqlite3.Connection) -> list[str]:
    rows = conn.execute(
        "SELECT last_key FROM person_names GROUP BY last_key HAVING count(DISTINCT person_id) > 1"
    )
    return [row[0] for row in rows]


def count_people(conn: sqlite3.Connection) -> int:
    return conn.execute("SELECT count(*) FROM people").fetchone()[0]


def summary_rows(
    conn: sqlite3.Connection, ids: Iterable[int] | None = None
) -> list[tuple[int, str, bool, int, list[str]]]:
    """(id, name, ambiguous, papers, variants) of the people (all when ``ids`` is None)."""
    where, params = "", []
    if ids is not None:
        params = list(ids)
        if not params:
            return []
        where = f"WHERE p.id IN ({','.join('?' * len(params))})"
    rows = conn.execute(
        "SELECT p.id, p.name, p.ambiguous,"
        " (SELECT count(DISTINCT publication_id) FROM authorships a WHERE a.person_id = p.id),"
        " (SELECT group_concat(name, char(31)) FROM (SELECT name FROM person_names n"
        "   WHERE n.person_id = p.id ORDER BY n.id))"
        f" FROM people p {where}",
        params,
    )
    return [
        (pid, name, bool(ambiguous), papers, (variants or name).split("\x1f"))
        for pid, name, ambiguous, papers, variants in rows
    ]


def merge_people(conn: sqlite3.Connection, keep: int, other: int) -> None:
    """``other``'s authorships, pins and affiliations move to ``keep``; ``other`` goes."""
    move_profile(conn, keep, other)
    conn.execute("UPDATE authorships SET person_id = ? WHERE person_id = ?", (keep, other))
    conn.execute("UPDATE author_pins SET person_id = ? WHERE person_id = ?", (keep, other))
    conn.execute("DELETE FROM people WHERE id = ?", (other,))
    conn.execute("UPDATE people SET ambiguous = 0 WHERE id = ?", (keep,))


def move_authorships_written(conn: sqlite3.Connection, person_id: int, name_key: str) -> int:
    """Authorships written as ``name_key`` go to ``person_id``, except those pinned to a
    person by paper. Returns how many moved."""
    return conn.execute(
        "UPDATE authorships SET person_id = ? WHERE name_key = ? AND person_id != ?"
        " AND NOT EXISTS (SELECT 1 FROM author_pins p WHERE p.publication_id ="
        " authorships.publication_id AND p.name_key = authorships.name_key)",
        (person_id, name_key, person_id),
    ).rowcount


def authorships_of(conn: sqlite3.Connection, person_id: int) -> list[tuple[int, str, str]]:
    """(publication id, name as written, name key) of each authorship of a person."""
    return conn.execute(
        "SELECT publication_id, name, name_key FROM authorships WHERE person_id = ?",
        (person_id,),
    ).fetchall()


def move_authorship(
    conn: sqlite3.Connection, pub_id: int, name_key: str, source: int, target: int
) -> None:
    conn.execute(
        "UPDATE authorships SET person_id = ? WHERE publication_id = ? AND person_id = ?"
        " AND name_key = ?",
        (target, pub_id, source, name_key),
    )


def pin_authorship(conn: sqlite3.Connection, pub_id: int, name_key: str, person_id: int) -> None:
    conn.execute(
        "INSERT OR REPLACE INTO author_pins (publication_id, name_key, person_id) VALUES (?, ?, ?)",
        (pub_id, name_key, person_id),
    )


ORPHANS = (
    "SELECT id FROM people WHERE id NOT IN (SELECT person_id FROM authorships)"
    " AND id NOT IN (SELECT person_id FROM person_names WHERE manual != 0)"
)


def orphan_people(conn: sqlite3.Connection) -> list[int]:
    """People with no paper and no manual name (left behind by edits and removals)."""
    return [row[0] for row in conn.execute(ORPHANS)]


def drop_orphan_people(conn: sqlite3.Connection) -> None:
    conn.execute(f"DELETE FROM people WHERE id IN ({ORPHANS})")
