"""The SQLite connection: pragmas, one write transaction per command, schema migrations.

Reads and writes go through plain ``sqlite3`` (parameterised SQL); ``sqlite_utils``
(slow to import) is loaded only when the schema has to be created or migrated.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from .errors import DatabaseError
from .schema import SCHEMA_VERSION

BUSY_TIMEOUT_MS = 60_000
MIGRATION_SET = "pubdb"


def connect(path: str | Path) -> sqlite3.Connection:
    """Open (creating if needed) a pubdb database, migrated to the current schema."""
    path = Path(path)
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        conn = sqlite3.connect(path, timeout=BUSY_TIMEOUT_MS / 1000, isolation_level=None)
    except (OSError, sqlite3.Error) as exc:
        raise DatabaseError(f"cannot open database {path}: {exc}") from exc
    conn.row_factory = sqlite3.Row
    try:
        _configure(conn)
        migrate(conn)
        conn.execute("PRAGMA foreign_keys = ON")
    except sqlite3.DatabaseError as exc:
        conn.close()
        raise DatabaseError(f"cannot use database {path}: {describe(exc)}") from exc
    except BaseException:
        conn.close()
        raise
    return conn


def _configure(conn: sqlite3.Connection) -> None:
    conn.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
    if conn.execute("PRAGMA journal_mode").fetchone()[0] != "wal":
        conn.execute("PRAGMA journal_mode = WAL")
    conn.execute("PRAGMA synchronous = NORMAL")


def describe(exc: sqlite3.Error) -> str:
    text = str(exc)
    if "locked" in text or "busy" in text:
        return f"{text} (another pubdb is writing; try again)"
    return text


@contextmanager
def write_transaction(conn: sqlite3.Connection) -> Iterator[sqlite3.Connection]:
    """One atomic write: BEGIN IMMEDIATE takes the write lock up front, so concurrent
    writers queue on the busy timeout instead of failing on a lock upgrade."""
    try:
        conn.execute("BEGIN IMMEDIATE")
    except sqlite3.OperationalError as exc:
        raise DatabaseError(f"database unavailable: {describe(exc)}") from exc
    try:
        yield conn
        _flush_search_index(conn)
    except BaseException:
        conn.execute("ROLLBACK")
        raise
    try:
        conn.execute("COMMIT")
    except sqlite3.Error as exc:
        if conn.in_transaction:
            conn.execute("ROLLBACK")
        raise DatabaseError(f"could not save changes: {describe(exc)}") from exc


def _flush_search_index(conn: sqlite3.Connection) -> None:
    if schema_version(conn) == SCHEMA_VERSION:
        from . import search

        search.flush(conn)


def schema_version(conn: sqlite3.Connection) -> int:
    return conn.execute("PRAGMA user_version").fetchone()[0]


def migrate(conn: sqlite3.Connection) -> None:
    """Apply pending migrations, all in one transaction; refuse a newer schema."""
    current = schema_version(conn)
    if current == SCHEMA_VERSION:
        return
    if current > SCHEMA_VERSION:
        raise DatabaseError(
            f"database schema version {current} is newer than this pubdb understands "
            f"({SCHEMA_VERSION}); upgrade pubdb to open it"
        )
    with write_transaction(conn):
        _apply_migrations(conn)


def _apply_migrations(conn: sqlite3.Connection) -> None:
    import sqlite_utils

    from .migrations import migrations

    db = sqlite_utils.Database(conn)
    known = {m.name for m in migrations._migrations}
    unknown = [m.name for m in migrations.applied(db) if m.name not in known]
    if unknown:
        raise DatabaseError(
            f"database has migrations this pubdb does not know ({', '.join(unknown)}); "
            "upgrade pubdb to open it"
        )
    migrations.apply(db)
    conn.execute(f"PRAGMA user_version = {SCHEMA_VERSION}")
