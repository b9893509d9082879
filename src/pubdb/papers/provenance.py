"""Where each value of a record came from, by the evidence the record keeps: fields the
user edited are locked; the arXiv entry last fetched is stored; fields read from BibTeX
keep their TeX source. What no evidence settles came with the record itself."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from ..errors import DatabaseError
from ..models import Publication
from ..store.publications import arxiv_entry_xml

if TYPE_CHECKING:
    import sqlite3

    from ..sources.arxiv import ArxivRecord

EDITED = "edited"
SOURCE_NAMES = {"arxiv": "arXiv", "bibtex": "BibTeX", "doi": "doi.org", "manual": "you"}
TEX_FIELD = {"authors": "author"}  # pubdb name -> BibTeX field holding its TeX source


@dataclass
class Provenance:
    """``source``: where the record came from; ``origins``: where each value did
    ('edited' for the values the user set, which are locked)."""

    source: str
    origins: dict[str, str]


def source_name(publication: Publication) -> str:
    return SOURCE_NAMES.get(publication.source, publication.source)


def provenance(conn: sqlite3.Connection, publication: Publication) -> Provenance:
    return Provenance(source_name(publication), field_origins(conn, publication))


def field_origins(conn: sqlite3.Connection, publication: Publication) -> dict[str, str]:
    """{field: 'edited' | 'arXiv' | 'BibTeX' | 'doi.org' | 'you'} for every field with a
    value: its columns, 'authors', and its extra BibTeX fields."""
    arxiv = _stored_arxiv_record(conn, publication)
    from_arxiv = _arxiv_values(arxiv) if arxiv else {}
    values = _values(publication)
    origins = {}
    for name, value in values.items():
        origins[name] = _origin(publication, name, value, from_arxiv)
    if origins.get("venue") == source_name(publication):
        for column in ("journal", "booktitle"):
            if values.get(column) == publication.venue and origins.get(column) != origins["venue"]:
                origins["venue"] = origins[column]  # the venue is read from that field
    return origins


def _values(publication: Publication) -> dict[str, Any]:
    values = {
        name: value
        for name, value in publication.to_dict().items()
        if name not in ("fields", "latex", "locked", "id") and value not in (None, "", [], {})
    }
    values["authors"] = [a.name for a in publication.authors]
    values.update(publication.fields)
    return values


def _origin(publication: Publication, name: str, value: Any, from_arxiv: dict[str, Any]) -> str:
    if name in publication.locked:
        return EDITED
    if name in from_arxiv and from_arxiv[name] == value:
        return "arXiv"
    if TEX_FIELD.get(name, name) in publication.latex or name in publication.fields:
        return "BibTeX"
    return source_name(publication)


def _stored_arxiv_record(conn: sqlite3.Connection, publication: Publication) -> ArxivRecord | None:
    if publication.id is None or not publication.arxiv_id:
        return None
    xml = arxiv_entry_xml(conn, publication.id)
    if xml is None:
        return None
    from ..sources.arxiv import parse_entry_xml

    try:
        return parse_entry_xml(xml)
    except DatabaseError:
        return None  # a damaged entry is evidence of nothing; `pubdb check` reports it


def _arxiv_values(record: ArxivRecord) -> dict[str, Any]:
    from .from_arxiv import arxiv_values

    values = arxiv_values(record)
    values["authors"] = [author.name for author in record.authors]
    if record.journal_ref:
        values["venue"] = record.journal_ref
    return values
