"""People behind author names: which person each written name is.

Each written name resolves to one person, in this order: a pin for that paper (from
`author split`), a manual alias, else the one person whose every known name variant is
compatible with it (accents, case, initials, particles, hyphens aside). An abbreviated
name ("Y. Li") that fits several people is never merged into one of them: it goes to a
person of its own, flagged ambiguous, and `ambiguities` reports it.

A name written given-name first ("Youssef Attia El Hili", as arXiv sends them) does not
say where the family name starts. Once it has resolved to a person, the evidence about
that person decides: a family name the user set (`author set --family`), else the one
their variants written "Family, Given" agree on ("Attia El Hili, Y."). Every paper of
the person is split that way, so initials and BibTeX come out right.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from ..models import Author
from ..names import (
    NameForm,
    PersonName,
    completeness,
    forms_compatible,
    name_form,
    parse_name,
    split_words,
)
from ..normalize import fold_key
from ..store import people as stored
from ..store import profiles
from ..store.publications import replace_authorships

if TYPE_CHECKING:
    import sqlite3


@dataclass
class Variant:
    form: NameForm
    name: str
    manual: bool = False
    alias: bool = False  # a name the person answers to, not one they write


@dataclass(eq=False)
class Person:
    id: int
    ambiguous: bool
    variants: list[Variant] = field(default_factory=list)
    by_key: dict[str, Variant] = field(default_factory=dict)
    preferred_name: str | None = None
    decided_family: str | None = None

    @property
    def decisions(self) -> tuple[str | None, str | None]:
        return self.preferred_name, self.decided_family

    def family_tokens(self) -> tuple[str, ...] | None:
        return family_evidence(self.decided_family, [v.form for v in self.variants])

    def add(self, variant: Variant) -> None:
        self.variants.append(variant)
        self.by_key.setdefault(variant.form.key, variant)

    def has_key(self, key: str, manual_only: bool = False) -> bool:
        variant = self.by_key.get(key)
        return variant is not None and (variant.manual or not manual_only)

    def fits(self, form: NameForm) -> bool:
        """Compatible with every name they write (an alias such as a pen name is
        matched by its key only: it must not stop their own names from fitting)."""
        return all(forms_compatible(form, v.form) for v in self.variants if not v.alias)


def author_form(author: Author) -> NameForm:
    return name_form(author.name, author.given or None, author.family or None)


def family_evidence(decided: str | None, forms: Iterable[NameForm]) -> tuple[str, ...] | None:
    """The folded words of a person's family name: as decided by the user, else as most
    of their variants that say it agree (ties: the longer)."""
    if decided:
        return tuple(fold_key(decided).split()) or None
    said = Counter(
        form.tokens[-form.family_len :] for form in forms if form.family_len and form.tokens
    )
    if not said:
        return None
    return max(said, key=lambda family: (said[family], len(family)))


def split_at_family(written: str, family: tuple[str, ...]) -> tuple[str, str] | None:
    """(given, family) of a name written given-name first whose last words are
    ``family`` (folded): 'Youssef Attia El Hili' + (attia, el, hili) -> ('Youssef',
    'Attia El Hili'). None when the name does not end with that family name."""
    words = split_words(written)
    for size in range(1, len(words)):
        if tuple(fold_key(" ".join(words[-size:])).split()) == family:
            return " ".join(words[:-size]), " ".join(words[-size:])
    return None


def open_split(written: str, form: NameForm) -> bool:
    """A name whose writing leaves the family name open: given name first, three words
    or more, no particle ('Youssef Attia El Hili'; not 'Attia El Hili, Y.')."""
    return form.family_len is None and "," not in written and len(form.tokens) > 2


def respelled(author: Author, family: tuple[str, ...] | None) -> bool:
    """Split ``author``'s written name at ``family`` when its writing leaves it open.
    Returns whether given/family changed."""
    if not family or not open_split(author.name, author_form(author)):
        return False
    split = split_at_family(author.name, family)
    if split is None or split == (author.given, author.family):
        return False
    author.given, author.family = split
    return True


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
        # (name, given, family) as written -> (its form, person, version as above): a
        # name written again the same way is the same person with nothing new to learn
        self._written: dict[tuple[str, str, str], tuple[NameForm, Person, int]] = {}

    def resolve(self, author: Author, pub_id: int | None = None) -> int:
        written = (author.name, author.given, author.family)
        seen = self._written.get(written)
        if seen is not None and pub_id is None:
            form, person, version = seen
            if version == self._versions.get(form.last, 0):
                return person.id
        form = author_form(author)
        if pub_id is not None and (pinned := stored.pinned_person(self.conn, pub_id, form.key)):
            return pinned
        decided = self._decided.get(form.key)
        if decided and decided[1] == self._versions.get(form.last, 0):
            person = decided[0]
            self._remember(person, form, author.name)
        else:
            person = self._decide(form, author.name)
            self._remember(person, form, author.name)
            self._decided[form.key] = (person, self._versions.get(form.last, 0))
        self._written[written] = (form, person, self._versions.get(form.last, 0))
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

    def candidates(self, last: str) -> list[Person]:
        if last not in self._by_last:
            ids = stored.people_with_last_name(self.conn, last)
            self._by_last[last] = [self.person(person_id) for person_id in ids]
        return self._by_last[last]

    def person(self, person_id: int) -> Person:
        if person_id not in self._people:
            ambiguous, preferred, decided = profiles.person_state(self.conn, person_id)
            person = Person(person_id, ambiguous, preferred_name=preferred, decided_family=decided)
            for name, key, family_len, origin in stored.name_variants(self.conn, person_id):
                form = NameForm(tuple(key.split()), family_len)
                person.add(Variant(form, name, bool(origin), origin == stored.ALIAS))
            self._people[person_id] = person
        return self._people[person_id]

    def _create(self, form: NameForm, written: str, ambiguous: bool) -> Person:
        person = Person(create_person(self.conn, written, form, ambiguous=ambiguous), ambiguous)
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
        family_before = person.family_tokens() if form.family_len else None
        person.add(Variant(form, written, manual))
        self._changed(form.last)
        stored.add_variant(
            self.conn, person.id, written, form.key, form.family_len, form.last, manual=manual
        )
        family_learnt = (
            form.family_len
            and person.family_tokens() != family_before
            and any(open_split(v.name, v.form) for v in person.variants)
        )
        if family_learnt:
            respell_papers(self.conn, person.id, person.family_tokens())
        if (
            best is None
            or completeness(form) >= completeness(best)
            or _accents(written)
            or family_learnt
        ):
            rename_to_best(self.conn, person.id, person.decisions)
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
        stored.respell_variant(self.conn, person.id, form.key, written)
        variant.name = written
        rename_to_best(self.conn, person.id, person.decisions)

    def remember(self, person_id: int, author: Author) -> None:
        """Record how ``author`` writes this person's name as one of their variants
        (a CV's 'O. Zekri' for the Oussama Zekri arXiv names), once it is known to be
        theirs."""
        self._remember(self.person(person_id), author_form(author), author.name)

    def resolve_all(self, authors: Iterable[Author], pub_id: int | None = None) -> None:
        """Resolve each author not yet linked to a person, then split every name whose
        writing leaves the family name open the way the person's evidence says."""
        for author in authors:
            if author.person_id is None:
                author.person_id = self.resolve(author, pub_id)
            if open_split(author.name, author_form(author)):
                respelled(author, self.person(author.person_id).family_tokens())


def _accents(text: str) -> int:
    return sum(1 for char in text if char.isalpha() and not char.isascii())


def display_name(written: str) -> str:
    """'Zekri, Oussama' -> 'Oussama Zekri': how a person is named in listings."""
    return parse_name(written).full or written


def create_person(
    conn: sqlite3.Connection, written: str, form: NameForm | None = None, *, ambiguous: bool = False
) -> int:
    """A new person named after ``written``."""
    parsed = parse_name(written)
    key = (form or name_form(written)).key
    return stored.insert_person(
        conn, display_name(written), parsed.given, parsed.family, key, ambiguous=ambiguous
    )


def save_authors(conn: sqlite3.Connection, pub_id: int, authors: list[Author]) -> None:
    """A paper's author list, each name resolved to a person."""
    PersonResolver(conn).resolve_all(authors, pub_id)
    replace_authorships(conn, pub_id, authors)


def best_display_name(variants: list[tuple[str, NameForm]]) -> tuple[str, NameForm]:
    """The most complete variant ('Nicolas Boulle' over 'N. Boullé'), spelt with the
    most accented form of the same family name ('Nicolas Boullé')."""
    name, form = max(variants, key=lambda v: completeness(v[1]))
    chosen = parse_name(name)
    family_key = fold_key(chosen.family)
    spellings = [parse_name(n).family for n, _ in variants]
    same = [f for f in spellings if fold_key(f) == family_key and "\\" not in f]
    family = max(same, key=_accents, default=chosen.family)
    return PersonName(chosen.given, family, chosen.suffix).full or name, form


def rename_to_best(
    conn: sqlite3.Connection,
    person_id: int,
    decisions: tuple[str | None, str | None] | None = None,
) -> None:
    """Name the person by the full name they chose, else after their most complete
    variant (an alias never names them); given and family split by the evidence
    (``decisions``: preferred name and decided family, read from the store when not
    given)."""
    preferred, decided = decisions or profiles.profile(conn, person_id)[:2]
    variants = [
        (name, NameForm(tuple(key.split()), family_len))
        for name, key, family_len, origin in stored.name_variants(conn, person_id)
        if origin != stored.ALIAS
    ]
    if not variants and not preferred:
        return
    if preferred:
        name, form = preferred, name_form(preferred)
    else:
        name, form = best_display_name(variants)
    parsed = parse_name(name)
    given, family = parsed.given, parsed.family
    evidence = family_evidence(decided, [f for _, f in variants])
    if evidence and open_split(name, form) and (split := split_at_family(name, evidence)):
        given, family = split
    stored.rename_person(conn, person_id, display_name(name), given, family, form.key)


def respell_papers(conn: sqlite3.Connection, person_id: int, family: tuple[str, ...] | None) -> int:
    """Split the person's names on stored papers at ``family`` where their writing left
    it open. Returns how many authorships changed."""
    changed = 0
    for pub_id, position, name, given, old_family in profiles.written_names(conn, person_id):
        author = Author(name, given, old_family)
        if respelled(author, family):
            profiles.resplit_authorship(conn, pub_id, position, author.given, author.family)
            changed += 1
    return changed
