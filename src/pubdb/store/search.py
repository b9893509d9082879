"""Full-text search: an FTS5 index of folded title, authors, venue and abstract."""

from __future__ import annotations

import sqlite3

from ..models import Publication
from ..normalize import fold_key
from .sql import in_chunks

WEIGHTS = (10.0, 5.0, 3.0, 1.0)  # title, authors, venue, abstract
# A publication's authors in order, as one text (publication p).
AUTHORS_SQL = (
    "(SELECT group_concat(name, ' ; ') FROM"
    " (SELECT name FROM authorships a WHERE a.publication_id = p.id ORDER BY a.position))"
)


def _folded(text: str | None) -> str:
    if not text:
        return ""
    return text.lower() if text.isascii() else fold_key(text)


def document(
    title: str | None,
    authors: str | None,
    venues: tuple[str | None, ...],
    abstract: str | None,
) -> tuple[str, str, str, str]:
    """The folded columns (title, authors, venue, abstract) indexed for one record."""
    venue = " ".join(dict.fromkeys(v for v in venues if v))
    return _folded(title), _folded(authors), _folded(venue), _folded(abstract)


def publication_document(p: Publication) -> tuple[str, str, str, str]:
    authors = " ; ".join(a.name for a in p.authors) if p.authors else None
    return document(p.title, authors, (p.venue, p.journal, p.booktitle), p.abstract)


def flush(conn: sqlite3.Connection) -> int:
    """Re-index the publications queued by the triggers; returns how many."""
    ids = [row[0] for row in conn.execute("SELECT publication_id FROM search_dirty")]
    for chunk, marks in in_chunks(ids):
        conn.execute(f"DELETE FROM publications_fts WHERE rowid IN ({marks})", chunk)
        rows = conn.execute(
            "SELECT p.id, p.title, p.venue, p.journal, p.booktitle, p.abstract,"
            f" {AUTHORS_SQL} FROM publications p WHERE p.id IN ({marks})",
            chunk,
        ).fetchall()
        _insert_documents(
            conn, [(row[0], document(row[1], row[6], row[2:5], row[5])) for row in rows]
        )
    if ids:
        conn.execute("DELETE FROM search_dirty")
    return len(ids)


def index_new(conn: sqlite3.Connection, documents: list[tuple[int, tuple]]) -> None:
    """Index just-inserted publications whose documents are already computed, and take
    them off the queue the insert trigger put them on."""
    _insert_documents(conn, documents)
    for chunk, marks in in_chunks([pub_id for pub_id, _ in documents]):
        conn.execute(f"DELETE FROM search_dirty WHERE publication_id IN ({marks})", chunk)


def _insert_documents(conn: sqlite3.Connection, documents: list[tuple[int, tuple]]) -> None:
    conn.executemany(
        "INSERT INTO publications_fts (rowid, title, authors, venue, abstract)"
        " VALUES (?, ?, ?, ?, ?)",
        [(pub_id, *columns) for pub_id, columns in documents],
    )


def match_expression(query: str) -> str | None:
    """User words as an FTS5 query: every word must appear (as a prefix); no FTS syntax
    from the user reaches SQLite."""
    words = fold_key(query).split()
    return " ".join(f'"{word}"*' for word in words) or None


def search_ids(conn: sqlite3.Connection, query: str, limit: int | None = None) -> list[int]:
    expression = match_expression(query)
    if expression is None:
        return []
    sql = (
        "SELECT rowid FROM publications_fts WHERE publications_fts MATCH ?"
        f" ORDER BY bm25(publications_fts, {', '.join(map(str, WEIGHTS))})"
    )
    params: list = [expression]
    if limit is not None:
        sql += " LIMIT ?"
        params.append(limit)
    return [row[0] for row in conn.execute(sql, params)]
