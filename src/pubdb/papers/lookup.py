"""Finding the publication a user means: by citation key (also a key a merge absorbed),
arXiv id (any form) or DOI."""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING

from ..errors import InvalidIdentifier, RecordNotFound, UsageError
from ..ids import arxiv_id_from_doi, is_doi, normalize_doi, parse_arxiv_id
from ..models import Publication
from ..store.publications import find_by_former_key, find_id, get_publication

if TYPE_CHECKING:
    import sqlite3


def find_publication_id(conn: sqlite3.Connection, reference: str) -> int | None:
    pub_id = find_id(conn, "citekey", reference)
    if pub_id is not None:
        return pub_id
    if is_doi(reference):
        doi = normalize_doi(reference)
        arxiv_id = arxiv_id_from_doi(doi)
        if arxiv_id is None:
            return find_id(conn, "doi", doi)
        return find_id(conn, "arxiv_id", arxiv_id.base)
    try:
        arxiv_id = parse_arxiv_id(reference)
    except InvalidIdentifier:
        return find_by_former_key(conn, reference)  # a key a merge absorbed
    return find_id(conn, "arxiv_id", arxiv_id.base)


def get_by_reference(conn: sqlite3.Connection, reference: str) -> Publication:
    """The publication named, or RecordNotFound."""
    pub_id = find_publication_id(conn, reference.strip())
    if pub_id is None:
        raise RecordNotFound(f"no publication matches {reference.strip()!r}")
    publication = get_publication(conn, pub_id)
    assert publication is not None
    return publication


def get_each(conn: sqlite3.Connection, references: Iterable[str]) -> list[Publication]:
    """The publications named, each once however often (or however) it was named."""
    found: dict[int, Publication] = {}
    for reference in references:
        publication = get_by_reference(conn, reference)
        found.setdefault(publication.id, publication)
    return list(found.values())


def owned_elsewhere(conn: sqlite3.Connection, column: str, value: str, pub_id: int | None) -> bool:
    """Whether another record than ``pub_id`` holds this citation key, DOI or arXiv id."""
    owner = find_id(conn, column, value)
    return owner is not None and owner != pub_id


def search(conn: sqlite3.Connection, query: str, limit: int | None = None) -> list[Publication]:
    """Full-text search, best match first: words anywhere ('nunez' finds Núñez, 'C++'
    and 'μP' are words), "a phrase", author:, title:, venue:, abstract:, key: and
    year: (2024, 2023..2025) prefixes, a bare year, -word to exclude. An author: term
    also finds the papers of the people that name means."""
    from ..people.lookup import matching_people
    from ..store.publications import publications_by_id
    from ..store.search import search_ids
    from ..store.search_query import parse_query

    parsed = parse_query(query)
    if parsed.empty:
        shown = query if len(query) <= 100 else query[:99] + "…"
        raise UsageError(f"nothing to search for in {shown!r}: give a word, a name or a year")
    for term in parsed.author_terms:
        parsed.people[term.text] = tuple(p.id for p in matching_people(conn, term.text))
    ids = search_ids(conn, parsed, limit)
    found = publications_by_id(conn, ids)
    return [found[pub_id] for pub_id in ids if pub_id in found]
