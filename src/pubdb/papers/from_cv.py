"""What a CV line says of a paper, put on its record: venue and kind, year, status,
notes (TeX), equal-contribution marks, and where the family names start when the CV
writes them initials first ('Y. Attia El Hili'). A new record takes all of it; a
record already in the library takes only what it lacks, never a field the user edited.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from ..models import Author, Publication, classify_venue, entry_type_for
from ..names import is_initial, parse_name, split_words
from ..normalize import fold_key
from ..people.resolution import author_form, open_split, split_at_family
from ..tex.decode import tex_to_unicode
from .cv_entries import CvAuthor, CvEntry
from .editing import PUBSTATE
from .title_match import author_fits

STATUS_RANK = {"preprint": 0, "submitted": 1, "accepted": 2, "published": 3}


def apply_entry(publication: Publication, entry: CvEntry) -> bool:
    """Shape a new record (fetched from arXiv) by its CV line. When the line names the
    same authors as arXiv, one by one, they are written as the CV writes them (so the
    list exported again reads like the CV), keep arXiv's affiliations, and are locked
    against refresh; returns whether that happened."""
    if entry.year and entry.year != publication.year:
        # The CV's year (a venue's, not the preprint's): arXiv's month and day belong to
        # another year, and refresh must not bring them back.
        publication.year = entry.year
        publication.month = publication.date = None
        publication.locked = sorted({*publication.locked, "year", "month", "date"})
    if entry.venue:
        publication.venue = entry.venue
        publication.kind = entry.kind or classify_venue(entry.venue)
        publication.entry_type = entry_type_for(publication.kind)
    if entry.status:
        set_status(publication, entry.status)
    if entry.note:
        publication.latex["note"] = entry.note
        publication.note = tex_to_unicode(entry.note)
    written = as_the_cv_writes(publication.authors, entry.authors)
    if written is None:
        mark_authors(publication.authors, entry.authors)
        return False
    publication.authors = written
    publication.locked = sorted({*publication.locked, "authors"})
    return True


def as_the_cv_writes(fetched: Sequence[Author], written: Sequence[CvAuthor]) -> list[Author] | None:
    """The authors written as the CV writes them ('O. Zekri', 'Y. Attia El Hili'), with
    their equal-contribution stars and the affiliations fetched; None unless the CV
    names the same people in the same order."""
    if not written or len(written) != len(fetched):
        return None
    if not all(author_fits(w.name, a.name) for a, w in zip(fetched, written, strict=True)):
        return None
    authors = []
    for author, cv_author in zip(fetched, written, strict=True):
        name = parse_name(cv_author.name)
        authors.append(
            Author(
                cv_author.name,
                name.given,
                name.family,
                None,
                author.affiliation,
                cv_author.equal_contribution,
                author.affiliation_source,
            )
        )
    return authors


def set_status(publication: Publication, status: str) -> None:
    """The status, and BibTeX's ``pubstate`` that says it, as `pubdb edit` sets them."""
    publication.status = status
    if state := PUBSTATE.get(status):
        publication.fields["pubstate"] = state
    else:
        publication.fields.pop("pubstate", None)


def publication_from_entry(entry: CvEntry) -> Publication:
    """A record made from the line alone (no arXiv match), marked by its source."""
    kind = entry.kind or ("preprint" if entry.status in ("submitted", "preprint") else "other")
    title = tex_to_unicode(entry.title)
    publication = Publication(
        source="cv", kind=kind, entry_type=entry_type_for(kind), title=title, year=entry.year,
        venue=entry.venue,
    )  # fmt: skip
    set_status(publication, entry.status or ("preprint" if kind == "preprint" else "published"))
    if title != entry.title:
        publication.latex["title"] = entry.title
    if entry.note:
        publication.latex["note"] = entry.note
        publication.note = tex_to_unicode(entry.note)
    for written in entry.authors:
        name = parse_name(written.name)
        author = Author(written.name, name.given, name.family)
        author.equal_contribution = written.equal_contribution
        publication.authors.append(author)
    return publication


def missing_from(existing: Publication, entry: CvEntry) -> dict[str, Any]:
    """The column changes that give a stored record what its CV line adds: a venue (and
    its kind and year) where it has none, a later status, a note where it has none.
    Fields the user edited are left alone."""
    locked = set(existing.locked)
    changes: dict[str, Any] = {}

    def fill(column: str, value: Any) -> None:
        if column not in locked and value not in (None, "") and value != getattr(existing, column):
            changes[column] = value

    placed = existing.venue or existing.journal or existing.booktitle
    if entry.venue and not placed and "venue" not in locked:
        fill("venue", entry.venue)
        if existing.kind in ("preprint", "other"):
            fill("kind", entry.kind or classify_venue(entry.venue))
            fill("entry_type", entry_type_for(changes.get("kind", existing.kind)))
        if entry.year and entry.year != existing.year:
            fill("year", entry.year)
    if entry.status and STATUS_RANK.get(entry.status, 0) > STATUS_RANK.get(existing.status, 0):
        fill("status", entry.status)
        if "status" in changes:
            shaped = Publication(fields=dict(existing.fields))
            set_status(shaped, entry.status)
            changes["fields"] = shaped.fields
    if entry.note and not existing.note and "note" not in locked:
        changes["note"] = tex_to_unicode(entry.note)
        changes["latex"] = {**existing.latex, "note": entry.note}
    return changes


def mark_authors(authors: Sequence[Author], written: Sequence[CvAuthor]) -> list[str]:
    """Equal-contribution stars and family names from the CV onto the record's authors,
    each CV name paired with the author it fits. Returns the names newly marked."""
    marked = []
    for author, cv_author in pair_authors(authors, written):
        if cv_author.equal_contribution and not author.equal_contribution:
            author.equal_contribution = True
            marked.append(author.name)
        family = stated_family(cv_author.name)
        if family and open_split(author.name, author_form(author)):
            split = split_at_family(author.name, family)
            if split:
                author.given, author.family = split
    return marked


def pair_authors(
    authors: Sequence[Author], written: Sequence[CvAuthor]
) -> list[tuple[Author, CvAuthor]]:
    """Each CV name with the record's author it is: by position when both lists agree
    name by name, else the first unpaired author whose name it fits."""
    if len(authors) == len(written) and all(
        author_fits(w.name, a.name) for a, w in zip(authors, written, strict=True)
    ):
        return list(zip(authors, written, strict=True))
    pairs, taken = [], set()
    for cv_author in written:
        for index, author in enumerate(authors):
            if index not in taken and author_fits(cv_author.name, author.name):
                pairs.append((author, cv_author))
                taken.add(index)
                break
    return pairs


def stated_family(written: str) -> tuple[str, ...] | None:
    """The folded family name a CV's writing states: after initials ('Y. Attia El Hili')
    or before a comma ('Attia El Hili, Y.'); None when the writing leaves it open."""
    words = split_words(written)
    if "," not in written and not (len(words) > 1 and is_initial(words[0])):
        return None
    return tuple(fold_key(parse_name(written).family).split()) or None
