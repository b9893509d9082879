"""Reading and writing publication rows: every statement parameterised, no policy here."""

from __future__ import annotations

import json
import json.scanner
import operator
import re
import sqlite3
from collections.abc import Iterable, Iterator, Sequence
from typing import Any

from ..models import COLUMNS, JSON_COLUMNS, Author, Publication
from . import graph
from .sql import in_chunks, now, tuple_cursor

AUTHOR_BATCH = 500


_JSON = json.JSONEncoder(ensure_ascii=False).encode  # json.dumps builds one a call
_SCAN = json.scanner.make_scanner(json.JSONDecoder())


def _from_json(text: str) -> Any:
    """json.loads without its Python layers (~3x faster on the short texts of a row);
    a text that is more than one bare value (spaces around it) goes json.loads's way."""
    try:
        value, end = _SCAN(text, 0)
    except StopIteration:
        return json.loads(text)
    return value if end == len(text) else json.loads(text)


def _to_db(column: str, value: Any) -> Any:
    if column in JSON_COLUMNS:
        if not value:
            return "[]" if isinstance(value, list) else "{}"
        return _JSON(value)
    return value


_SELECT = "SELECT " + ", ".join(("id", *COLUMNS)) + " FROM publications"
# For lists: the long texts no list shows (abstract, TeX sources, extra fields) left out.
_LIGHT = {
    "abstract": "NULL",
    "latex": "'{}'",
    "expressions": "'{}'",
    "fields": "'{}'",
    "arxiv_comment": "NULL",
}
_SELECT_LIGHT = (
    "SELECT id, "
    + ", ".join(f"{_LIGHT[c]} AS {c}" if c in _LIGHT else c for c in COLUMNS)
    + " FROM publications"
)


# For CV lists: the light row, plus the note's TeX source (emphasis) and the extra
# fields a list shows (links people add, the selected flag).
LIST_FIELDS = ("code", "slides", "video", "poster", "project", "pdf", "selected")
_LIST_OVERRIDES = {
    **_LIGHT,
    "latex": "CASE WHEN json_extract(latex, '$.note') IS NULL THEN '{}'"
    " ELSE json_object('note', json_extract(latex, '$.note')) END",
    "fields": "CASE WHEN fields = '{}' THEN '{}' ELSE (SELECT json_group_object(key, value)"
    " FROM json_each(fields) WHERE key IN ("
    + ", ".join(f"'{name}'" for name in LIST_FIELDS)
    + ")) END",
}
_SELECT_LIST = (
    "SELECT id, "
    + ", ".join(f"{_LIST_OVERRIDES[c]} AS {c}" if c in _LIST_OVERRIDES else c for c in COLUMNS)
    + " FROM publications"
)
_SELECTED = "lower(json_extract(fields, '$.selected')) IN ('true', 'yes', '1')"
_UNPLACED = (
    "(status IN ('submitted', 'preprint') AND trim(coalesce(nullif(venue, ''),"
    " nullif(journal, ''), nullif(booktitle, ''), '')) = '')"
)


def _from_row(row: Sequence[Any]) -> Publication:
    """A Publication from a row of ``_SELECT`` (id, then COLUMNS in order)."""
    values = dict(zip(COLUMNS, row[1:], strict=True))
    for column in JSON_COLUMNS:
        value = values[column]
        if value in ("{}", "[]"):  # most rows: skip the JSON parser
            values[column] = {} if value == "{}" else []
        elif value:
            values[column] = _from_json(value)
    values["arxiv_categories"] = values["arxiv_categories"] or []
    values["id"], values["authors"] = row[0], []
    publication = object.__new__(Publication)  # every field is set: skip __init__ (hot)
    publication.__dict__.update(values)
    return publication


def insert_publication(conn: sqlite3.Connection, publication: Publication) -> int:
    insert_publications(conn, [publication])
    return publication.id


def insert_publications(conn: sqlite3.Connection, publications: Sequence[Publication]) -> None:
    """Insert many rows in one statement; rows without an id get the next free ones,
    all of them a fresh revision (one number for the batch: the ids differ)."""
    stamp = now()
    revision = fresh_revision(conn)
    next_id = conn.execute("SELECT coalesce(max(id), 0) + 1 FROM publications").fetchone()[0]
    for publication in publications:
        if publication.id is None:
            publication.id, next_id = next_id, next_id + 1
        publication.created_at = publication.created_at or stamp
        publication.updated_at = stamp
    columns = ", ".join(("id", *COLUMNS, "revision"))
    marks = ", ".join("?" * (len(COLUMNS) + 2))
    conn.executemany(
        f"INSERT INTO publications ({columns}) VALUES ({marks})",
        ([*_row(publication), revision] for publication in publications),
    )


def fresh_revision(conn: sqlite3.Connection) -> int:
    """The library's next revision number (migration m011): a record takes one on
    every change to what its BibTeX entry reads."""
    return conn.execute(
        "UPDATE publication_revisions SET last = last + 1 RETURNING last"
    ).fetchone()[0]


def bump_revisions(conn: sqlite3.Connection, pub_ids: Iterable[int]) -> None:
    """Give these records one fresh revision (in one statement)."""
    conn.execute(
        "UPDATE publications SET revision = ? WHERE id IN (SELECT value FROM json_each(?))",
        (fresh_revision(conn), _JSON(sorted(set(pub_ids)))),
    )


_ROW_VALUES = operator.attrgetter("id", *COLUMNS)
_ROW_JSON = tuple(
    position for position, column in enumerate(("id", *COLUMNS)) if column in JSON_COLUMNS
)


def _row(publication: Publication) -> list[Any]:
    """id and COLUMNS, in that order, as stored."""
    row = list(_ROW_VALUES(publication))
    for position in _ROW_JSON:
        value = row[position]
        if value:
            row[position] = _JSON(value)
        else:
            row[position] = "[]" if isinstance(value, list) else "{}"
    return row


def next_publication_id(conn: sqlite3.Connection) -> int:
    return conn.execute("SELECT coalesce(max(id), 0) + 1 FROM publications").fetchone()[0]


def update_publication(conn: sqlite3.Connection, pub_id: int, changes: dict[str, Any]) -> None:
    if not changes:
        return
    unknown = set(changes) - set(COLUMNS)
    if unknown:
        raise ValueError(f"unknown columns: {sorted(unknown)}")
    changes = {**changes, "updated_at": now()}
    assignments = ", ".join(f"{column} = ?" for column in changes)
    values = [_to_db(c, v) for c, v in changes.items()]
    conn.execute(f"UPDATE publications SET {assignments} WHERE id = ?", [*values, pub_id])


def delete_publication(conn: sqlite3.Connection, pub_id: int) -> None:
    conn.execute("DELETE FROM publications WHERE id = ?", (pub_id,))


def find_id(conn: sqlite3.Connection, column: str, value: str) -> int | None:
    if column not in ("citekey", "arxiv_id", "doi"):
        raise ValueError(column)
    row = conn.execute(f"SELECT id FROM publications WHERE {column} = ?", (value,)).fetchone()
    return row[0] if row else None


def find_by_former_key(conn: sqlite3.Connection, key: str) -> int | None:
    """The record that lists ``key`` among its other keys (the ``ids`` field a merge
    fills: a document citing the absorbed record's key still finds the paper)."""
    rows = conn.execute(
        "SELECT id, json_extract(fields, '$.ids') FROM publications"
        " WHERE instr(json_extract(fields, '$.ids'), ?) > 0",
        (key,),
    )
    for pub_id, ids in rows:
        if key in (part.strip() for part in str(ids).split(",")):
            return pub_id
    return None


def key_exists(conn: sqlite3.Connection, citekey: str) -> bool:
    return find_id(conn, "citekey", citekey) is not None


def all_citekeys(conn: sqlite3.Connection) -> set[str]:
    return {row[0] for row in conn.execute("SELECT citekey FROM publications")}


def get_publication(conn: sqlite3.Connection, pub_id: int) -> Publication | None:
    row = tuple_cursor(conn).execute(f"{_SELECT} WHERE id = ?", (pub_id,)).fetchone()
    if row is None:
        return None
    publication = _from_row(row)
    publication.authors = load_authors(conn, [pub_id]).get(pub_id, [])
    return publication


def load_authors(conn: sqlite3.Connection, pub_ids: Sequence[int]) -> dict[int, list[Author]]:
    authors: dict[int, list[Author]] = {}
    for chunk, marks in in_chunks(pub_ids, AUTHOR_BATCH):
        rows = tuple_cursor(conn).execute(
            "SELECT publication_id, name, given, family, person_id, affiliation,"
            " equal_contribution, affiliation_source FROM authorships"
            f" WHERE publication_id IN ({marks}) ORDER BY publication_id, position",
            chunk,
        )
        for row in rows:
            authors.setdefault(row[0], []).append(
                Author(row[1], row[2], row[3], row[4], row[5], bool(row[6]), row[7])
            )
    return authors


_ORDER_BY = re.compile(r"[a-z_]+( (ASC|DESC))?(, [a-z_]+( (ASC|DESC))?)*", re.IGNORECASE)


def iter_publications(
    conn: sqlite3.Connection,
    *,
    person_id: int | None = None,
    with_arxiv_id: bool = False,
    order_by: str = "year DESC, month DESC, id DESC",
    limit: int | None = None,
    light: bool = False,
) -> Iterator[Publication]:
    """Publications with their authors, streamed in chunks (memory stays flat): all, or
    those of one person, or those with an arXiv id. ``order_by`` names columns only;
    ``light`` leaves out abstract, TeX sources, fields and comment."""
    if not _ORDER_BY.fullmatch(order_by):
        raise ValueError(f"order_by must be columns with ASC/DESC, not {order_by!r}")
    conditions, params = [], []
    if person_id is not None:
        conditions.append("id IN (SELECT publication_id FROM authorships WHERE person_id = ?)")
        params.append(person_id)
    if with_arxiv_id:
        conditions.append("arxiv_id IS NOT NULL")
    where = " WHERE " + " AND ".join(conditions) if conditions else ""
    select = _authors_added(_SELECT_LIGHT if light else _SELECT)
    sql = f"{select}{where} ORDER BY {order_by}"
    if limit is not None:
        sql += f" LIMIT {int(limit)}"
    yield from _with_authors(conn, tuple_cursor(conn).execute(sql, params))


def iter_for_list(
    conn: sqlite3.Connection,
    *,
    person_id: int | None = None,
    selected: bool = False,
    kind_ranks: dict[str, int] | None = None,
    newest_first: bool = True,
) -> Iterator[Publication]:
    """Publications as a CV list shows them, streamed: by section when ``kind_ranks``
    gives each kind's section rank ('unplaced' for submitted and preprint records
    without a venue, 'other' for kinds not named), then newest first (year, month),
    entry order breaking ties (or only entry order). Light rows (``_SELECT_LIST``)."""
    conditions, params = [], []
    if person_id is not None:
        conditions.append("id IN (SELECT publication_id FROM authorships WHERE person_id = ?)")
        params.append(person_id)
    if selected:
        conditions.append(_SELECTED)
    where = " WHERE " + " AND ".join(conditions) if conditions else ""
    order = "year IS NULL, year DESC, month DESC, id" if newest_first else "id"
    if kind_ranks is not None:
        ranks = {k: r for k, r in kind_ranks.items() if k not in ("unplaced", "other")}
        cases = " ".join("WHEN kind = ? THEN ?" for _ in ranks)
        order = f"CASE WHEN {_UNPLACED} THEN ? {cases} ELSE ? END, " + order
        params += [kind_ranks["unplaced"]]
        for kind, rank in ranks.items():
            params += [kind, rank]
        params.append(kind_ranks["other"])
    sql = f"{_authors_added(_SELECT_LIST)}{where} ORDER BY {order}"
    yield from _with_authors(conn, tuple_cursor(conn).execute(sql, params))


def person_ids_in(conn: sqlite3.Connection, person_id: int | None = None) -> list[int]:
    """The people who wrote the publications (all, or those of one person)."""
    if person_id is None:
        sql, params = "SELECT DISTINCT person_id FROM authorships WHERE person_id IS NOT NULL", ()
    else:
        sql = (
            "SELECT DISTINCT a.person_id FROM authorships a JOIN authorships mine"
            " ON mine.publication_id = a.publication_id AND mine.person_id = ?"
            " WHERE a.person_id IS NOT NULL"
        )
        params = (person_id,)
    return [row[0] for row in conn.execute(sql, params)]


def publications_by_id(conn: sqlite3.Connection, ids: Sequence[int]) -> dict[int, Publication]:
    found: dict[int, Publication] = {}
    for chunk, marks in in_chunks(ids):
        select = _authors_added(_SELECT)
        cursor = tuple_cursor(conn).execute(f"{select} WHERE id IN ({marks})", chunk)
        found.update((p.id, p) for p in _with_authors(conn, cursor))
    return found


# A publication's authors in order as one JSON column of its row: SQLite builds the
# arrays and json.loads reads them in C, instead of a second query per batch returning
# a tuple per authorship (100k records: ~0.9 s less). Same ordered-subquery form as
# the search index's author text.
_AUTHORS_COLUMN = (
    "(SELECT json_group_array(json_array(name, given, family, person_id, affiliation,"
    " equal_contribution, affiliation_source)) FROM (SELECT * FROM authorships a"
    " WHERE a.publication_id = publications.id ORDER BY a.position))"
)


def _authors_added(select: str) -> str:
    """A ``SELECT ... FROM publications`` with the authors column last."""
    return select.replace(" FROM publications", f", {_AUTHORS_COLUMN} FROM publications", 1)


def _with_authors(conn: sqlite3.Connection, cursor: sqlite3.Cursor) -> Iterator[Publication]:
    """Publications from rows of a select given by ``_authors_added``."""
    while rows := cursor.fetchmany(AUTHOR_BATCH):
        for row in rows:
            yield publication_from_row(row)


def publication_from_row(row: Sequence[Any]) -> Publication:
    """A Publication from the columns of ``full_columns`` (id, COLUMNS, authors)."""
    publication = _from_row(row[:-1])
    publication.authors = [
        Author(name, given, family, person, affiliation, bool(equal), source)
        for name, given, family, person, affiliation, equal, source in _from_json(row[-1])
    ]
    return publication


def full_columns(alias: str, condition: str) -> str:
    """The select list of ``publication_from_row`` for publications named ``alias``,
    each column NULL unless ``condition`` holds (the authors' subquery not run)."""
    columns = [f"{alias}.{column}" for column in ("id", *COLUMNS)]
    columns.append(_AUTHORS_COLUMN.replace("publications.id", f"{alias}.id"))
    return ", ".join(f"CASE WHEN {condition} THEN {column} END" for column in columns)


def replace_authorships(conn: sqlite3.Connection, pub_id: int, authors: Iterable[Author]) -> None:
    conn.execute("DELETE FROM authorships WHERE publication_id = ?", (pub_id,))
    insert_authorships(conn, pub_id, authors)
    # re-index: the delete trigger misses a paper that had no authors before
    conn.execute("INSERT OR IGNORE INTO search_dirty VALUES (?)", (pub_id,))


def insert_authorships(conn: sqlite3.Connection, pub_id: int, authors: Iterable[Author]) -> None:
    insert_many_authorships(conn, [(pub_id, authors)])


def insert_many_authorships(
    conn: sqlite3.Connection,
    lists: Iterable[tuple[int, Iterable[Author]]],
    *,
    new_papers: bool = False,
) -> None:
    """Insert the authors of papers (in one statement), and count them in the
    co-author graph's side tables (store/graph.py). The papers' revisions move on in
    bulk (no trigger per inserted row: a third of a large import), unless they are
    ``new_papers``, inserted in this transaction with a revision no entry was written
    under."""
    from ..names import name_form

    rows = [
        (
            pub_id,
            position,
            author.person_id,
            author.name,
            author.given,
            author.family,
            author.affiliation,
            int(author.equal_contribution),
            name_form(author.name, author.given or None, author.family or None).key,
            author.affiliation_source if author.affiliation else None,
        )
        for pub_id, authors in lists
        for position, author in enumerate(authors)
    ]
    if not rows:
        return
    if not new_papers:
        bump_revisions(conn, (row[0] for row in rows))
    before = graph.last_authorship(conn)
    conn.executemany(
        "INSERT INTO authorships (publication_id, position, person_id, name, given, family,"
        " affiliation, equal_contribution, name_key, affiliation_source)"
        " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        rows,
    )
    once_each = len({(row[0], row[2]) for row in rows}) == len(rows)
    graph.authorships_added(conn, (row[0] for row in rows), before, once_each=once_each)


def save_arxiv_entry(
    conn: sqlite3.Connection, pub_id: int, arxiv_id: str, version: int | None, xml: str
) -> None:
    conn.execute(
        "INSERT INTO arxiv_entries (publication_id, arxiv_id, version, fetched_at, xml)"
        " VALUES (?, ?, ?, ?, ?) ON CONFLICT(publication_id) DO UPDATE SET"
        " arxiv_id = excluded.arxiv_id, version = excluded.version,"
        " fetched_at = excluded.fetched_at, xml = excluded.xml",
        (pub_id, arxiv_id, version, now(), xml),
    )


def arxiv_entry_xml(conn: sqlite3.Connection, pub_id: int) -> str | None:
    row = conn.execute(
        "SELECT xml FROM arxiv_entries WHERE publication_id = ?", (pub_id,)
    ).fetchone()
    return row[0] if row else None


def count_publications(conn: sqlite3.Connection) -> int:
    return conn.execute("SELECT count(*) FROM publications").fetchone()[0]


def evidence_rows(conn: sqlite3.Connection) -> sqlite3.Cursor:
    """What matching compares, for every stored publication: (id, citekey, arxiv_id,
    doi, title, year, kind, status, volume, number, pages, first author's family)."""
    return conn.execute(
        "SELECT p.id, p.citekey, p.arxiv_id, p.doi, p.title, p.year, p.kind, p.status,"
        " p.volume, p.number, p.pages, a.family FROM publications p"
        " LEFT JOIN authorships a ON a.publication_id = p.id AND a.position = 0"
    )
