"""People behind author names: each authorship resolves to one person."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterable

from .models import Author
from .names import parse_name
from .store import now
from .text import fold_key


def name_key(given: str, family: str) -> str:
    return f"{fold_key(family)}|{fold_key(given)}"


class PersonResolver:
    """Resolves written names to people within one write transaction, with a cache so
    that a large import does not query once per author."""

    def __init__(self, conn: sqlite3.Connection):
        self.conn = conn
        self._by_key: dict[str, int | None] = {}

    def resolve(self, author: Author) -> int:
        if not (author.given or author.family):
            parsed = parse_name(author.name)
            author.given, author.family = parsed.given, parsed.family
        key = name_key(author.given, author.family)
        if key not in self._by_key:
            rows = self.conn.execute("SELECT id FROM people WHERE name_key = ?", (key,)).fetchall()
            self._by_key[key] = rows[0][0] if len(rows) == 1 else None
        person_id = self._by_key[key]
        if person_id is None:
            person_id = self._create(author, key)
            self._by_key[key] = person_id
        return person_id

    def _create(self, author: Author, key: str) -> int:
        cursor = self.conn.execute(
            "INSERT INTO people (name, given, family, name_key, created_at) VALUES (?, ?, ?, ?, ?)",
            (author.name, author.given, author.family, key, now()),
        )
        return cursor.lastrowid

    def resolve_all(self, authors: Iterable[Author]) -> None:
        for author in authors:
            if author.person_id is None:
                author.person_id = self.resolve(author)


def resolve_people(conn: sqlite3.Connection, authors: Iterable[Author]) -> None:
    PersonResolver(conn).resolve_all(authors)


def _candidates(conn: sqlite3.Connection, query: str) -> list[sqlite3.Row]:
    from .names import family_core, given_compatible

    wanted = parse_name(query)
    family = fold_key(wanted.family)
    core = fold_key(family_core(wanted.family))
    rows = conn.execute(
        "SELECT p.id, p.name, p.given, p.family, count(a.publication_id) AS papers"
        " FROM people p LEFT JOIN authorships a ON a.person_id = p.id"
        " WHERE p.name_key LIKE ? OR p.name_key LIKE ? GROUP BY p.id",
        (f"{family}|%", f"%{core}|%"),
    ).fetchall()
    return [
        row
        for row in rows
        if fold_key(family_core(row["family"])) == core
        and given_compatible(wanted.given, row["given"])
    ]


def resolve_query(conn: sqlite3.Connection, query: str) -> int:
    """The one person a name typed by the user stands for; UsageError when it fits
    several (listed) or none (closest names suggested)."""
    from .errors import UsageError

    matches = _candidates(conn, query)
    if len(matches) == 1:
        return matches[0]["id"]
    if matches:
        listed = "; ".join(f"{row['name']} ({row['papers']} papers)" for row in matches)
        raise UsageError(f"author {query!r} is ambiguous: {listed}")
    raise UsageError(f"no author matches {query!r}{_suggestions(conn, query)}")


def _suggestions(conn: sqlite3.Connection, query: str) -> str:
    import difflib

    names = [row[0] for row in conn.execute("SELECT DISTINCT name FROM people")]
    by_key = {fold_key(name): name for name in names}
    close = difflib.get_close_matches(fold_key(query), list(by_key), n=3, cutoff=0.6)
    return f"; did you mean {', '.join(by_key[k] for k in close)}?" if close else ""
