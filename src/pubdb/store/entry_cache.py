"""Each record's written BibTeX entry, kept for the next export (migration m011).

A row is read only while it was written under the record's current revision (which
triggers move on every change to the record or its authorships), the current pubdb
version and options, and, for an entry that uses @string macros, the current
definitions. It is stored only if the record still has the revision it was read at.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterable, Iterator
from operator import attrgetter
from typing import NamedTuple

from ..errors import DatabaseError
from .connection import BUSY_TIMEOUT_MS, write_transaction
from .publications import full_columns
from .sql import tuple_cursor

STORE_WAIT_MS = 1_000  # a writer holding the lock longer: the next export stores them
_BATCH = 500


class EntryRow(NamedTuple):
    """A record in export order with its valid cached entry, else (``entry`` None)
    the columns ``publications.publication_from_row`` reads."""

    id: int
    citekey: str
    revision: int
    crossref: bool | None
    entry: str | None
    record: tuple


class WrittenEntry(NamedTuple):
    publication_id: int
    revision: int  # the record's when it was read
    strings: str  # digest of the @string definitions it was checked against, or ''
    crossref: bool
    entry: str


def entry_rows(
    conn: sqlite3.Connection,
    written_under: str,
    strings: str,
    *,
    person_id: int | None = None,
    order_by: str = "year DESC, month DESC, citekey",
) -> Iterator[list[EntryRow]]:
    """Records (all, or one person's) in ``order_by`` with their valid cached entries
    (else the whole record), in batches."""
    where, params = "", [written_under, strings]
    if person_id is not None:
        where = " WHERE p.id IN (SELECT publication_id FROM authorships WHERE person_id = ?)"
        params.append(person_id)
    order = ", ".join(f"p.{term.strip()}" for term in order_by.split(","))
    columns = full_columns("p", "c.entry IS NULL")
    cursor = tuple_cursor(conn).execute(
        f"SELECT p.id, p.citekey, p.revision, c.crossref, c.entry, {columns}"
        " FROM publications p LEFT JOIN bibtex_entries c ON c.publication_id = p.id"
        " AND c.revision = p.revision AND c.written_under = ? AND c.strings IN ('', ?)"
        f"{where} ORDER BY {order}",
        params,
    )
    while rows := cursor.fetchmany(_BATCH):
        yield [EntryRow(*row[:5], row[5:]) for row in rows]


def valid_entries(
    conn: sqlite3.Connection, written_under: str, strings: str
) -> Iterator[tuple[int, bool, str]]:
    """(publication id, crossref, entry) of every cached entry an export would read."""
    yield from conn.execute(
        "SELECT c.publication_id, c.crossref, c.entry FROM bibtex_entries c"
        " JOIN publications p ON p.id = c.publication_id AND p.revision = c.revision"
        " WHERE c.written_under = ? AND c.strings IN ('', ?) ORDER BY c.publication_id",
        (written_under, strings),
    )


def store_entries(
    conn: sqlite3.Connection, written_under: str, written: Iterable[WrittenEntry]
) -> bool:
    """Keep the entries of records still at the revision they were written from, in
    one short write; False (nothing kept) when another pubdb holds the write lock."""
    rows = (  # in id order: the lookups and the table grow page by page (3x faster)
        (written_under, w.strings, int(w.crossref), w.entry, w.publication_id, w.revision)
        for w in sorted(written, key=attrgetter("publication_id"))
    )
    conn.execute(f"PRAGMA busy_timeout = {STORE_WAIT_MS}")
    try:
        with write_transaction(conn):
            conn.executemany(
                "INSERT INTO bibtex_entries (publication_id, revision, written_under,"
                " strings, crossref, entry) SELECT id, revision, ?, ?, ?, ? FROM publications"
                " WHERE id = ? AND revision = ? ON CONFLICT (publication_id) DO UPDATE SET"
                " revision = excluded.revision, written_under = excluded.written_under,"
                " strings = excluded.strings, crossref = excluded.crossref,"
                " entry = excluded.entry",
                rows,
            )
    except DatabaseError:
        return False
    finally:
        conn.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
    return True


def clear_entries(conn: sqlite3.Connection, pub_ids: Iterable[int] | None = None) -> int:
    """Forget cached entries (these, or all); returns how many."""
    if pub_ids is None:
        return conn.execute("DELETE FROM bibtex_entries").rowcount
    return conn.execute(
        "DELETE FROM bibtex_entries WHERE publication_id IN (SELECT value FROM json_each(?))",
        (str(sorted(set(pub_ids))),),
    ).rowcount
