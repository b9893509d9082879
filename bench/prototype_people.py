"""Prototype of a faster ``pubdb.people.matching_people``, measured by ``people.py
--prototype``; the patch for ``src/pubdb/people.py`` is this function's first lines.

``matching_people`` loads every person whose family name matches the query (two queries
each) before it looks for the exact name: thousands for a common family name. A full
name held by exactly one person is found through ``idx_person_names_key`` first.
"""

from __future__ import annotations

import sqlite3

from pubdb import people
from pubdb.names import name_form
from pubdb.people import PersonSummary, summaries

original_matching_people = people.matching_people


def exact_holder(conn: sqlite3.Connection, key: str) -> int | None:
    """The one non-ambiguous person with this name variant, if exactly one has it."""
    rows = conn.execute(
        "SELECT DISTINCT n.person_id FROM person_names n JOIN people p ON p.id = n.person_id"
        " WHERE n.name_key = ? AND p.ambiguous = 0 LIMIT 2",
        (key,),
    ).fetchall()
    return rows[0][0] if len(rows) == 1 else None


def matching_people(conn: sqlite3.Connection, query: str) -> list[PersonSummary]:
    form = name_form(query)
    if not form.abbreviated and (holder := exact_holder(conn, form.key)) is not None:
        return summaries(conn, [holder])
    return original_matching_people(conn, query)
