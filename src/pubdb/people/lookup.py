"""Names typed by the user: which person they stand for, with suggestions when none."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING

from ..errors import UsageError
from ..names import name_form
from ..normalize import plural
from ..store import people as stored
from ..store import profiles
from .resolution import PersonResolver

if TYPE_CHECKING:
    import sqlite3


@dataclass
class PersonSummary:
    id: int
    name: str
    papers: int
    variants: list[str]
    ambiguous: bool = False


def summaries(conn: sqlite3.Connection, ids: Iterable[int] | None = None) -> list[PersonSummary]:
    """People with paper counts and name variants, most papers first."""
    people = [
        PersonSummary(pid, name, papers, variants, ambiguous)
        for pid, name, ambiguous, papers, variants in stored.summary_rows(conn, ids)
    ]
    return sorted(people, key=lambda p: (-p.papers, p.name.lower()))


def matching_people(conn: sqlite3.Connection, query: str) -> list[PersonSummary]:
    """People a typed name could mean: an exact variant wins; otherwise everyone whose
    known names are all compatible with it (ambiguous holders only if nobody else), and
    for one word that is nobody's whole name, or when that finds nobody, everyone with
    the words anywhere in a name ('Attia' finds Y. Attia El Hili, 'Samy' Samy Jelassi)."""
    form = name_form(query)
    if not form.tokens:
        return []
    if not form.abbreviated and (holder := stored.sole_holder(conn, form.key)) is not None:
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
    found = [p for p in fits if not p.ambiguous] or fits
    exact = any(p.has_key(form.key) for p in found)
    if (len(form.tokens) == 1 and not exact) or not found:
        found += [p for p in _with_words(resolver, form.tokens, found) if not p.ambiguous]
    return summaries(conn, [p.id for p in found])


def _with_words(resolver: PersonResolver, words: tuple[str, ...], known: list) -> list:
    """People (not in ``known``) with a name containing ``words`` in a row, an initial
    standing for a word ('Youssef Attia' ~ 'Y. Attia El Hili')."""
    full = [word for word in words if len(word) > 1]
    if not full:
        return []
    seen = {p.id for p in known}
    found = []
    for person_id in profiles.people_with_token(resolver.conn, max(full, key=len)):
        person = resolver.person(person_id)
        if person_id not in seen and any(_has_run(v.form.tokens, words) for v in person.variants):
            found.append(person)
    return found


def _has_run(tokens: tuple[str, ...], words: tuple[str, ...]) -> bool:
    size = len(words)
    return any(
        all(_word_fits(w, t) for w, t in zip(words, tokens[start : start + size], strict=True))
        for start in range(len(tokens) - size + 1)
    )


def _word_fits(word: str, token: str) -> bool:
    return word == token or ((len(word) == 1 or len(token) == 1) and word[0] == token[0])


def find_people(conn: sqlite3.Connection, query: str) -> list[PersonSummary]:
    """Everyone a typed name could mean (``authors QUERY``); UsageError with the closest
    names when nobody."""
    if not query.strip():
        raise UsageError("an author name is needed")
    matches = matching_people(conn, query)
    if not matches:
        raise UsageError(f"no author matches {query!r}{_suggestions(conn, query)}")
    return matches


def resolve_query(conn: sqlite3.Connection, query: str) -> int:
    """The one person a name typed by the user stands for; UsageError when it fits
    several (listed) or none (closest names suggested)."""
    matches = find_people(conn, query)
    if len(matches) == 1:
        return matches[0].id
    listed = "; ".join(f"{p.name} ({plural(p.papers, 'paper')})" for p in matches)
    raise UsageError(
        f"author {query!r} is ambiguous: {listed}; give a fuller name"
        " (or decide with `pubdb author merge/alias`)"
    )


def resolve_distinct(conn: sqlite3.Connection, queries: Iterable[str], purpose: str) -> list[int]:
    """One person per name, all different: two names of one person are a UsageError
    that says so ('Zekri' and 'zekri' both name O. Zekri)."""
    chosen: dict[int, str] = {}
    for query in queries:
        person_id = resolve_query(conn, query)
        if person_id in chosen:
            name = summaries(conn, [person_id])[0].name
            raise UsageError(f"{chosen[person_id]!r} and {query!r} both name {name}: {purpose}")
        chosen[person_id] = query
    return list(chosen)


def _suggestions(conn: sqlite3.Connection, query: str) -> str:
    """'; did you mean O. Zekri?': people whose family name is close to a word of the
    query ('Zerki', 'Gauld'), best first by how close a name of theirs is to the whole
    query ('Ousama Zekri' -> Oussama Zekri), named as listings name them. Family names
    are compared first, read from their index: a scan of every name would take seconds
    in a large library."""
    import difflib

    from ..normalize import fold_key

    wanted = name_form(query).key or fold_key(query)
    words = {word for word in wanted.split() if len(word) > 1}
    lasts = profiles.last_keys(conn)
    close: set[str] = set()
    for word in words:
        near = [last for last in lasts if abs(len(last) - len(word)) <= 3]
        close.update(difflib.get_close_matches(word, near, n=6, cutoff=0.6))
    scores: dict[int, float] = {}
    resolver = PersonResolver(conn)
    for last in close:
        for person in resolver.candidates(last):
            for variant in person.variants:
                for key in (variant.form.key, fold_key(variant.name), last):
                    ratio = difflib.SequenceMatcher(None, wanted, key).ratio()
                    scores[person.id] = max(scores.get(person.id, 0.0), ratio)
    best = sorted((p for p in scores if scores[p] >= 0.6), key=lambda p: (-scores[p], p))[:3]
    names = {p.id: p.name for p in summaries(conn, best)}
    listed = list(dict.fromkeys(names[p] for p in best if p in names))
    return f"; did you mean {', '.join(listed)}?" if listed else ""
