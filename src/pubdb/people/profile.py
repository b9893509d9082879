"""What a person is called and where they work: the full name they go by, where their
family name starts, their affiliations over the years (set by the user or written on
their papers by arXiv, BibTeX or DOI metadata), and a contact for the NSF table.

Decisions made here persist: resolution reads them on every later import, add and
refresh (people.resolution).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from ..errors import UsageError
from ..names import name_form
from ..normalize import collapse_whitespace, fold_key, strip_control
from ..store import people as stored
from ..store import profiles
from ..store.coauthors import name_parts_of
from .lookup import PersonSummary, summaries
from .resolution import family_evidence, rename_to_best, respell_papers

if TYPE_CHECKING:
    import sqlite3

SETTABLE = ("name", "family", "affiliation", "contact")
EARLIEST_YEAR, LATEST_YEAR = 1900, 2100


@dataclass
class Affiliation:
    """One affiliation of a person: set by the user (``since`` a year, or current when
    no year) or written on a paper (the paper's year and citation key)."""

    affiliation: str
    year: int | None
    source: str  # manual, arxiv, bibtex or doi
    citekey: str | None = None
    month: int | None = None


@dataclass
class PersonProfile:
    person: PersonSummary
    given: str
    family: str
    preferred_name: str | None = None
    decided_family: str | None = None
    contact: str | None = None
    affiliations: list[Affiliation] = field(default_factory=list)

    @property
    def affiliation(self) -> str | None:
        """The latest one (what the NSF table shows)."""
        return self.affiliations[0].affiliation if self.affiliations else None


@dataclass
class ProfileChange:
    """What ``author set`` asks for; None leaves a detail as it is."""

    name: str | None = None
    family: str | None = None
    affiliation: str | None = None
    since: int | None = None
    contact: str | None = None
    unset: tuple[str, ...] = ()

    def check(self) -> None:
        unknown = [item for item in self.unset if item not in SETTABLE]
        if unknown:
            raise UsageError(f"--unset takes {', '.join(SETTABLE)}, not {unknown[0]!r}")
        given = [n for n in SETTABLE if getattr(self, n) is not None]
        if twice := set(given) & set(self.unset):
            raise UsageError(f"{sorted(twice)[0]} is both set and unset")
        if self.since is not None and self.affiliation is None:
            raise UsageError("--since dates an --affiliation: give one")
        if self.since is not None and not EARLIEST_YEAR <= self.since <= LATEST_YEAR:
            raise UsageError(f"--since takes a year, not {self.since}")
        if not (given or self.unset):
            raise UsageError("nothing to set: give --name, --family, --affiliation or --contact")


def _text(value: str, what: str) -> str:
    text = collapse_whitespace(strip_control(value))
    if not text:
        raise UsageError(f"{what} cannot be empty (use --unset)")
    return text


def person_profile(conn: sqlite3.Connection, person_id: int) -> PersonProfile:
    preferred, decided, contact = profiles.profile(conn, person_id)
    given, family = stored_parts(conn, person_id)
    facts = [
        Affiliation(affiliation, year, source, key, month)
        for affiliation, year, month, source, key in profiles.affiliation_history(conn, person_id)
    ]
    return PersonProfile(
        summaries(conn, [person_id])[0], given, family, preferred, decided, contact, facts
    )


def stored_parts(conn: sqlite3.Connection, person_id: int) -> tuple[str, str]:
    return name_parts_of(conn, [person_id]).get(person_id, ("", ""))


def change_profile(conn: sqlite3.Connection, person_id: int, change: ProfileChange) -> None:
    """Apply ``author set`` to one person (inside the caller's write transaction)."""
    change.check()
    if change.name is not None:
        _set_name(conn, person_id, _text(change.name, "a name"))
    if change.family is not None:
        _set_family(conn, person_id, _text(change.family, "a family name"))
    if change.affiliation is not None:
        affiliation = _text(change.affiliation, "an affiliation")
        profiles.add_affiliation(conn, person_id, affiliation, change.since)
    if change.contact is not None:
        profiles.set_profile(conn, person_id, "contact", _text(change.contact, "a contact"))
    for item in change.unset:
        _unset(conn, person_id, item)
    rename_to_best(conn, person_id)


def _set_name(conn: sqlite3.Connection, person_id: int, name: str) -> None:
    """The full name the person goes by: shown everywhere a person is named, and a name
    that means them on every later paper."""
    form = name_form(name)
    if not form.tokens:
        raise UsageError(f"{name!r} is not a name")
    others = [p for p in profiles.holders_of_key(conn, form.key) if p != person_id]
    if others:
        holder = summaries(conn, others)[0].name
        raise UsageError(
            f"{name!r} is already a name of {holder}; if they are one person, use"
            " `pubdb author merge` first"
        )
    stored.claim_variant(conn, person_id, name, form.key, form.family_len)
    profiles.set_profile(conn, person_id, "preferred_name", name)


def _set_family(conn: sqlite3.Connection, person_id: int, family: str) -> None:
    """Where the person's family name starts, for names written given-name first."""
    wanted = tuple(fold_key(family).split())
    names = _names_of(conn, person_id)
    if not any(len(name_form(n).tokens) > len(wanted) and _ends_with(n, wanted) for n in names):
        listed = "; ".join(dict.fromkeys(names))
        raise UsageError(
            f"{family!r} is not how any name of this person ends ({listed}):"
            " give the last words of their name"
        )
    profiles.set_profile(conn, person_id, "decided_family", family)
    respell_papers(conn, person_id, wanted)


def _ends_with(name: str, family: tuple[str, ...]) -> bool:
    tokens = name_form(name).tokens
    return tokens[-len(family) :] == family


def _names_of(conn: sqlite3.Connection, person_id: int) -> list[str]:
    preferred = profiles.profile(conn, person_id)[0]
    variants = [name for name, _, _, _ in stored.name_variants(conn, person_id)]
    return [*([preferred] if preferred else []), *variants]


def _unset(conn: sqlite3.Connection, person_id: int, item: str) -> None:
    if item == "name":
        profiles.set_profile(conn, person_id, "preferred_name", None)
    elif item == "family":
        profiles.set_profile(conn, person_id, "decided_family", None)
        forms = [
            name_form(name, None, None)
            for name, _, _, origin in stored.name_variants(conn, person_id)
            if origin != stored.ALIAS  # an alias says nothing of how they write
        ]
        respell_papers(conn, person_id, family_evidence(None, forms))
    elif item == "affiliation":
        profiles.remove_affiliations(conn, person_id)
    elif item == "contact":
        profiles.set_profile(conn, person_id, "contact", None)


def unset_items(items: Iterable[str]) -> tuple[str, ...]:
    return tuple(dict.fromkeys(item.strip().lower() for item in items if item.strip()))


def set_named(conn: sqlite3.Connection, name: str, change: ProfileChange) -> PersonProfile:
    """Decide what the person ``name`` means is called and where they work (in one
    write); every later import, add and refresh respects it. Returns the profile."""
    from ..store.connection import write_transaction
    from .lookup import resolve_query

    change.check()
    person_id = resolve_query(conn, name)
    with write_transaction(conn):
        change_profile(conn, person_id, change)
    return person_profile(conn, person_id)
