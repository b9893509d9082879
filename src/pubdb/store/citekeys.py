"""Citation keys as a document names them: the records' own keys and the keys a merge
absorbed (the ``ids`` field), looked up many at a time."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterable

from .sql import in_chunks


def ids_by_citekey(conn: sqlite3.Connection, keys: Iterable[str]) -> dict[str, int]:
    """Key -> publication id, for the keys some record has as its own (exactly)."""
    found: dict[str, int] = {}
    for chunk, marks in in_chunks(list(dict.fromkeys(keys))):
        rows = conn.execute(
            f"SELECT citekey, id FROM publications WHERE citekey IN ({marks})", chunk
        )
        found.update((key, pub_id) for key, pub_id in rows)
    return found


def ids_by_folded_citekey(conn: sqlite3.Connection, keys: Iterable[str]) -> dict[str, int]:
    """Lower-case key -> publication id, for keys that differ from a record's only in
    case (BibTeX compares crossref keys so); a key two records share so is left out."""
    wanted = {key.lower() for key in keys}
    found: dict[str, int] = {}
    doubled: set[str] = set()
    for chunk, marks in in_chunks(sorted(wanted)):
        rows = conn.execute(
            f"SELECT lower(citekey), id FROM publications WHERE lower(citekey) IN ({marks})",
            chunk,
        )
        for folded, pub_id in rows:
            if folded in found:
                doubled.add(folded)
            found[folded] = pub_id
    return {key: pub_id for key, pub_id in found.items() if key not in doubled}


def former_keys(conn: sqlite3.Connection) -> dict[str, int]:
    """Every key a record lists in its ``ids`` field (a merge put it there) -> that
    record's id; a key two records list is left out (it names neither for sure)."""
    rows = conn.execute(
        "SELECT id, json_extract(fields, '$.ids') FROM publications"
        " WHERE fields LIKE '%\"ids\"%' AND json_extract(fields, '$.ids') IS NOT NULL"
    )
    found: dict[str, int] = {}
    doubled: set[str] = set()
    for pub_id, ids in rows:
        for key in str(ids).split(","):
            key = key.strip()
            if not key:
                continue
            if key in found and found[key] != pub_id:
                doubled.add(key)
            found[key] = pub_id
    return {key: pub_id for key, pub_id in found.items() if key not in doubled}


def all_citekeys(conn: sqlite3.Connection) -> list[str]:
    return [row[0] for row in conn.execute("SELECT citekey FROM publications")]


def all_publication_ids(conn: sqlite3.Connection) -> list[int]:
    return [row[0] for row in conn.execute("SELECT id FROM publications ORDER BY id")]
