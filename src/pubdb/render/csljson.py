"""CSL-JSON items, the format pandoc, Zotero and citeproc read."""

from __future__ import annotations

import json
from collections.abc import Iterable
from typing import Any

from ..ids import arxiv_url
from ..models import Author, Publication
from .emphasis import EM, plain, styled
from .entries import (
    PREPRINTS,
    Listing,
    clean,
    kind_group,
    note_source,
    person_name,
    safe_url,
    venue_of,
)

CSL_TYPE_OF_KIND = {
    "journal": "article-journal",
    "conference": "paper-conference",
    "workshop": "paper-conference",
    "thesis": "thesis",
    "book": "book",
    "chapter": "chapter",
}
THESIS_GENRES = {"phdthesis": "PhD thesis", "mastersthesis": "Master's thesis"}
CSL_STATUS = {"submitted": "submitted", "accepted": "in press"}


def csl_type(publication: Publication) -> str:
    if kind_group(publication) == PREPRINTS:
        return "article"
    return CSL_TYPE_OF_KIND.get(publication.kind, "article")


def csl_name(author: Author) -> dict[str, str]:
    name = person_name(author)
    if not name.given or not name.family:
        return {"literal": clean(author.name) or name.full}
    fields = {"family": name.family, "given": name.given}
    if name.suffix:
        fields["suffix"] = name.suffix
    return fields


def _place(item: dict[str, Any], publication: Publication, csl: str) -> None:
    """Where the work appeared: container, publisher, or the arXiv number."""
    venue = venue_of(publication)
    publisher = clean(publication.publisher)
    if csl == "article":
        if publication.arxiv_id:
            item["number"] = clean(publication.arxiv_id)
            publisher = publisher or "arXiv"
    elif csl == "thesis":
        publisher = publisher or venue
        if genre := THESIS_GENRES.get(publication.entry_type):
            item["genre"] = genre
    elif csl == "book":
        publisher = publisher or venue
    elif venue:
        item["container-title"] = venue
    if publisher:
        item["publisher"] = publisher
    if csl in ("article-journal", "paper-conference", "chapter"):
        item["volume"] = clean(publication.volume)
        item["issue"] = clean(publication.number)
        item["page"] = clean(publication.pages).replace("--", "-")


def rich_text(tex: str) -> str:
    """TeX emphasis as the HTML-like markup of CSL-JSON rich text (<i>, <b>); pandoc
    reads no character references there, so other text goes as it is."""
    return styled(
        tex, str, lambda text, style: f"<i>{text}</i>" if style == EM else f"<b>{text}</b>"
    )


def csl_item(publication: Publication, item_id: str, *, rich_notes: bool = False) -> dict[str, Any]:
    csl = csl_type(publication)
    item: dict[str, Any] = {"id": item_id, "type": csl, "title": clean(publication.title)}
    if publication.authors:
        item["author"] = [csl_name(author) for author in publication.authors]
    if publication.year:
        parts = [publication.year] + ([publication.month] if publication.month else [])
        item["issued"] = {"date-parts": [parts]}
    _place(item, publication, csl)
    item["DOI"] = clean(publication.doi)
    abstract_page = arxiv_url(clean(publication.arxiv_id)) if publication.arxiv_id else ""
    item["URL"] = safe_url(publication.url) or abstract_page
    note = note_source(publication)
    item["note"] = rich_text(note) if rich_notes else plain(note)
    item["status"] = CSL_STATUS.get(publication.status, "")
    return {key: value for key, value in item.items() if value not in ("", None)}


def unique_ids(publications: list[Publication]) -> list[str]:
    """Citation keys, or stand-ins, unique even case-insensitively (citeproc-py folds)."""
    ids, seen = [], set()
    for index, publication in enumerate(publications, start=1):
        base = clean(publication.citekey) or (
            f"pubdb-{publication.id}" if publication.id is not None else f"item-{index}"
        )
        candidate, suffix = base, 1
        while candidate.lower() in seen:
            suffix += 1
            candidate = f"{base}-{suffix}"
        seen.add(candidate.lower())
        ids.append(candidate)
    return ids


def csl_items(
    publications: Iterable[Publication], *, rich_notes: bool = False
) -> list[dict[str, Any]]:
    """CSL-JSON items; ``rich_notes``: notes keep their emphasis as <i> and <b>."""
    publications = list(publications)
    return [
        csl_item(p, item_id, rich_notes=rich_notes)
        for p, item_id in zip(publications, unique_ids(publications), strict=True)
    ]


def render(listing: Listing) -> str:
    publications = [entry.publication for group in listing.groups for entry in group.entries]
    return json.dumps(csl_items(publications), indent=2, ensure_ascii=False) + "\n"
