"""Full-text search: an FTS5 index (``publications_fts``, keyed by publication id) of
each record's title, authors, venue, abstract and year, as search_text tokenizes them."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager

from ..models import Publication
from .search_query import SearchQuery, term_expression
from .search_text import index_text
from .sql import in_chunks

INDEXED = ("title", "authors", "venue", "abstract", "year")
WEIGHTS = (10.0, 5.0, 3.0, 1.0, 0.0)  # bm25 weight of each indexed column
# A publication's authors in order, as one text (publication p).
AUTHORS_SQL = (
    "(SELECT group_concat(name, ' ; ') FROM"
    " (SELECT name FROM authorships a WHERE a.publication_id = p.id ORDER BY a.position))"
)
DOCUMENT_SQL = (
    f"SELECT p.id, p.title, {AUTHORS_SQL}, p.venue, p.journal, p.booktitle, p.abstract,"
    " p.year FROM publications p"
)
Document = tuple[str, str, str, str, str]


def document(
    title: str | None,
    authors: str | None,
    venues: tuple[str | None, ...],
    abstract: str | None,
    year: int | None = None,
) -> Document:
    """The indexed columns of one record (title, authors, venue, abstract, year)."""
    venue = " ".join(dict.fromkeys(v for v in venues if v))
    return (
        index_text(title),
        index_text(authors),
        index_text(venue),
        index_text(abstract),
        str(year) if year else "",
    )


def publication_document(p: Publication) -> Document:
    authors = " ; ".join(a.name for a in p.authors) if p.authors else None
    return document(p.title, authors, (p.venue, p.journal, p.booktitle), p.abstract, p.year)


def row_document(row: sqlite3.Row | tuple) -> Document:
    """The document of a row of DOCUMENT_SQL (after its id)."""
    return document(row[1], row[2], (row[3], row[4], row[5]), row[6], row[7])


def flush(conn: sqlite3.Connection) -> int:
    """Re-index the publications queued by the triggers; returns how many."""
    ids = [row[0] for row in conn.execute("SELECT publication_id FROM search_dirty")]
    for chunk, marks in in_chunks(ids):
        conn.execute(f"DELETE FROM publications_fts WHERE rowid IN ({marks})", chunk)
        rows = conn.execute(f"{DOCUMENT_SQL} WHERE p.id IN ({marks})", chunk).fetchall()
        _insert_documents(conn, [(row[0], row_document(row)) for row in rows])
    if ids:
        conn.execute("DELETE FROM search_dirty")
    return len(ids)


def index_new(
    conn: sqlite3.Connection, documents: list[tuple[int, Document]], *, queued: bool = True
) -> None:
    """Index just-inserted publications whose documents are already computed, and take
    them off the queue the insert trigger put them on (``queued``; not under
    inserts_indexed_by_caller)."""
    _insert_documents(conn, documents)
    if queued:
        for chunk, marks in in_chunks([pub_id for pub_id, _ in documents]):
            conn.execute(f"DELETE FROM search_dirty WHERE publication_id IN ({marks})", chunk)


INSERT_TRIGGER = "publications_search_insert"


@contextmanager
def inserts_indexed_by_caller(conn: sqlite3.Connection) -> Iterator[None]:
    """Inside a write transaction: publications inserted in the block are not queued
    for the index (the caller indexes every one with index_new(queued=False)). The
    insert trigger is dropped and made again from its own text however the block ends
    (unless a rollback restored it already). A bulk import's inserts took half again as
    long with the trigger (tugboat.bib's 4,839 rows: 0.084-0.112 s with it, 0.045-0.050
    s without)."""
    row = conn.execute(
        "SELECT sql FROM sqlite_master WHERE type = 'trigger' AND name = ?", (INSERT_TRIGGER,)
    ).fetchone()
    if row is None or not conn.in_transaction:
        raise RuntimeError(f"{INSERT_TRIGGER} can be set aside only in a write transaction")
    conn.execute(f"DROP TRIGGER {INSERT_TRIGGER}")
    try:
        yield
    finally:  # after a rollback the trigger is back already
        if not _has_trigger(conn, INSERT_TRIGGER):
            conn.execute(row[0])


def _has_trigger(conn: sqlite3.Connection, name: str) -> bool:
    found = "SELECT 1 FROM sqlite_master WHERE type = 'trigger' AND name = ?"
    return conn.execute(found, (name,)).fetchone() is not None


def _insert_documents(conn: sqlite3.Connection, documents: list[tuple[int, Document]]) -> None:
    columns, marks = ", ".join(INDEXED), ", ".join("?" for _ in INDEXED)
    conn.executemany(
        f"INSERT INTO publications_fts (rowid, {columns}) VALUES (?, {marks})",
        [(pub_id, *document) for pub_id, document in documents],
    )


def indexed_rows(conn: sqlite3.Connection) -> dict[int, Document]:
    columns = ", ".join(INDEXED)
    return {
        row[0]: tuple(value or "" for value in row[1:])
        for row in conn.execute(f"SELECT rowid, {columns} FROM publications_fts")
    }


def search_ids(conn: sqlite3.Connection, query: SearchQuery, limit: int | None = None) -> list[int]:
    """Ids of the publications a parsed query finds: records whose title holds more of
    the words first, then by bm25 (title, authors, venue, abstract weighed 10, 5, 3, 1),
    then newest first."""
    where, params = _filters(query)
    match = query.match()
    if match is None:
        sql = f"SELECT p.id FROM publications p WHERE {where} ORDER BY p.year DESC, p.id DESC"
    else:
        probes = query.title_probes()
        title_hits = " + ".join(
            "(p.id IN (SELECT rowid FROM publications_fts WHERE publications_fts MATCH ?))"
            for _ in probes
        )
        sql = (
            "SELECT p.id FROM publications_fts JOIN publications p ON p.id = publications_fts.rowid"
            f" WHERE publications_fts MATCH ? AND {where} ORDER BY"
            + (f" {title_hits} DESC," if probes else "")
            + f" bm25(publications_fts, {', '.join(map(str, WEIGHTS))}), p.year DESC, p.id DESC"
        )
        params = [match, *params, *probes]
    if limit is not None:
        sql += " LIMIT ?"
        params.append(limit)
    return [row[0] for row in conn.execute(sql, params)]


def _filters(query: SearchQuery) -> tuple[str, list]:
    """The SQL conditions for years, keys and excluded words (ANDed)."""
    conditions: list[str] = []
    params: list = []
    for negated in (False, True):
        years = [y for y in query.years if y.negated == negated]
        keys = [k for k in query.keys if k.negated == negated]
        alternatives: list[str] = []
        for year in years:
            bounds = []
            if year.first is not None:
                bounds.append("p.year >= ?")
                params.append(year.first)
            if year.last is not None:
                bounds.append("p.year <= ?")
                params.append(year.last)
            alternatives.append("(" + " AND ".join(bounds) + ")")
        for key in keys:
            alternatives.append("p.citekey LIKE ? ESCAPE '\\'")
            params.append(_like_prefix(key.prefix))
        if alternatives:
            either = " OR ".join(alternatives)
            conditions.append(f"NOT coalesce({either}, 0)" if negated else f"({either})")
    for term in query.author_terms:
        written = "p.id IN (SELECT rowid FROM publications_fts WHERE publications_fts MATCH ?)"
        params.append(term_expression(term))
        people = query.people.get(term.text, ())
        if people:
            marks = ", ".join("?" for _ in people)
            written += (
                f" OR p.id IN (SELECT publication_id FROM authorships WHERE person_id IN ({marks}))"
            )
            params += people
        conditions.append(f"NOT ({written})" if term.negated else f"({written})")
    excluded = query.excluded()
    if excluded is not None:
        conditions.append(
            "p.id NOT IN (SELECT rowid FROM publications_fts WHERE publications_fts MATCH ?)"
        )
        params.append(excluded)
    return " AND ".join(conditions) or "1", params


def _like_prefix(text: str) -> str:
    escaped = text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return escaped + "%"
