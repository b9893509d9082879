"""The SQLite connection: pragmas, one write transaction per command, schema migrations.

Reads and writes go through plain ``sqlite3`` (parameterised SQL); ``sqlite_utils``
(slow to import) is loaded only when the schema has to be created or migrated.
"""

from __future__ import annotations

import os
import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from ..errors import DatabaseError, UsageError
from .schema import MIGRATION_NAMES, SCHEMA_VERSION

BUSY_TIMEOUT_MS = 60_000
MIGRATION_SET = "pubdb"

# sqlite3 binds None as NULL after looking for an adapter for it (a key tuple, a dict
# miss, two attribute lookups: ~3k instructions a parameter). Registered, the look-up
# hits at once and the adapter ({}.get: None for any key, in C) gives None back, bound
# as NULL as before. A new record has ~25 None columns: 50k rows of 7 None each went
# from 0.12-0.17 s to 0.06 s of executemany.
sqlite3.register_adapter(type(None), {}.get)


def connect(
    path: str | Path, *, create: bool = True, make_folder: bool = False
) -> sqlite3.Connection:
    """Open a pubdb database, migrated to the current schema. A missing file is
    created only with ``create``, in an existing folder (``make_folder``: the folder
    too, for the per-user default). One that cannot be written is opened read-only,
    writing nothing (see connect_read_only)."""
    path = Path(path)
    created = not path.exists()
    if created:
        _may_create(path, create, make_folder)
    elif not _writable(path):
        return connect_read_only(path)
    conn = _open(str(path), path)
    try:
        _refuse_unknown(conn)  # before anything that writes (journal_mode = WAL)
        try:
            _configure(conn)
        except sqlite3.OperationalError as exc:
            if not _read_only_failure(exc):
                raise
            conn.close()  # a read-only file system that access() did not report
            return connect_read_only(path)
        migrate(conn)
        conn.execute("PRAGMA foreign_keys = ON")
    except sqlite3.DatabaseError as exc:
        _give_up(conn, path, created)
        raise DatabaseError(f"cannot use database {path}: {describe(exc)}") from exc
    except BaseException:
        _give_up(conn, path, created)
        raise
    return conn


def _give_up(conn: sqlite3.Connection, path: Path, created: bool) -> None:
    """Close; a file this call created (a full disk stopped its schema) goes again."""
    conn.close()
    if created:
        for suffix in ("", "-wal", "-shm", "-journal"):
            Path(f"{path}{suffix}").unlink(missing_ok=True)


def _open(target: str, path: Path, *, uri: bool = False) -> sqlite3.Connection:
    try:
        conn = sqlite3.connect(
            target, timeout=BUSY_TIMEOUT_MS / 1000, isolation_level=None, uri=uri
        )
    except (OSError, sqlite3.Error) as exc:
        raise DatabaseError(f"cannot open database {path}: {exc}") from exc
    conn.row_factory = sqlite3.Row
    conn.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
    return conn


def _writable(path: Path) -> bool:
    """The file and its folder (where SQLite keeps its -wal and -shm) can be written.
    access() also reports a read-only file system (EROFS), to root too."""
    real = Path(os.path.realpath(path))
    return os.access(real, os.W_OK) and os.access(real.parent, os.W_OK)


def _read_only_failure(exc: sqlite3.Error) -> bool:
    name = getattr(exc, "sqlite_errorname", "") or ""
    return name.startswith(("SQLITE_READONLY", "SQLITE_CANTOPEN"))


def connect_read_only(path: Path) -> sqlite3.Connection:
    """Open a library that cannot be written, for reading, writing nothing: no switch
    to WAL, no migration (an older schema is refused in one line). A WAL database in a
    folder where SQLite cannot make its -shm file is read as an immutable file, which
    is exact when no -wal file holds changes (then it is refused: they would be
    missed). The connection is query_only, so any write fails as read-only."""
    uri = Path(os.path.realpath(path)).as_uri() + "?mode=ro"
    conn = _open(uri, path, uri=True)
    try:
        try:
            conn.execute("SELECT count(*) FROM sqlite_master").fetchone()
        except sqlite3.OperationalError as exc:
            if not _read_only_failure(exc):
                raise
            conn.close()
            _refuse_unsaved_changes(path)
            conn = _open(uri + "&immutable=1", path, uri=True)
        conn.execute("PRAGMA query_only = 1")
        _refuse_unknown(conn)
        version = schema_version(conn)
        if version < SCHEMA_VERSION:
            raise DatabaseError(
                f"{path} is from an older pubdb (schema version {version}, now"
                f" {SCHEMA_VERSION}) and is read-only; open it once where it can be written"
                " to upgrade it"
            )
        conn.execute("PRAGMA foreign_keys = ON")
    except sqlite3.DatabaseError as exc:
        conn.close()
        raise DatabaseError(f"cannot use database {path}: {describe(exc)}") from exc
    except BaseException:
        conn.close()
        raise
    return conn


def _refuse_unsaved_changes(path: Path) -> None:
    wal = Path(f"{path}-wal")
    if wal.exists() and wal.stat().st_size > 0:
        raise DatabaseError(
            f"cannot read {path}: its folder is read-only and {wal} holds changes not yet"
            " in it; open it once where it can be written"
        )


def is_read_only(conn: sqlite3.Connection) -> bool:
    return bool(conn.execute("PRAGMA query_only").fetchone()[0])


def read_only_error(path: str | Path) -> DatabaseError:
    return DatabaseError(
        f"{path} is read-only; this command changes the library (reading commands work)"
    )


def _may_create(path: Path, create: bool, make_folder: bool) -> None:
    """Refuse to create a library where none was asked for, or in a folder that does
    not exist (through a dangling symlink too): a typo must not leave a new empty
    library, or a tree of folders, behind."""
    from .location import NO_LIBRARY_HINT

    if not create:
        raise DatabaseError(f"no library at {path} {NO_LIBRARY_HINT}")
    folder = Path(os.path.realpath(path)).parent
    if make_folder:
        try:
            folder.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise DatabaseError(f"cannot create {folder}: {exc.strerror}") from None
    if not folder.is_dir():
        what = "is not a directory" if folder.exists() else "does not exist"
        raise UsageError(f"cannot create a library at {path}: folder {folder} {what}")


def _refuse_unknown(conn: sqlite3.Connection) -> None:
    """Refuse a newer schema, or migrations this pubdb does not know, writing nothing."""
    current = schema_version(conn)
    if current > SCHEMA_VERSION:
        raise DatabaseError(
            f"database schema version {current} is newer than this pubdb understands "
            f"({SCHEMA_VERSION}); upgrade pubdb to open it"
        )
    has_table = conn.execute(
        "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = '_sqlite_migrations'"
    ).fetchone()
    if not has_table:
        return
    applied = conn.execute(
        "SELECT name FROM _sqlite_migrations WHERE migration_set = ? ORDER BY rowid",
        (MIGRATION_SET,),
    )
    unknown = [row[0] for row in applied if row[0] not in MIGRATION_NAMES]
    if unknown:
        raise DatabaseError(
            f"database has migrations this pubdb does not know ({', '.join(unknown)}); "
            "upgrade pubdb to open it"
        )


def _configure(conn: sqlite3.Connection) -> None:
    conn.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
    if conn.execute("PRAGMA journal_mode").fetchone()[0] != "wal":
        conn.execute("PRAGMA journal_mode = WAL")
    conn.execute("PRAGMA synchronous = NORMAL")


def use_import_cache(conn: sqlite3.Connection) -> None:
    """A page cache of 64 MB for a bulk write (SQLite's own is 2 MB), so a large import's
    index pages stay in memory until commit instead of being spilled and read back
    (20k entries: 6.5 s -> 4.5 s CPU). Only imports: a streamed export reads each page
    once, and the cache would only add to its memory (100k Markdown: 30 -> 144 MB)."""
    configured = os.environ.get("PUBDB_SQLITE_CACHE_MB", "")
    megabytes = max(1, int(configured)) if configured.isdigit() else 64
    conn.execute(f"PRAGMA cache_size = -{megabytes * 1024}")


def describe(exc: sqlite3.Error) -> str:
    text = str(exc)
    if "locked" in text or "busy" in text:
        return f"{text} (another pubdb is writing; try again)"
    return text


class Transaction:
    """A write in progress; ``discard()`` rolls it back at the end instead of committing
    (dry runs, --strict), while the caller keeps what it computed."""

    def __init__(self) -> None:
        self.discarded = False

    def discard(self) -> None:
        self.discarded = True


@contextmanager
def write_transaction(conn: sqlite3.Connection) -> Iterator[Transaction]:
    """One atomic write: BEGIN IMMEDIATE takes the write lock up front, so concurrent
    writers queue on the busy timeout instead of failing on a lock upgrade."""
    if is_read_only(conn):
        raise read_only_error(conn.execute("PRAGMA database_list").fetchone()[2])
    try:
        conn.execute("BEGIN IMMEDIATE")
    except sqlite3.OperationalError as exc:
        raise DatabaseError(f"database unavailable: {describe(exc)}") from exc
    transaction = Transaction()
    try:
        yield transaction
        if transaction.discarded:
            conn.execute("ROLLBACK")
            return
        _flush_search_index(conn)
    except sqlite3.OperationalError as exc:
        _roll_back(conn)
        if _disk_failure(exc):
            raise DatabaseError(f"could not save changes: {describe(exc)}") from exc
        raise
    except BaseException:
        _roll_back(conn)
        raise
    try:
        conn.execute("COMMIT")
    except sqlite3.Error as exc:
        _roll_back(conn)
        raise DatabaseError(f"could not save changes: {describe(exc)}") from exc


@contextmanager
def one_snapshot(conn: sqlite3.Connection) -> Iterator[bool]:
    """Reads that see one state of the library (a read transaction), unless one is
    already open; yields whether this one opened it."""
    if conn.in_transaction:
        yield False
        return
    conn.execute("BEGIN")
    try:
        yield True
    finally:
        if conn.in_transaction:
            conn.execute("COMMIT")


def _roll_back(conn: sqlite3.Connection) -> None:
    """Roll back what is still open (after an I/O error SQLite may have done it)."""
    if conn.in_transaction:
        conn.execute("ROLLBACK")


def _disk_failure(exc: sqlite3.Error) -> bool:
    """A full disk or a failed write: the user's to fix, not a bug."""
    name = getattr(exc, "sqlite_errorname", "") or ""
    return name.startswith(("SQLITE_FULL", "SQLITE_IOERR"))


def _flush_search_index(conn: sqlite3.Connection) -> None:
    if schema_version(conn) == SCHEMA_VERSION:
        from . import search

        search.flush(conn)


def data_version(conn: sqlite3.Connection) -> int:
    """A number that changes when another connection (another pubdb) commits a change
    to the library (SQLite's ``PRAGMA data_version``)."""
    return conn.execute("PRAGMA data_version").fetchone()[0]


def schema_version(conn: sqlite3.Connection) -> int:
    return conn.execute("PRAGMA user_version").fetchone()[0]


def migrate(conn: sqlite3.Connection) -> None:
    """Apply pending migrations, all in one transaction (after _refuse_unknown)."""
    if schema_version(conn) >= SCHEMA_VERSION:
        return
    with write_transaction(conn):
        _apply_migrations(conn)


def _apply_migrations(conn: sqlite3.Connection) -> None:
    if _create_latest(conn):
        return
    import sqlite_utils

    from .migrations import migrations

    migrations.apply(sqlite_utils.Database(conn))  # unknown names refused in connect()
    conn.execute(f"PRAGMA user_version = {SCHEMA_VERSION}")


def _create_latest(conn: sqlite3.Connection) -> bool:
    """A new (empty) database gets the current schema from one script, recorded as every
    migration applied; False where the steps must run (an older database, or a script
    not regenerated after a step was added). Tugboat's whole import: 0.13 s less."""
    import datetime

    from .latest_schema import MIGRATIONS, STATEMENTS

    if MIGRATIONS != MIGRATION_NAMES or conn.execute("SELECT 1 FROM sqlite_master").fetchone():
        return False
    for statement in STATEMENTS:
        conn.execute(statement)
    applied_at = str(datetime.datetime.now(datetime.UTC))  # as sqlite_utils records it
    conn.executemany(
        "INSERT INTO _sqlite_migrations (migration_set, name, applied_at) VALUES (?, ?, ?)",
        [(MIGRATION_SET, name, applied_at) for name in MIGRATIONS],
    )
    conn.execute(f"PRAGMA user_version = {SCHEMA_VERSION}")
    return True


def get_meta(conn: sqlite3.Connection, key: str) -> str | None:
    row = conn.execute("SELECT value FROM meta WHERE key = ?", (key,)).fetchone()
    return row[0] if row else None


def set_meta(conn: sqlite3.Connection, key: str, value: str) -> None:
    conn.execute(
        "INSERT INTO meta (key, value) VALUES (?, ?)"
        " ON CONFLICT(key) DO UPDATE SET value = excluded.value",
        (key, value),
    )
