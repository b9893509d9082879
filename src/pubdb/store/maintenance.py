"""Keeping a database healthy: online backup, consistency checks, repairs."""

from __future__ import annotations

import sqlite3
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path

from ..errors import FileError
from ..files import replaced_atomically
from .connection import write_transaction
from .people import drop_orphan_people, orphan_people
from .schema import SCHEMA_VERSION


@dataclass
class Finding:
    check: str
    ok: bool
    detail: str = ""
    ids: list[int] = field(default_factory=list)

    def __str__(self) -> str:
        status = "ok   " if self.ok else "FAIL "
        return f"{status}{self.check}" + (f": {self.detail}" if self.detail else "")


def backup(conn: sqlite3.Connection, target: str | Path) -> Path:
    """A consistent copy of the live database (SQLite online backup), written beside
    ``target`` and renamed into place."""
    with replaced_atomically(target) as temporary:
        copy = sqlite3.connect(temporary)
        try:
            conn.backup(copy)
            copy.execute("PRAGMA journal_mode = DELETE")
        except sqlite3.Error as exc:  # a full disk: "disk I/O error", "disk is full"
            raise FileError(f"cannot write {target}: {exc}") from None
        finally:
            copy.close()
    return Path(target)


def remove_database(conn: sqlite3.Connection, path: Path) -> bool:
    """Close and delete a database that holds no publication (with its -wal and -shm);
    one that does is left alone. Returns whether it was deleted."""
    try:
        empty = conn.execute("SELECT count(*) FROM publications").fetchone()[0] == 0
    except sqlite3.Error:
        empty = False  # not what pubdb made: not pubdb's to delete
    conn.close()
    if empty:
        for suffix in ("", "-wal", "-shm", "-journal"):
            Path(f"{path}{suffix}").unlink(missing_ok=True)
    return empty


def _integrity(conn: sqlite3.Connection) -> Finding:
    rows = [row[0] for row in conn.execute("PRAGMA integrity_check")]
    return Finding("integrity", rows == ["ok"], "; ".join(rows[:5]) if rows != ["ok"] else "")


PUBLICATION_PARTS = ("authorships", "author_pins", "arxiv_entries")  # have publication_id


def _foreign_keys(conn: sqlite3.Connection) -> Finding:
    rows = conn.execute("PRAGMA foreign_key_check").fetchall()
    detail = ", ".join(_broken_link(conn, *row[:3]) for row in rows[:5])
    if len(rows) > 5:
        detail += f" and {len(rows) - 5} more"
    return Finding("foreign keys", not rows, detail)


def _broken_link(conn: sqlite3.Connection, table: str, rowid: int | None, parent: str) -> str:
    """'authorships row 4 (of smith2020) -> people': which record a broken link is in."""
    text = f"{table} row {rowid} -> {parent}"
    if table in PUBLICATION_PARTS and rowid is not None:
        owner = conn.execute(
            f"SELECT p.citekey FROM {table} t JOIN publications p ON p.id = t.publication_id"
            " WHERE t.rowid = ?",
            (rowid,),
        ).fetchone()
        if owner:
            text = f"{table} row {rowid} (of {owner[0]}) -> {parent}"
    return text


def _schema(conn: sqlite3.Connection) -> Finding:
    version = conn.execute("PRAGMA user_version").fetchone()[0]
    return Finding("schema version", version == SCHEMA_VERSION, f"{version}")


def expected_search_rows(conn: sqlite3.Connection) -> dict[int, tuple[str, ...]]:
    from .search import DOCUMENT_SQL, row_document

    return {row[0]: row_document(row) for row in conn.execute(DOCUMENT_SQL)}


def _search_index(conn: sqlite3.Connection) -> Finding:
    """Every publication indexed with its current text (or queued for indexing)."""
    from .search import indexed_rows

    queued = {row[0] for row in conn.execute("SELECT publication_id FROM search_dirty")}
    indexed = indexed_rows(conn)
    expected = expected_search_rows(conn)
    stale = [
        pub_id
        for pub_id in expected.keys() | indexed.keys()
        if pub_id not in queued and expected.get(pub_id) != indexed.get(pub_id)
    ]
    detail = f"{len(stale)} publications out of date" if stale else f"{len(indexed)} indexed"
    return Finding("search index", not stale, detail, sorted(stale))


def _coauthor_graph(conn: sqlite3.Connection) -> Finding:
    """The co-author pairs and latest affiliations that triggers keep, against a
    recomputation from the authorships."""
    from .graph import drift

    drifts = drift(conn)
    detail = "; ".join(
        f"{d.table}: {d.missing} rows missing or different, {d.extra} extra"
        for d in drifts
        if not d.ok
    )
    if not detail:
        pairs = conn.execute("SELECT count(*) FROM coauthor_edges").fetchone()[0]
        detail = f"{pairs // 2} co-author pairs"
    return Finding("co-author graph", all(d.ok for d in drifts), detail)


def _orphan_people(conn: sqlite3.Connection) -> Finding:
    ids = orphan_people(conn)
    return Finding("orphan people", not ids, f"{len(ids)} without papers" if ids else "", ids)


def _guarded(name: str, probe, conn: sqlite3.Connection) -> Finding:
    """A check that SQLite cannot even run (a damaged file raises "database disk image
    is malformed" from integrity_check itself) is a failed finding, not a crash."""
    try:
        return probe(conn)
    except sqlite3.DatabaseError as exc:
        return Finding(name, False, f"could not be checked: {exc}")


Probe = Callable[[sqlite3.Connection], Finding]


def check(conn: sqlite3.Connection, probes: Mapping[str, Probe] | None = None) -> list[Finding]:
    """All consistency checks, and the named ``probes`` of layers above the store
    (where the integrity check passes); the database is left untouched."""
    findings = [
        _guarded("integrity", _integrity, conn),
        _guarded("foreign keys", _foreign_keys, conn),
        _guarded("schema version", _schema, conn),
    ]
    if findings[0].ok:
        findings += [
            _guarded("search index", _search_index, conn),
            _guarded("co-author graph", _coauthor_graph, conn),
            _guarded("orphan people", _orphan_people, conn),
        ]
        findings += [_guarded(name, probe, conn) for name, probe in (probes or {}).items()]
    return findings


def repair_database(
    conn: sqlite3.Connection, repairs: Iterable[Callable[[sqlite3.Connection], list[str]]] = ()
) -> list[str]:
    """Fix what can be fixed without losing data, in one write: re-index search, drop
    orphan people, rebuild the co-author graph, then the ``repairs`` of layers above
    the store. A file that fails the integrity check is left alone: rewriting a
    damaged file could lose what is still readable."""
    with write_transaction(conn):
        return _repair(conn, repairs)


def _repair(
    conn: sqlite3.Connection, repairs: Iterable[Callable[[sqlite3.Connection], list[str]]]
) -> list[str]:
    done: list[str] = []
    if not _guarded("integrity", _integrity, conn).ok:
        return done
    for repair in repairs:
        done += repair(conn)
    stale = _search_index(conn)
    if not stale.ok:
        conn.execute("INSERT OR IGNORE INTO search_dirty SELECT id FROM publications")
        conn.execute("DELETE FROM publications_fts")
        done.append(f"search index rebuilt ({stale.detail})")
    orphans = _orphan_people(conn)
    if not orphans.ok:
        drop_orphan_people(conn)
        done.append(f"removed {len(orphans.ids)} orphan people")
    graph = _coauthor_graph(conn)
    if not graph.ok:
        from .graph import rebuild

        rebuild(conn)
        done.append(f"co-author graph rebuilt ({graph.detail})")
    return done


@dataclass
class LibraryInfo:
    """Which library a command would use, and what it holds (None when it does not
    exist)."""

    path: Path
    origin: str
    explanation: str
    exists: bool
    schema_version: int | None = None
    publications: int | None = None
    people: int | None = None
    read_only: bool | None = None


def describe_library(path: str | Path | None = None) -> LibraryInfo:
    """What ``Library(path)`` would open, without creating or changing anything."""
    from .connection import connect, is_read_only, schema_version
    from .location import locate
    from .people import count_people
    from .publications import count_publications

    location = locate(path)
    info = LibraryInfo(location.path, location.origin, location.explanation,
                       location.path.exists())  # fmt: skip
    if info.exists:
        conn = connect(location.path, create=False)
        try:
            info.schema_version = schema_version(conn)
            info.publications = count_publications(conn)
            info.people = count_people(conn)
            info.read_only = is_read_only(conn)
        finally:
            conn.close()
    return info
