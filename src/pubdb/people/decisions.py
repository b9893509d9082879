"""Manual decisions about people (merge, alias, split): they persist and win over the
rules on every later resolution; and the names that still fit several people."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING

from ..errors import UsageError
from ..names import name_form
from ..normalize import plural
from ..store import people as stored
from ..store.connection import write_transaction
from .lookup import PersonSummary, resolve_distinct, resolve_query, summaries
from .resolution import PersonResolver, create_person, rename_to_best

if TYPE_CHECKING:
    import sqlite3


def merge_people(conn: sqlite3.Connection, keep: int, other: int) -> None:
    """One person after all: ``other``'s papers and names move to ``keep``."""
    if keep == other:
        raise UsageError("those names are already one person")
    for name, key, family_len, origin in [
        *stored.name_variants(conn, keep),
        *stored.name_variants(conn, other),
    ]:
        kept = stored.ALIAS if origin == stored.ALIAS else stored.DECIDED
        stored.claim_variant(conn, keep, name, key, family_len, kept)
    stored.merge_people(conn, keep, other)
    rename_to_best(conn, keep)


def add_alias(conn: sqlite3.Connection, person_id: int, variant: str) -> int:
    """``variant`` also means this person: a name added, none removed, and the person
    keeps their name. Papers written so by nobody in particular (an ambiguous
    abbreviation) move to them, unless split off by paper. A name that is someone
    else's is refused. Returns how many authorships moved."""
    form = name_form(variant)
    if not form.tokens:
        raise UsageError(f"{variant!r} is not a name")
    owners = [
        p for p, ambiguous in stored.holders(conn, form.key) if p != person_id and not ambiguous
    ]
    if owners:
        raise UsageError(_someone_elses(conn, variant, person_id, owners[0]))
    stored.claim_variant(conn, person_id, variant, form.key, form.family_len, stored.ALIAS)
    return stored.move_authorships_written(conn, person_id, form.key)


def _someone_elses(conn: sqlite3.Connection, variant: str, person_id: int, owner: int) -> str:
    """Why the name cannot be an alias, and the decision that would say what was meant."""
    from shlex import quote

    people = {p.id: p for p in summaries(conn, [person_id, owner])}
    target, holder = people[person_id], people[owner]
    reason = (
        f"{variant!r} is already a name of {holder.name} ({plural(holder.papers, 'paper')});"
        f" if they are one person: pubdb author merge {quote(target.name)} {quote(holder.name)}"
    )
    written = [v for v in stored.name_variants(conn, owner) if v[3] != stored.ALIAS]
    if len(written) > 1:
        reason += (
            f"; to move only the papers written so: pubdb author split {quote(holder.name)}"
            f" --name {quote(variant)} --into {quote(target.name)}"
        )
    return reason


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
    known = {key for _, key, _, _ in stored.name_variants(conn, person_id)}
    unknown = [keys[key] for key in keys if key not in known]
    if unknown:
        raise UsageError(f"not a name of this person: {', '.join(map(repr, unknown))}")
    rows = stored.authorships_of(conn, person_id)
    chosen = set(papers)
    moving = [row for row in rows if row[2] in keys or row[0] in chosen]
    if not moving:
        raise UsageError("nothing to split off: no such name or paper for this person")
    target = into if into is not None else create_person(conn, moving[0][1])
    for pub_id, _name, key in moving:
        stored.move_authorship(conn, pub_id, key, person_id, target)
        if pub_id in chosen:
            stored.pin_authorship(conn, pub_id, key, target)
    for key, written in keys.items():
        stored.remove_variant(conn, person_id, key)
        stored.claim_variant(conn, target, written, key, name_form(written).family_len)
    for _, name, key in moving:
        if key not in keys:
            form = name_form(name)
            stored.add_variant(conn, target, name, key, form.family_len, form.last)
            if not form.abbreviated:
                # The name keeps meaning the person it was split from; the pin keeps
                # this paper apart. Otherwise each later paper makes yet another person.
                stored.claim_variant(conn, person_id, name, key, form.family_len)
    rename_to_best(conn, target)
    rename_to_best(conn, person_id)
    return target, len(moving)


@dataclass
class Ambiguity:
    """A written name that fits several people. ``holder`` is who has its papers now."""

    name: str
    holder: PersonSummary
    also_fits: list[PersonSummary]


def ambiguities(conn: sqlite3.Connection) -> list[Ambiguity]:
    resolver = PersonResolver(conn)
    shared_lasts = stored.shared_last_names(conn)
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


# -- the decisions as the user names them: each in one write -------------------------


def merge_named(conn: sqlite3.Connection, keep: str, other: str) -> PersonSummary:
    """Declare two names one person; the decision survives re-import and refresh."""
    keep_id, other_id = resolve_distinct(conn, [keep, other], "they are one person already")
    with write_transaction(conn):
        merge_people(conn, keep_id, other_id)
    return summaries(conn, [keep_id])[0]


def alias_named(conn: sqlite3.Connection, name: str, variant: str) -> tuple[PersonSummary, int]:
    """``variant`` also means this person (a name added, none removed; a name of someone
    else is refused). Returns (person, authorships moved)."""
    person_id = resolve_query(conn, name)
    with write_transaction(conn):
        moved = add_alias(conn, person_id, variant)
        stored.drop_orphan_people(conn)
    return summaries(conn, [person_id])[0], moved


def split_named(
    conn: sqlite3.Connection,
    name: str,
    *,
    variants: Iterable[str] = (),
    paper_ids: Iterable[int] = (),
    into: str | None = None,
) -> tuple[PersonSummary, int]:
    """Split names or papers off a person. Returns (new person, authorships moved)."""
    person_id = resolve_query(conn, name)
    target = resolve_query(conn, into) if into else None
    with write_transaction(conn):
        new_id, moved = split_person(
            conn, person_id, variants=variants, papers=paper_ids, into=target
        )
    return summaries(conn, [new_id])[0], moved
