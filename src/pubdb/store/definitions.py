"""The @string and @preamble blocks of imported .bib files, by the file they came from."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterable


def replace_definitions(
    conn: sqlite3.Connection,
    source: str,
    strings: Iterable[tuple[str, str, str, int]],
    preambles: Iterable[tuple[str, int]],
) -> None:
    """A file's blocks, replacing what an earlier import of the same file stored:
    strings as (name, expression, value, line), preambles as (expression, line)."""
    conn.execute("DELETE FROM bibtex_strings WHERE source = ?", (source,))
    conn.execute("DELETE FROM bibtex_preambles WHERE source = ?", (source,))
    conn.executemany(
        "INSERT INTO bibtex_strings (name, expression, value, source, line) VALUES (?, ?, ?, ?, ?)",
        [(name, expression, value, source, line) for name, expression, value, line in strings],
    )
    conn.executemany(
        "INSERT INTO bibtex_preambles (expression, source, line) VALUES (?, ?, ?)",
        [(expression, source, line) for expression, line in preambles],
    )


def string_definitions(conn: sqlite3.Connection) -> dict[str, tuple[str, str]]:
    """Lower-case macro name -> (name as written, text); the latest stored wins."""
    rows = conn.execute("SELECT name, value FROM bibtex_strings ORDER BY id")
    return {name.lower(): (name, value) for name, value in rows}


def preamble_expressions(conn: sqlite3.Connection) -> list[str]:
    """Every stored @preamble's value expression, in import order, each text once."""
    rows = conn.execute("SELECT expression FROM bibtex_preambles ORDER BY id")
    return list(dict.fromkeys(row[0] for row in rows))


def field_expressions(conn: sqlite3.Connection, person_id: int | None = None) -> list[str]:
    """The distinct value expressions stored with publications (all, or one person's)."""
    sql = (
        "SELECT DISTINCT e.value FROM publications p, json_each(p.expressions) e"
        " WHERE p.expressions != '{}'"
    )
    params: tuple = ()
    if person_id is not None:
        sql += " AND p.id IN (SELECT publication_id FROM authorships WHERE person_id = ?)"
        params = (person_id,)
    return [row[0] for row in conn.execute(sql, params)]


def crossref_targets(conn: sqlite3.Connection) -> set[str]:
    """The keys (lower case, as BibTeX compares them) that entries name in crossref."""
    rows = conn.execute(
        "SELECT json_extract(fields, '$.crossref') FROM publications"
        " WHERE fields LIKE '%crossref%' AND json_extract(fields, '$.crossref') IS NOT NULL"
    )
    return {str(row[0]).strip().lower() for row in rows}
