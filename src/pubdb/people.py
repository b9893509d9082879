"""People behind author names: resolution, manual decisions, ambiguity.

Each written name resolves to one person, in this order: a pin for that paper (from
`author split`), a manual alias, else the one person whose every known name variant is
compatible with it (accents, case, initials, particles, hyphens aside). An abbreviated
name ("Y. Li") that fits several people is never merged into one of them: it goes to a
person of its own, flagged ambiguous, and `ambiguities` reports it.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterable
from dataclasses import dataclass, field

from .errors import UsageError
from .models import Author
from .names import NameForm, completeness, forms_compatible, name_form
from .store import now
from .text import fold_key


@dataclass
class Variant:
    form: NameForm
    name: str
    manual: bool = False


@dataclass(eq=False)
class Person:
    id: int
    ambiguous: bool
    variants: list[Variant] = field(default_factory=list)
    by_key: dict[str, Variant] = field(default_factory=dict)

    def add(self, variant: Variant) -> None:
        self.variants.append(variant)
        self.by_key.setdefault(variant.form.key, variant)

    def has_key(self, key: str, manual_only: bool = False) -> bool:
        variant = self.by_key.get(key)
        return variant is not None and (variant.manual or not manual_only)

    def fits(self, form: NameForm) -> bool:
        return all(forms_compatible(form, variant.form) for variant in self.variants)


def author_form(author: Author) -> NameForm:
    return name_form(author.name, author.given or None, author.family or None)


class PersonResolver:
    """Resolves written names to people within one write transaction. Candidates are
    looked up by the last token of the name and cached, so a large import stays fast."""

    def __init__(self, conn: sqlite3.Connection):
        self.conn = conn
        self._by_last: dict[str, list[Person]] = {}
        self._people: dict[int, Person] = {}
        # key -> (person, version of its last-name group when decided): a repeated name
        # is resolved again only when the people sharing its last name have changed.
        self._decided: dict[str, tuple[Person, int]] = {}
        self._versions: dict[str, int] = {}

    def resolve(self, author: Author, pub_id: int | None = None) -> int:
        form = author_form(author)
        if pub_id is not None and (pinned := self._pinned(pub_id, form.key)):
            return pinned
        decided = self._decided.get(form.key)
        if decided and decided[1] == self._versions.get(form.last, 0):
            self._remember(decided[0], form, author.name)
            return decided[0].id
        person = self._decide(form, author.name)
        self._remember(person, form, author.name)
        self._decided[form.key] = (person, self._versions.get(form.last, 0))
        return person.id

    def _decide(self, form: NameForm, written: str) -> Person:
        candidates = self.candidates(form.last)
        manual = [p for p in candidates if p.has_key(form.key, manual_only=True)]
        if len(manual) == 1:
            return manual[0]
        return self._choose(form, candidates) or self._create(form, written, False)

    def _changed(self, last: str) -> None:
        self._versions[last] = self._versions.get(last, 0) + 1

    def _choose(self, form: NameForm, candidates: list[Person]) -> Person | None:
        fits = [p for p in candidates if not p.ambiguous and p.fits(form)]
        if len(fits) == 1:
            return fits[0]
        if not fits:
            return None
        exact = [p for p in fits if p.has_key(form.key)]
        if not form.abbreviated:
            return exact[0] if len(exact) == 1 else None
        holders = [p for p in candidates if p.ambiguous and p.has_key(form.key)]
        return holders[0] if holders else self._create(form, form.key, True)

    def _pinned(self, pub_id: int, key: str) -> int | None:
        row = self.conn.execute(
            "SELECT person_id FROM author_pins WHERE publication_id = ? AND name_key = ?",
            (pub_id, key),
        ).fetchone()
        return row[0] if row else None

    def candidates(self, last: str) -> list[Person]:
        if last not in self._by_last:
            ids = [
                row[0]
                for row in self.conn.execute(
                    "SELECT DISTINCT person_id FROM person_names WHERE last_key = ?", (last,)
                )
            ]
            self._by_last[last] = [self.person(person_id) for person_id in ids]
        return self._by_last[last]

    def person(self, person_id: int) -> Person:
        if person_id not in self._people:
            flag = self.conn.execute(
                "SELECT ambiguous FROM people WHERE id = ?", (person_id,)
            ).fetchone()
            person = Person(person_id, bool(flag and flag[0]))
            for name, key, family_len, manual in self.conn.execute(
                "SELECT name, name_key, family_len, manual FROM person_names"
                " WHERE person_id = ? ORDER BY id",
                (person_id,),
            ):
                person.add(Variant(NameForm(tuple(key.split()), family_len), name, bool(manual)))
            self._people[person_id] = person
        return self._people[person_id]

    def _create(self, form: NameForm, written: str, ambiguous: bool) -> Person:
        from .names import parse_name

        parsed = parse_name(written)
        cursor = self.conn.execute(
            "INSERT INTO people (name, given, family, name_key, created_at, ambiguous)"
            " VALUES (?, ?, ?, ?, ?, ?)",
            (display_name(written), parsed.given, parsed.family, form.key, now(), int(ambiguous)),
        )
        person = Person(cursor.lastrowid, ambiguous)
        self._people[person.id] = person
        self.candidates(form.last).append(person)
        self._changed(form.last)
        return person

    def _remember(self, person: Person, form: NameForm, written: str, manual: bool = False) -> None:
        """Record a new variant; the most complete variant names the person."""
        if person.has_key(form.key):
            self._prefer_accented(person, form, written)
            return
        best = max((v.form for v in person.variants), key=completeness, default=None)
        person.add(Variant(form, written, manual))
        self._changed(form.last)
        self.conn.execute(
            "INSERT OR IGNORE INTO person_names (person_id, name, name_key, family_len,"
            " last_key, manual) VALUES (?, ?, ?, ?, ?, ?)",
            (person.id, written, form.key, form.family_len, form.last, int(manual)),
        )
        if best is None or completeness(form) >= completeness(best) or _accents(written):
            _rename_to_best(self.conn, person.id)
        group = self.candidates(form.last)
        if person not in group:
            group.append(person)

    def _prefer_accented(self, person: Person, form: NameForm, written: str) -> None:
        """'Nicolas Boullé' replaces 'Nicolas Boulle': same name, better spelt."""
        variant = person.by_key[form.key]
        if written == variant.name or written.isascii():
            return
        if _accents(written) <= _accents(variant.name) or "\\" in written:
            return
        self.conn.execute(
            "UPDATE person_names SET name = ? WHERE person_id = ? AND name_key = ?",
            (written, person.id, form.key),
        )
        variant.name = written
        _rename_to_best(self.conn, person.id)

    def resolve_all(self, authors: Iterable[Author], pub_id: int | None = None) -> None:
        for author in authors:
            if author.person_id is None:
                author.person_id = self.resolve(author, pub_id)


def _accents(text: str) -> int:
    return sum(1 for char in text if char.isalpha() and not char.isascii())


def display_name(written: str) -> str:
    """'Zekri, Oussama' -> 'Oussama Zekri': how a person is named in listings."""
    from .names import parse_name

    return parse_name(written).full or written


def _rename(conn: sqlite3.Connection, person_id: int, written: str, form: NameForm) -> None:
    from .names import parse_name

    parsed = parse_name(written)
    conn.execute(
        "UPDATE people SET name = ?, given = ?, family = ?, name_key = ? WHERE id = ?",
        (display_name(written), parsed.given, parsed.family, form.key, person_id),
    )


def resolve_people(
    conn: sqlite3.Connection, authors: Iterable[Author], pub_id: int | None = None
) -> None:
    PersonResolver(conn).resolve_all(authors, pub_id)


# -- names typed by the user ---------------------------------------------------------


def plural(count: int, noun: str) -> str:
    return f"{count} {noun}" if count == 1 else f"{count} {noun}s"


@dataclass
class PersonSummary:
    id: int
    name: str
    papers: int
    variants: list[str]
    ambiguous: bool = False


def summaries(conn: sqlite3.Connection, ids: Iterable[int] | None = None) -> list[PersonSummary]:
    """People with paper counts and name variants, most papers first."""
    where, params = "", []
    if ids is not None:
        params = list(ids)
        if not params:
            return []
        where = f"WHERE p.id IN ({','.join('?' * len(params))})"
    rows = conn.execute(
        "SELECT p.id, p.name, p.ambiguous,"
        " (SELECT count(DISTINCT publication_id) FROM authorships a WHERE a.person_id = p.id),"
        " (SELECT group_concat(name, char(31)) FROM (SELECT name FROM person_names n"
        "   WHERE n.person_id = p.id ORDER BY n.id))"
        f" FROM people p {where}",
        params,
    ).fetchall()
    people = [
        PersonSummary(row[0], row[1], row[3], (row[4] or row[1]).split("\x1f"), bool(row[2]))
        for row in rows
    ]
    return sorted(people, key=lambda p: (-p.papers, p.name.lower()))


def matching_people(conn: sqlite3.Connection, query: str) -> list[PersonSummary]:
    """People a typed name could mean: an exact variant wins; otherwise everyone whose
    known names are all compatible with it (ambiguous holders only if nobody else)."""
    form = name_form(query)
    if not form.abbreviated and (holder := _sole_holder(conn, form.key)) is not None:
        return summaries(conn, [holder])
    resolver = PersonResolver(conn)
    candidates = resolver.candidates(form.last)
    exact = [p for p in candidates if p.has_key(form.key) and not p.ambiguous]
    if len(exact) == 1 and not form.abbreviated:
        return summaries(conn, [exact[0].id])
    manual = [p for p in candidates if p.has_key(form.key, manual_only=True)]
    if len(manual) == 1:
        return summaries(conn, [manual[0].id])
    fits = [p for p in candidates if p.fits(form)]
    clear = [p for p in fits if not p.ambiguous]
    return summaries(conn, [p.id for p in (clear or fits)])


def _sole_holder(conn: sqlite3.Connection, key: str) -> int | None:
    """The person holding this full name variant when exactly one (unambiguous) does:
    found by index, without loading everyone with the same family name."""
    rows = conn.execute(
        "SELECT DISTINCT n.person_id FROM person_names n JOIN people p ON p.id = n.person_id"
        " WHERE n.name_key = ? AND p.ambiguous = 0 LIMIT 2",
        (key,),
    ).fetchall()
    return rows[0][0] if len(rows) == 1 else None


def resolve_query(conn: sqlite3.Connection, query: str) -> int:
    """The one person a name typed by the user stands for; UsageError when it fits
    several (listed) or none (closest names suggested)."""
    if not query.strip():
        raise UsageError("an author name is needed")
    matches = matching_people(conn, query)
    if len(matches) == 1:
        return matches[0].id
    if matches:
        listed = "; ".join(f"{p.name} ({plural(p.papers, 'paper')})" for p in matches)
        raise UsageError(
            f"author {query!r} is ambiguous: {listed}; give a fuller name"
            " (or decide with `pubdb author merge/alias`)"
        )
    raise UsageError(f"no author matches {query!r}{_suggestions(conn, query)}")


def _suggestions(conn: sqlite3.Connection, query: str) -> str:
    import difflib

    from .text import fold_key

    by_key: dict[str, str] = {}
    for name, last in conn.execute("SELECT DISTINCT name, last_key FROM person_names"):
        by_key.setdefault(fold_key(name), name)
        by_key.setdefault(last, name)  # a typo in the family name alone ('Gauld')
    close = difflib.get_close_matches(fold_key(query), list(by_key), n=6, cutoff=0.6)
    names = list(dict.fromkeys(by_key[key] for key in close))[:3]
    return f"; did you mean {', '.join(names)}?" if names else ""


# -- manual decisions: they persist and win over the rules on every later resolution --


def _variants_of(conn: sqlite3.Connection, person_id: int) -> list[tuple[str, str, int | None]]:
    return conn.execute(
        "SELECT name, name_key, family_len FROM person_names WHERE person_id = ? ORDER BY id",
        (person_id,),
    ).fetchall()


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


def best_display_name(variants: list[tuple[str, NameForm]]) -> tuple[str, NameForm]:
    """The most complete variant ('Nicolas Boulle' over 'N. Boullé'), spelt with the
    most accented form of the same family name ('Nicolas Boullé')."""
    from .names import PersonName, parse_name

    name, form = max(variants, key=lambda v: completeness(v[1]))
    chosen = parse_name(name)
    family_key = fold_key(chosen.family)
    spellings = [parse_name(n).family for n, _ in variants]
    same = [f for f in spellings if fold_key(f) == family_key and "\\" not in f]
    family = max(same, key=_accents, default=chosen.family)
    return PersonName(chosen.given, family, chosen.suffix).full or name, form


def _rename_to_best(conn: sqlite3.Connection, person_id: int) -> None:
    variants = [
        (name, NameForm(tuple(key.split()), family_len))
        for name, key, family_len in _variants_of(conn, person_id)
    ]
    if variants:
        name, form = best_display_name(variants)
        _rename(conn, person_id, name, form)


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
    from .names import parse_name

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
