"""Which stored publication, if any, is the same paper as an incoming record.

Strong evidence: the same arXiv id or DOI (or, for a re-imported file, the same
citation key with the same title). An identifier is shared by mistake often enough
(a DOI pasted into the wrong entry) that it merges only when the title or the first
author agrees too and the two kinds of work can be one (a preprint can become any;
a thesis is not a journal article); otherwise both records stay and the conflict is
reported. Weak evidence — normalised title + year + first author's family name —
merges only when exactly one candidate fits and nothing contradicts it (a different
DOI, arXiv id, volume, number or pages): tugboat.bib alone has 487 groups of
different items sharing all three. A preprint and its published version match on
title + first author with years at most one apart. Two entries of one file are never
merged: a file's author cites each of its keys.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import TYPE_CHECKING

from ..models import Publication
from ..names import family_core
from ..normalize import fold_key
from ..store.publications import evidence_rows

if TYPE_CHECKING:
    import sqlite3


def title_key(title: str | None) -> str:
    return fold_key(title or "")


def family_key(family: str | None) -> str:
    return fold_key(family_core(family or ""))


def is_preprint(kind: str | None, status: str | None, arxiv_id: str | None) -> bool:
    return kind == "preprint" or (bool(arxiv_id) and status == "preprint")


@dataclass
class Fingerprint:
    pub_id: int
    citekey: str
    arxiv_id: str | None
    doi: str | None
    title: str
    year: int | None
    first_family: str
    volume: str | None
    number: str | None
    pages: str | None
    preprint: bool
    kind: str | None = None
    batch: int | None = None  # index of the file in the current import, None if older

    @classmethod
    def of(cls, publication: Publication, batch: int | None) -> Fingerprint:
        first = publication.authors[0].family if publication.authors else ""
        return cls(
            pub_id=publication.id or 0,
            citekey=publication.citekey,
            arxiv_id=publication.arxiv_id,
            doi=publication.doi,
            title=title_key(publication.title),
            year=publication.year,
            first_family=family_key(first),
            volume=publication.volume,
            number=publication.number,
            pages=publication.pages,
            preprint=is_preprint(publication.kind, publication.status, publication.arxiv_id),
            kind=publication.kind,
            batch=batch,
        )


@dataclass
class Match:
    """A stored record the incoming one matched; ``kept_apart`` says why the two stay
    two records (same file, or an identifier shared by two different works)."""

    fingerprint: Fingerprint
    evidence: str
    kept_apart: str | None = None


# Kinds of work one paper can be published as; a preprint or an unknown kind fits any.
_PUBLISHED_AS = (
    frozenset({"journal", "conference", "workshop", "chapter"}),
    frozenset({"book"}),
    frozenset({"thesis"}),
)


def kinds_fit(a: str | None, b: str | None) -> bool:
    if a == b or a in (None, "preprint", "other") or b in (None, "preprint", "other"):
        return True
    return any(a in group and b in group for group in _PUBLISHED_AS)


def titles_agree(a: str, b: str) -> bool:
    """Folded titles that name one work: equal, one the start of the other (a subtitle
    dropped), or sharing most of their words (a title revised for publication)."""
    if not a or not b:
        return False
    if a == b or a.startswith(b) or b.startswith(a):
        return True
    words_a, words_b = set(a.split()), set(b.split())
    return len(words_a & words_b) >= 0.6 * len(words_a | words_b)


def same_work(a: Fingerprint, b: Fingerprint) -> bool:
    """Two records sharing an identifier that are one work: title or first author
    agree, and their kinds fit."""
    authors_agree = bool(a.first_family) and a.first_family == b.first_family
    return (titles_agree(a.title, b.title) or authors_agree) and kinds_fit(a.kind, b.kind)


def _differ(a: str | None, b: str | None) -> bool:
    if not a or not b or a == b:
        return False
    return fold_key(str(a)) != fold_key(str(b))


def contradicts(a: Fingerprint, b: Fingerprint) -> bool:
    """Two records that cannot be one paper: different DOIs, arXiv ids, volume, number
    or pages."""
    return any(
        _differ(x, y)
        for x, y in (
            (a.doi, b.doi),
            (a.arxiv_id, b.arxiv_id),
            (a.volume, b.volume),
            (a.number, b.number),
            (a.pages, b.pages),
        )
    )


# a title group's members by file of the import (None: stored before), then by year
_TitleGroup = dict[int | None, dict[int | None, list[Fingerprint]]]


def _weak_key(fingerprint: Fingerprint) -> tuple[str, str | None]:
    return fingerprint.title, fingerprint.first_family


class MatchIndex:
    """In-memory look-up of every stored publication by the evidence above."""

    def __init__(self) -> None:
        self.by_key: dict[str, Fingerprint] = {}
        self.by_arxiv: dict[str, Fingerprint] = {}
        self.by_doi: dict[str, Fingerprint] = {}
        # (title key, first author's family key): the weak evidence needs both; within
        # it, by file of the import (None: stored before) and year, so an entry is
        # compared only with members it could be (tugboat.bib has groups of hundreds)
        self.by_title: dict[tuple[str, str | None], _TitleGroup] = {}

    @classmethod
    def load(cls, conn: sqlite3.Connection) -> MatchIndex:
        index = cls()
        for row in evidence_rows(conn):
            index.add(
                Fingerprint(
                    pub_id=row[0],
                    citekey=row[1],
                    arxiv_id=row[2],
                    doi=row[3],
                    title=title_key(row[4]),
                    year=row[5],
                    first_family=family_key(row[11]),
                    volume=row[8],
                    number=row[9],
                    pages=row[10],
                    preprint=is_preprint(row[6], row[7], row[2]),
                    kind=row[6],
                )
            )
        return index

    def add(self, fingerprint: Fingerprint) -> None:
        self.by_key[fingerprint.citekey] = fingerprint
        if fingerprint.arxiv_id:
            self.by_arxiv[fingerprint.arxiv_id] = fingerprint
        if fingerprint.doi:
            self.by_doi[fingerprint.doi] = fingerprint
        if fingerprint.title:
            group = self.by_title.setdefault(_weak_key(fingerprint), {})
            group.setdefault(fingerprint.batch, {}).setdefault(fingerprint.year, []).append(
                fingerprint
            )

    def replace(self, old: Fingerprint, new: Fingerprint) -> None:
        """After a merge: the record now carries the union of both sides' evidence."""
        members = self.by_title.get(_weak_key(old), {}).get(old.batch, {}).get(old.year, [])
        if old.title and old in members:
            members.remove(old)
        new.batch = old.batch if old.batch is not None else new.batch
        self.add(new)

    def find(self, candidate: Fingerprint) -> Match | None:
        batch = candidate.batch
        keyed = self.by_key.get(candidate.citekey)
        if keyed and keyed.title == candidate.title and not contradicts(keyed, candidate):
            return Match(keyed, "citation key")
        for evidence, found in (
            ("arXiv id", self.by_arxiv.get(candidate.arxiv_id or "")),
            ("DOI", self.by_doi.get(candidate.doi or "")),
        ):
            if found is None:
                continue
            if batch is not None and found.batch == batch:
                return Match(found, evidence, f"its {evidence} is that of {found.citekey}, "
                             "an entry of the same file: both kept")  # fmt: skip
            if not same_work(found, candidate):
                return Match(found, evidence, f"its {evidence} is that of {found.citekey}, "
                             "whose title, authors and type differ: kept as its own record, "
                             "check the identifier")  # fmt: skip
            return Match(found, evidence)
        return self._weak_match(candidate, batch)

    def _weak_match(self, candidate: Fingerprint, batch: int | None) -> Match | None:
        if not candidate.title or not candidate.first_family:
            return None
        fits = []
        for other in self._could_be(candidate, batch):
            if self._years_fit(other, candidate) and not contradicts(other, candidate):
                fits.append(other)
                if len(fits) > 1:
                    return None
        if not fits:
            return None
        if fits[0].preprint != candidate.preprint:
            return Match(fits[0], "title and first author (preprint and published version)")
        return Match(fits[0], "title, year and first author")

    def _could_be(self, candidate: Fingerprint, batch: int | None) -> Iterator[Fingerprint]:
        """Members of the candidate's title group from other files, in years that can
        fit (its own; one apart or unknown for a preprint and its published version)."""
        year = candidate.year
        for member_batch, by_year in self.by_title.get(_weak_key(candidate), {}).items():
            if batch is not None and member_batch == batch:
                continue
            if year is None:
                years = list(by_year)
            else:
                years = [y for y in (year, year - 1, year + 1, None) if y in by_year]
            for member_year in years:
                yield from by_year[member_year]

    @staticmethod
    def _years_fit(other: Fingerprint, candidate: Fingerprint) -> bool:
        if other.preprint != candidate.preprint:
            if other.year is None or candidate.year is None:
                return True
            return abs(other.year - candidate.year) <= 1
        return other.year == candidate.year
