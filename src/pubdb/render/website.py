"""Pages for academic websites.

- Hugo (HugoBlox, formerly Wowchemy/Hugo Academic): a publication page is a folder
  with ``index.md`` (front matter read by the theme's publication layout: title,
  authors, author_notes, date, publication_types as CSL types, publication,
  publication_short, abstract, featured, hugoblox.ids {doi, arxiv}, links [{type, url}])
  and ``cite.bib`` (the theme's Cite button).
- al-folio (Jekyll, jekyll-scholar) reads a .bib: ``al_folio_fields`` adds the fields
  its publication layout shows (arxiv, pdf, html, abbr) to those a record already has
  (selected, code, slides, poster, video, preview, ...).

Every value in the front matter is a double-quoted YAML string (JSON's escapes), so no
title or name can end it or add a key.
"""

from __future__ import annotations

import html
import json
import re
from dataclasses import replace

from ..models import Publication
from ..tex.math import display_math
from .csljson import csl_type
from .entries import EXTRA_LINKS, Entry, clean, https, is_selected, venue_of
from .markdown import escape as markdown_escape
from .markdown import note as markdown_note

_ACRONYM = re.compile(r"\(([A-Z][A-Za-z0-9&+-]{1,15})\)\s*$")
_SHORT_VENUE = re.compile(r"^[A-Z][A-Z0-9&+-]{1,15}$")
_FOLDER_UNSAFE = re.compile(r"[^A-Za-z0-9._-]+")


def _quoted(text: str) -> str:
    return json.dumps(text, ensure_ascii=False)


def folder_name(citekey: str) -> str:
    """A folder name from a citation key: letters, digits, '.', '_' and '-' only."""
    name = _FOLDER_UNSAFE.sub("-", clean(citekey)).strip(".-")
    return name or "publication"


def venue_abbreviation(publication: Publication) -> str:
    """'ICML' from 'International Conference on Machine Learning (ICML)', 'ICLR' from
    'ICLR'; 'arXiv' for a preprint without a venue; '' when none is evident."""
    if given := clean(publication.fields.get("abbr")):
        return given
    venue = venue_of(publication)
    match = _ACRONYM.search(venue)
    if match:
        return match[1]
    if _SHORT_VENUE.match(venue):
        return venue
    return "arXiv" if publication.arxiv_id and not venue else ""


def hugo_page(entry: Entry) -> str:
    """index.md of one HugoBlox publication page."""
    p = entry.publication
    lines = ["---", f"title: {_quoted(display_math(entry.title))}", "authors:"]
    lines += [f"  - {_quoted(part.text)}" for part in entry.authors]
    if any(part.equal_contribution for part in entry.authors):
        lines.append("author_notes:")
        lines += [
            f"  - {_quoted('Equal contribution' if part.equal_contribution else '')}"
            for part in entry.authors
        ]
    if p.year:
        lines.append(f'date: "{p.year:04d}-{p.month or 1:02d}-01T00:00:00Z"')
    lines.append(f"publication_types: [{_quoted(csl_type(p))}]")
    lines.append(f"publication: {_quoted(_publication(p))}")
    if abbreviation := venue_abbreviation(p):
        lines.append(f"publication_short: {_quoted(markdown_escape(abbreviation))}")
    if abstract := clean(p.abstract):
        lines.append(f"abstract: {_quoted(html.escape(display_math(abstract), quote=False))}")
    lines.append(f"featured: {'true' if is_selected(p) else 'false'}")
    ids = {"doi": clean(p.doi), "arxiv": clean(p.arxiv_id)}
    if any(ids.values()):
        lines += ["hugoblox:", "  ids:"]
        lines += [f"    {name}: {_quoted(value)}" for name, value in ids.items() if value]
    # arXiv and DOI links come from hugoblox.ids; a record's own web page is a "site"
    links = [
        ("site" if link.kind == "url" else link.kind, link.url)
        for link in entry.links
        if link.kind in ("pdf", "url", *EXTRA_LINKS)
    ]
    if links:
        lines.append("links:")
        for kind, url in links:
            lines += [f"  - type: {kind}", f"    url: {_quoted(url)}"]
    lines.append("---")
    body = " ".join(markdown_note(tex) for tex in entry.notes)
    return "\n".join(lines) + "\n" + (f"\n{body}\n" if body else "")


def _publication(p: Publication) -> str:
    """The venue as HugoBlox shows it (Markdown): '*ICML 2024*', 'In submission'."""
    venue = venue_of(p)
    if p.status == "submitted":
        return "In submission"
    if not venue:
        return "Preprint" if p.kind == "preprint" or p.status == "preprint" else ""
    shown = f"*{markdown_escape(venue)}*"
    return f"{shown} (to appear)" if p.status == "accepted" else shown


def al_folio_fields(publication: Publication) -> Publication:
    """The publication with al-folio's fields added where it lacks them: ``arxiv``
    (its arXiv badge), ``pdf`` (https), ``html`` (the paper's page), ``abbr`` (the
    venue badge). Fields the record has (selected, code, preview, ...) are kept."""
    fields = dict(publication.fields)
    if publication.arxiv_id:
        fields.setdefault("arxiv", publication.arxiv_id)
    if pdf := https(publication.pdf_url):
        fields.setdefault("pdf", pdf)
    url = https(publication.url)
    if url and not re.match(r"https://(www\.)?(arxiv|doi)\.org/", url):
        fields.setdefault("html", url)
    if abbreviation := venue_abbreviation(publication):
        fields.setdefault("abbr", abbreviation)
    return replace(publication, fields=fields)
