"""How an arXiv record becomes, or updates, a publication: ownership rules in one place.

arXiv owns its own fields (version, dates, categories, comment, journal_ref). Title,
abstract and authors follow arXiv only on records that came from arXiv. Everything else
is filled when empty, never overwritten, and a field the user edited is never touched.
"""

from __future__ import annotations

import re
from typing import Any

from ..ids import arxiv_url
from ..models import Author, Publication, classify_venue, entry_type_for
from ..names import name_form, parse_name
from ..sources.arxiv import ArxivRecord

ARXIV_OWNED = (
    "arxiv_version",
    "arxiv_primary_category",
    "arxiv_categories",
    "arxiv_published",
    "arxiv_updated",
    "arxiv_comment",
    "journal_ref",
    "pdf_url",
)


ARXIV_CONTENT = ("title", "abstract")


FILL_IF_EMPTY = ("arxiv_id", "year", "month", "date", "url", "doi", "abstract")


def _year_in(text: str) -> int | None:
    years = [int(y) for y in re.findall(r"(?<!\d)(?:19|20)\d{2}(?!\d)", text)]
    return years[-1] if years else None


def authors_from_arxiv(record: ArxivRecord) -> list[Author]:
    authors = []
    for written in record.authors:
        name = parse_name(written.name)
        affiliation = "; ".join(written.affiliations) or None
        source = "arxiv" if affiliation else None
        authors.append(
            Author(written.name, name.given, name.family, None, affiliation, False, source)
        )
    return authors


def arxiv_values(record: ArxivRecord) -> dict[str, Any]:
    """Column values an arXiv record provides."""
    published = record.published or ""
    return {
        "title": record.title,
        "abstract": record.abstract or None,
        "year": record.year,
        "month": int(published[5:7]) if published[5:7].isdigit() else None,
        "date": published[:10] or None,
        "doi": record.dois[0].lower() if record.dois else None,
        "arxiv_id": record.id.base,
        "arxiv_version": record.id.version,
        "arxiv_primary_category": record.primary_category,
        "arxiv_categories": list(record.categories),
        "arxiv_published": record.published or None,
        "arxiv_updated": record.updated or None,
        "arxiv_comment": record.comment,
        "journal_ref": record.journal_ref,
        "url": arxiv_url(record.id.base),
        "pdf_url": record.pdf_url,
    }


def publication_from_arxiv(record: ArxivRecord) -> Publication:
    publication = Publication(source="arxiv", kind="preprint", status="preprint")
    for column, value in arxiv_values(record).items():
        setattr(publication, column, value)
    publication.authors = authors_from_arxiv(record)
    _apply_publication_evidence(publication, {})
    publication.entry_type = entry_type_for(publication.kind)
    return publication


def _apply_publication_evidence(publication: Publication, changes: dict[str, Any]) -> None:
    """A DOI or journal_ref on arXiv means the paper is out: status published, venue and
    kind from journal_ref when the user has not set them."""
    doi = changes.get("doi", publication.doi)
    journal_ref = changes.get("journal_ref", publication.journal_ref)
    if not (doi or journal_ref):
        return
    locked = set(publication.locked)
    updates: dict[str, Any] = {}
    if publication.status in ("preprint", "submitted") and "status" not in locked:
        updates["status"] = "published"
    if journal_ref and not publication.venue and "venue" not in locked:
        updates["venue"] = journal_ref
    published_year = _year_in(journal_ref or "")
    if (
        published_year
        and publication.source == "arxiv"
        and "year" not in locked
        and published_year >= (publication.year or 0)
        and published_year != publication.year
    ):
        updates["year"] = published_year
    if journal_ref and publication.kind == "preprint" and "kind" not in locked:
        updates["kind"] = classify_venue(journal_ref)
        if "entry_type" not in locked:
            updates["entry_type"] = entry_type_for(updates["kind"])
    for column, value in updates.items():
        setattr(publication, column, value)
    changes.update(updates)


def arxiv_changes(existing: Publication, record: ArxivRecord) -> dict[str, Any]:
    """The column changes a fresh arXiv record brings to a stored publication."""
    values = arxiv_values(record)
    locked = set(existing.locked)
    changes: dict[str, Any] = {}

    def propose(column: str) -> None:
        if column not in locked and values[column] != getattr(existing, column):
            changes[column] = values[column]

    for column in ARXIV_OWNED:
        propose(column)
    if existing.source == "arxiv":
        for column in ARXIV_CONTENT:
            propose(column)
    for column in FILL_IF_EMPTY:
        if getattr(existing, column) in (None, "") and values[column] not in (None, ""):
            propose(column)
    if "title" in changes:
        existing.latex.pop("title", None)
        existing.expressions.pop("title", None)
        changes["latex"], changes["expressions"] = existing.latex, existing.expressions
    _apply_publication_evidence(existing, changes)
    return changes


def authors_changed(existing: list[Author], incoming: list[Author]) -> bool:
    def signature(authors: list[Author]) -> list[tuple[str, str | None]]:
        return [(a.name, a.affiliation) for a in authors]

    return signature(existing) != signature(incoming)


def carry_author_marks(existing: list[Author], incoming: list[Author]) -> list[Author]:
    """Keep equal-contribution marks and person links of authors whose name is unchanged,
    and the marks of those written differently but the same words ('Samy Jelassi' now
    'Jelassi, Samy'): marks are the user's, arXiv never sends them."""
    by_name = {author.name: author for author in existing}
    by_key = {name_form(author.name).key: author for author in existing}
    for author in incoming:
        previous = by_name.get(author.name)
        if previous:
            author.person_id = previous.person_id
        previous = previous or by_key.get(name_form(author.name).key)
        if previous:
            author.equal_contribution = previous.equal_contribution
    return incoming
