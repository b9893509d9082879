"""What every output format shares: groups, their order, and the parts of one entry.

Formats receive a ``Listing`` of ``Group``s of ``Entry``s whose texts are clean data
(no control or bidi characters) and escape them for their own syntax.
"""

from __future__ import annotations

import functools
import itertools
import re
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING
from urllib.parse import quote

from ..errors import UsageError
from ..ids import arxiv_url
from ..models import Author, Publication
from ..names import PersonName, forms_compatible, name_form, parse_name
from ..normalize import collapse_whitespace, strip_control

if TYPE_CHECKING:
    from . import ListOptions

PREPRINTS = "Preprints"
DEFAULT_ORDER = (
    PREPRINTS,
    "Journal papers",
    "Conference papers",
    "Workshop papers",
    "Theses",
    "Books and chapters",
    "Other",
)
GROUP_OF_KIND = {
    "preprint": PREPRINTS,
    "journal": "Journal papers",
    "conference": "Conference papers",
    "workshop": "Workshop papers",
    "thesis": "Theses",
    "book": "Books and chapters",
    "chapter": "Books and chapters",
    "other": "Other",
}
UNDATED = "Undated"
SENTENCE_ENDS = (".", "?", "!")
_URL_SAFE = "/:?=&#;,+@!$*-._~%"


@dataclass(frozen=True)
class NamePart:
    text: str
    highlighted: bool = False
    equal_contribution: bool = False


@dataclass(frozen=True)
class Link:
    kind: str  # arxiv, doi, pdf, url, or one of EXTRA_LINKS
    label: str
    url: str


# Links people add to a record (BibTeX fields of these names), shown after the paper's own.
EXTRA_LINKS = {
    "code": "Code",
    "slides": "Slides",
    "video": "Video",
    "poster": "Poster",
    "project": "Project page",
}
SELECTED_VALUES = frozenset({"true", "yes", "1"})


@dataclass
class Entry:
    publication: Publication
    authors: list[NamePart]
    title: str
    venue: str
    notes: list[str]  # TeX: rendered by render.emphasis (\emph, \textbf, ...)
    links: list[Link]
    number: int | None = None


@dataclass
class Group:
    title: str | None
    entries: Iterable[Entry]  # built as they are read: iterate once


@dataclass
class Listing:
    """A list read once, group by group: ``groups`` and their entries are built as the
    format consumes them, so memory stays flat in the library's size.
    ``has_equal_contribution`` is known once every entry has been read."""

    heading: str | None
    groups: Iterable[Group]
    numbered: bool = False
    fragment: bool = False
    has_equal_contribution: bool = False


def clean(text: str | None) -> str:
    """Data text safe in any format: no control or bidi characters, single spaces."""
    if not text:
        return ""
    if text.isprintable() and "  " not in text and text == text.strip():
        return text  # nothing to do, decided in C
    return collapse_whitespace(strip_control(text))


def ends_sentence(text: str) -> bool:
    return text.rstrip().endswith(SENTENCE_ENDS)


def join_sentences(pieces: Iterable[tuple[str, str]]) -> str:
    """Rendered pieces as sentences; whether a period is due is decided on the raw text,
    so markup at the end of a piece never hides a '?' or '.'."""
    return " ".join(
        rendered if ends_sentence(raw) else rendered + "." for raw, rendered in pieces if raw
    )


# Grouping and order


def kind_group(publication: Publication) -> str:
    unplaced = publication.status in ("submitted", "preprint") and not venue_of(publication)
    if publication.kind == "preprint" or unplaced:
        return PREPRINTS
    return GROUP_OF_KIND.get(publication.kind, "Other")


def year_group(publication: Publication) -> str:
    return str(publication.year) if publication.year else UNDATED


def newest_first(publications: Iterable[Publication]) -> list[Publication]:
    """Year, then month, descending; undated last; input order breaks ties."""
    return sorted(
        publications,
        key=lambda p: (p.year is None, -(p.year or 0), -(p.month or 0)),
    )


def group_order(order: Sequence[str] | None) -> list[str]:
    """Group titles in display order: the ones asked for (a title or a kind, any case),
    then the remaining default groups, so no publication is left out."""
    if not order:
        return list(DEFAULT_ORDER)
    by_name = {title.lower(): title for title in DEFAULT_ORDER}
    by_name.update(GROUP_OF_KIND)
    chosen = []
    for name in order:
        title = by_name.get(name.strip().lower())
        if title is None:
            known = ", ".join(DEFAULT_ORDER)
            raise UsageError(f"unknown group {name!r}; groups are: {known}")
        if title not in chosen:
            chosen.append(title)
    return chosen + [title for title in DEFAULT_ORDER if title not in chosen]


def kind_ranks(order: Sequence[str] | None) -> dict[str, int]:
    """Each kind's section rank for the store's list order ('unplaced': submitted and
    preprint records without a venue, 'other': any other kind)."""
    rank = {title: index for index, title in enumerate(group_order(order))}
    ranks = {kind: rank[title] for kind, title in GROUP_OF_KIND.items()}
    return {**ranks, "unplaced": rank[PREPRINTS], "other": rank["Other"]}


def grouped(
    publications: Iterable[Publication], group_by: str, order: Sequence[str] | None
) -> list[tuple[str | None, list[Publication]]]:
    ordered = newest_first(publications)
    if group_by == "none":
        return [(None, ordered)] if ordered else []
    if group_by == "year":
        titles = list(dict.fromkeys(year_group(p) for p in ordered))
        return [(title, [p for p in ordered if year_group(p) == title]) for title in titles]
    if group_by == "kind":
        groups = [
            (title, [p for p in ordered if kind_group(p) == title]) for title in group_order(order)
        ]
        return [(title, members) for title, members in groups if members]
    raise UsageError(f"unknown grouping {group_by!r}; use kind, year or none")


# One entry


def person_name(author: Author) -> PersonName:
    return _person_name(author.name, author.given, author.family)


@functools.lru_cache(maxsize=65536)
def _person_name(name: str, given: str, family: str) -> PersonName:
    """The stored split (which knows 'Youssef' / 'Attia El Hili' where the written name
    alone cannot), with the suffix the written name carries; parsed once per distinct
    name, as a long list repeats its authors."""
    parsed = parse_name(clean(name)) if name.strip() else PersonName("", "")
    if family.strip():
        return PersonName(clean(given), clean(family), parsed.suffix)
    return parsed if name.strip() else PersonName(clean(given), "")


def display_name(author: Author, style: str, full_names: dict[int, str]) -> str:
    if style == "full":
        known = full_names.get(author.person_id) if author.person_id is not None else None
        return clean(known) if known else person_name(author).full
    return _styled_name(author.name, author.given, author.family, style)


@functools.lru_cache(maxsize=65536)
def _styled_name(name: str, given: str, family: str, style: str) -> str:
    if style == "initials":
        return _person_name(name, given, family).initials
    if style == "as-written":
        written = clean(name)
        return _person_name(name, given, family).full if "," in written or not written else written
    raise UsageError(f"unknown name style {style!r}; use as-written, initials or full")


def venue_of(publication: Publication) -> str:
    return clean(publication.venue or publication.journal or publication.booktitle)


def venue_text(publication: Publication) -> str:
    """'ICML 2024', 'In submission, 2024', 'Preprint, 2023', 'JMLR 2025 (to appear)'."""
    year = str(publication.year) if publication.year else ""
    venue = venue_of(publication)
    if publication.status == "submitted":
        return _comma_joined("In submission", year)
    if publication.kind == "preprint" or not venue:
        unpublished = publication.kind == "preprint" or publication.status == "preprint"
        return _comma_joined("Preprint" if unpublished else "", year)
    placed = venue if not year or year in venue else f"{venue} {year}"
    return f"{placed} (to appear)" if publication.status == "accepted" else placed


def _comma_joined(*parts: str) -> str:
    return ", ".join(part for part in parts if part)


def safe_url(url: str | None) -> str | None:
    """An http(s) URL with every character that could end or break it percent-encoded,
    or None for other schemes (javascript:, file:, data:)."""
    url = clean(url).replace(" ", "%20")
    if not url.lower().startswith(("https://", "http://")):
        return None
    return quote(url, safe=_URL_SAFE)


_HTTPS_HOSTS = re.compile(r"http://([a-z0-9-]+\.)*(arxiv\.org|doi\.org)/", re.IGNORECASE)


def https(url: str | None) -> str | None:
    """A safe URL, on https for hosts that serve it (arXiv's feed gives http PDF links)."""
    url = safe_url(url)
    if url and url[:7].lower() == "http://" and _HTTPS_HOSTS.match(url):
        return "https://" + url[len("http://") :]
    return url


def links(publication: Publication) -> list[Link]:
    found = []
    if publication.arxiv_id:
        arxiv_id = clean(publication.arxiv_id)
        url = arxiv_url(quote(arxiv_id, safe="/."))
        found.append(Link("arxiv", f"arXiv:{arxiv_id}", url))
    if publication.doi:
        doi = clean(publication.doi)
        found.append(Link("doi", f"doi:{doi}", "https://doi.org/" + quote(doi, safe="/")))
    fields = publication.fields
    pdf = publication.pdf_url or fields.get("pdf")
    if pdf and (pdf := https(pdf)):
        found.append(Link("pdf", "PDF", pdf))
    url = publication.url and https(publication.url)
    if url and not _duplicates_identifier_link(url, found):
        found.append(Link("url", "Web page", url))
    if fields:
        for kind, label in EXTRA_LINKS.items():
            if (extra := fields.get(kind)) and (extra := https(extra)):
                found.append(Link(kind, label, extra))
    return found


def note_source(publication: Publication) -> str:
    """The note as TeX: its imported source, else the text as stored (typed notes are
    TeX too: 'Featured in \\emph{Forbes}')."""
    return clean(publication.latex.get("note") or publication.note)


def is_selected(publication: Publication) -> bool:
    """The record's ``selected`` flag (al-folio's field: selected = {true})."""
    return clean(publication.fields.get("selected")).lower() in SELECTED_VALUES


def _duplicates_identifier_link(url: str, found: list[Link]) -> bool:
    host = url.split("/")[2].lower() if url.count("/") >= 2 else ""
    kinds = {link.kind for link in found}
    return ("arxiv" in kinds and host.endswith("arxiv.org")) or (
        "doi" in kinds and host.endswith("doi.org")
    )


def entry(publication: Publication, options: ListOptions, number: int | None = None) -> Entry:
    highlight = options.highlight or (lambda author: False)
    authors = [
        NamePart(
            display_name(author, options.name_style, options.full_names),
            bool(highlight(author)),
            author.equal_contribution,
        )
        for author in publication.authors
    ]
    return Entry(
        publication=publication,
        authors=authors,
        title=clean(publication.title) or "Untitled",
        venue=venue_text(publication),
        notes=[note] if (note := note_source(publication)) else [],
        links=links(publication),
        number=number,
    )


def build_listing(publications: Iterable[Publication], options: ListOptions) -> Listing:
    """A listing of publications in any order: grouped and sorted here, in memory."""
    return listing_of_groups(grouped(publications, options.group_by, options.order), options)


def listing_of_groups(
    groups: Iterable[tuple[str | None, Iterable[Publication]]], options: ListOptions
) -> Listing:
    """A listing read from groups already in order (lazily: see ``Listing``)."""
    listing = Listing(clean(options.heading) or None, [], options.numbered, options.fragment)
    counter = itertools.count(1)

    def entries_of(members: Iterable[Publication]) -> Iterator[Entry]:
        for publication in members:
            number = next(counter) if options.numbered else None
            built = entry(publication, options, number)
            if not listing.has_equal_contribution and any(
                part.equal_contribution for part in built.authors
            ):
                listing.has_equal_contribution = True
            yield built

    listing.groups = (Group(title, entries_of(members)) for title, members in groups)
    return listing


def sorted_groups(
    publications: Iterable[Publication], group_by: str
) -> Iterator[tuple[str | None, Iterator[Publication]]]:
    """Groups of publications that arrive sorted by group, then newest first (the
    store's list order): consecutive runs of one group title."""
    if group_by == "none":
        stream = iter(publications)
        first = next(stream, None)
        if first is not None:
            yield None, itertools.chain([first], stream)
        return
    key = {"kind": kind_group, "year": year_group}.get(group_by)
    if key is None:
        raise UsageError(f"unknown grouping {group_by!r}; use kind, year or none")
    yield from itertools.groupby(publications, key=key)


def author_matcher(
    names: Iterable[str] = (), person_ids: Iterable[int] = ()
) -> Callable[[Author], bool]:
    """A highlight test: the author is one of ``person_ids``, or their written name fits
    one of ``names`` ('S. Jelassi' fits 'Samy Jelassi' and 'Jelassi, Samy')."""
    ids = set(person_ids)
    forms = [name_form(clean(name)) for name in names if clean(name)]

    def matches(author: Author) -> bool:
        if author.person_id is not None and author.person_id in ids:
            return True
        written = clean(author.name) or person_name(author).full
        form = name_form(written)
        return any(forms_compatible(form, wanted) for wanted in forms)

    return matches


# Math for display formats
