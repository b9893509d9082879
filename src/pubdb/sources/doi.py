"""DOI metadata by content negotiation at doi.org: CSL-JSON (BibTeX as a fallback)."""

from __future__ import annotations

import html
import json
import re
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote

from ..errors import NetworkError
from ..models import Author, Publication, entry_type_for
from ..names import parse_name
from .http import ClientSettings, PoliteClient, Retryable

ACCEPT = "application/vnd.citationstyles.csl+json, application/x-bibtex;q=0.5"
CSL_KINDS = {
    "article-journal": "journal",
    "journal-article": "journal",
    "paper-conference": "conference",
    "proceedings-article": "conference",
    "book": "book",
    "monograph": "book",
    "chapter": "chapter",
    "book-chapter": "chapter",
    "thesis": "thesis",
    "dissertation": "thesis",
    "posted-content": "preprint",
    "article": "preprint",
}
_TAG = re.compile(r"<[^>]+>")
# JATS block elements end a word; a leading "Abstract" heading is not part of the text.
_JATS_BLOCK = re.compile(r"</?(?:jats:)?(?:p|sec|title|list|list-item)\b[^>]*>", re.IGNORECASE)
_JATS_HEADING = re.compile(r"^\s*<(?:jats:)?title>\s*abstract\s*</(?:jats:)?title>", re.IGNORECASE)


def doi_settings() -> ClientSettings:
    return ClientSettings.from_env(prefix="PUBDB_DOI", base_url="https://doi.org", delay=1.0)


@dataclass(frozen=True)
class DoiAnswer:
    """A record from doi.org: CSL-JSON read into a publication, or BibTeX as sent."""

    doi: str
    publication: Publication | None = None
    bibtex: str | None = None


class DoiClient(PoliteClient):
    service = "doi.org"

    def __init__(self, settings: ClientSettings | None = None, **options):
        super().__init__(settings or doi_settings(), **options)

    def fetch(self, doi: str) -> DoiAnswer | None:
        """What doi.org knows of a DOI, or None when it does not know it."""
        url = f"{self.settings.base_url.rstrip('/')}/{quote(doi, safe='/:;()')}"
        return self.with_retries(lambda: self._fetch_once(url, doi))

    def _fetch_once(self, url: str, doi: str) -> DoiAnswer | None:
        response = self.get(url, headers={"Accept": ACCEPT})
        self.raise_for_retry(response)
        if response.status == 404:
            return None
        if response.status != 200:
            raise NetworkError(f"doi.org answered HTTP {response.status} for {doi}")
        content_type = response.headers.get("Content-Type", "")
        if "bibtex" in content_type:
            return DoiAnswer(doi, bibtex=response.body.decode("utf-8", errors="replace"))
        try:
            data = json.loads(response.body)
        except (UnicodeDecodeError, json.JSONDecodeError):
            raise Retryable(
                f"doi.org sent something that is not CSL-JSON for {doi}", once=True
            ) from None
        if not isinstance(data, dict):
            raise NetworkError(f"doi.org sent unexpected JSON for {doi}")
        return DoiAnswer(doi, publication=publication_from_csl(data, doi))


def _plain(value: Any) -> str | None:
    if isinstance(value, list):
        value = value[0] if value else None
    if value in (None, ""):
        return None
    text = _JATS_BLOCK.sub(" ", _JATS_HEADING.sub("", str(value)))
    return " ".join(html.unescape(_TAG.sub("", text)).split()) or None


def _affiliation(item: dict[str, Any]) -> str | None:
    """Crossref's ``affiliation``: a list of {"name": ...} (sometimes plain strings)."""
    names = []
    for place in item.get("affiliation") or []:
        name = place.get("name") if isinstance(place, dict) else place
        if isinstance(name, str) and (text := _plain(name)) and text not in names:
            names.append(text)
    return "; ".join(names) or None


def _authors(items: list[dict[str, Any]]) -> list[Author]:
    authors = []
    for item in items or []:
        if not isinstance(item, dict):
            continue
        affiliation = _affiliation(item)
        source = "doi" if affiliation else None
        if item.get("literal"):
            name = str(item["literal"])
            parsed = parse_name(name)
            authors.append(
                Author(name, parsed.given, parsed.family, None, affiliation, False, source)
            )
            continue
        given, family = str(item.get("given") or ""), str(item.get("family") or "")
        if item.get("non-dropping-particle"):
            family = f"{item['non-dropping-particle']} {family}"
        name = " ".join(part for part in (given, family) if part)
        if item.get("suffix"):
            name += f", {item['suffix']}"
        if name:
            authors.append(Author(name, given, family, None, affiliation, False, source))
    return authors


def _date_parts(data: dict[str, Any]) -> list[int]:
    for key in ("issued", "published-print", "published-online", "created"):
        parts = (data.get(key) or {}).get("date-parts") or [[]]
        if parts and parts[0] and parts[0][0]:
            return _calendar_prefix(parts[0])
    return []


def _calendar_prefix(parts: list[Any]) -> list[int]:
    """The year, month and day that are a real date, as far as they go: [2020, 2, 30]
    keeps 2020-02, [99999, 13, 45] nothing (no such year is stored)."""
    from datetime import date

    kept: list[int] = []
    for part in parts[:3]:
        if not str(part).isdigit():
            break
        candidate = [*kept, int(part)]
        try:
            date(*candidate, *[1] * (3 - len(candidate)))
        except ValueError:
            break
        kept = candidate
    return kept


def publication_from_csl(data: dict[str, Any], doi: str) -> Publication:
    kind = CSL_KINDS.get(str(data.get("type", "")), "other")
    date = _date_parts(data)
    container = _plain(data.get("container-title"))
    p = Publication(
        source="doi", kind=kind, status="preprint" if kind == "preprint" else "published"
    )
    p.entry_type = entry_type_for(kind)
    p.title = _plain(data.get("title")) or ""
    p.authors = _authors(data.get("author") or [])
    p.year = date[0] if date else None
    p.month = date[1] if len(date) > 1 else None
    p.date = "-".join(f"{n:02d}" if i else str(n) for i, n in enumerate(date)) or None
    p.doi = (str(data.get("DOI") or doi)).lower()
    p.url = _plain(data.get("URL"))
    p.volume = _plain(data.get("volume"))
    p.number = _plain(data.get("issue"))
    p.pages = (_plain(data.get("page")) or "").replace("-", "--") or None
    p.publisher = _plain(data.get("publisher"))
    p.abstract = _plain(data.get("abstract"))
    if kind == "journal":
        p.journal = container
    elif kind in ("conference", "workshop", "chapter"):
        p.booktitle = container
    p.venue = container
    return p
