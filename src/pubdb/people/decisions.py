"""Manual decisions about people (merge, alias, split): they persist and win over the
rules on every later resolution; and the names that still fit several people."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterable
from dataclasses import dataclass

from ..errors import UsageError
from ..names import name_form
from ..store.publications import now
from .lookup import PersonSummary, summaries
from .resolution import PersonResolver, _rename_to_best, _variants_of, display_name


def _set_manual(
    conn: sqlite3.Connection, person_id: int, name: str, key: str, family_len: int | None
) -> None:
    """Make ``key`` a manual name of ``person_id`` and of nobody else."""
    conn.execute(
        "UPDATE person_names SET manual = 0 WHERE name_key = ? AND person_id != ?",
        (key, person_id),
    )
    conn.execute(
        "INSERT INTO person_names (person_id, name, name_key, family_len, last_key, manual)"
        " VALUES (?, ?, ?, ?, ?, 1) ON CONFLICT (person_id, name_key) DO UPDATE SET manual = 1",
        (person_id, name, key, family_len, key.split()[-1] if key else ""),
    )


def merge_people(conn: sqlite3.Connection, keep: int, other: int) -> None:
    """One person after all: ``other``'s papers and names move to ``keep``."""
    if keep == other:
        raise UsageError("those names are already one person")
    for name, key, family_len in _variants_of(conn, keep) + _variants_of(conn, other):
        _set_manual(conn, keep, name, key, family_len)
    conn.execute("UPDATE authorships SET person_id = ? WHERE person_id = ?", (keep, other))
    conn.execute("UPDATE author_pins SET person_id = ? WHERE person_id = ?", (keep, other))
    conn.execute("DELETE FROM people WHERE id = ?", (other,))
    conn.execute("UPDATE people SET ambiguous = 0 WHERE id = ?", (keep,))
    _rename_to_best(conn, keep)


def add_alias(conn: sqlite3.Connection, person_id: int, variant: str) -> int:
    """``variant`` always means this person; papers already written so move to them
    (unless split off by paper). Returns how many authorships moved."""
    form = name_form(variant)
    if not form.tokens:
        raise UsageError(f"{variant!r} is not a name")
    _set_manual(conn, person_id, variant, form.key, form.family_len)
    cursor = conn.execute(
        "UPDATE authorships SET person_id = ? WHERE name_key = ? AND person_id != ?"
        " AND NOT EXISTS (SELECT 1 FROM author_pins p WHERE p.publication_id ="
        " authorships.publication_id AND p.name_key = authorships.name_key)",
        (person_id, form.key, person_id),
    )
    _rename_to_best(conn, person_id)
    return cursor.rowcount


def _new_person(conn: sqlite3.Connection, written: str) -> int:
    from ..names import parse_name

    parsed = parse_name(written)
    return conn.execute(
        "INSERT INTO people (name, given, family, name_key, created_at) VALUES (?, ?, ?, ?, ?)",
        (display_name(written), parsed.given, parsed.family, name_form(written).key, now()),
    ).lastrowid


def split_person(
    conn: sqlite3.Connection,
    person_id: int,
    *,
    variants: Iterable[str] = (),
    papers: Iterable[int] = (),
    into: int | None = None,
) -> tuple[int, int]:
    """Move the authorships written as ``variants`` (all papers) or on ``papers`` (pinned)
    from ``person_id`` to ``into`` or a new person. Returns (person, authorships moved)."""
    keys = {name_form(v).key: v for v in variants}
    known = {key for _, key, _ in _variants_of(conn, person_id)}
    unknown = [keys[key] for key in keys if key not in known]
    if unknown:
        raise UsageError(f"not a name of this person: {', '.join(map(repr, unknown))}")
    rows = conn.execute(
        "SELECT publication_id, name, name_key FROM authorships WHERE person_id = ?",
        (person_id,),
    ).fetchall()
    chosen = set(papers)
    moving = [row for row in rows if row[2] in keys or row[0] in chosen]
    if not moving:
        raise UsageError("nothing to split off: no such name or paper for this person")
    target = into if into is not None else _new_person(conn, moving[0][1])
    for pub_id, _name, key in moving:
        conn.execute(
            "UPDATE authorships SET person_id = ? WHERE publication_id = ? AND person_id = ?"
            " AND name_key = ?",
            (target, pub_id, person_id, key),
        )
        if pub_id in chosen:
            conn.execute(
                "INSERT OR REPLACE INTO author_pins (publication_id, name_key, person_id)"
                " VALUES (?, ?, ?)",
                (pub_id, key, target),
            )
    for key, written in keys.items():
        conn.execute(
            "DELETE FROM person_names WHERE person_id = ? AND name_key = ?", (person_id, key)
        )
        form = name_form(written)
        _set_manual(conn, target, written, key, form.family_len)
    for _, name, key in moving:
        if key not in keys:
            form = name_form(name)
            conn.execute(
                "INSERT OR IGNORE INTO person_names (person_id, name, name_key, family_len,"
                " last_key) VALUES (?, ?, ?, ?, ?)",
                (target, name, key, form.family_len, form.last),
            )
            if not form.abbreviated:
                # The name keeps meaning the person it was split from; the pin keeps
                # this paper apart. Otherwise each later paper makes yet another person.
                _set_manual(conn, person_id, name, key, form.family_len)
    _rename_to_best(conn, target)
    _rename_to_best(conn, person_id)
    return target, len(moving)


@dataclass
class Ambiguity:
    """A written name that fits several people. ``holder`` is who has its papers now."""

    name: str
    holder: PersonSummary
    also_fits: list[PersonSummary]


def ambiguities(conn: sqlite3.Connection) -> list[Ambiguity]:
    resolver = PersonResolver(conn)
    shared_lasts = [
        row[0]
        for row in conn.execute(
            "SELECT last_key FROM person_names GROUP BY last_key"
            " HAVING count(DISTINCT person_id) > 1"
        )
    ]
    found: list[tuple[str, int, list[int]]] = []
    for last in shared_lasts:
        people = resolver.candidates(last)
        for person in people:
            for variant in person.variants:
                if variant.manual or not variant.form.abbreviated:
                    continue
                others = [
                    q.id
                    for q in people
                    if q.id != person.id and not q.ambiguous and q.fits(variant.form)
                ]
                if others:
                    found.append((variant.name, person.id, others))
    everyone = {p.id: p for p in summaries(conn, {i for _, h, o in found for i in (h, *o)})}
    return [
        Ambiguity(name, everyone[holder], [everyone[i] for i in others])
        for name, holder, others in found
        if holder in everyone
    ]
