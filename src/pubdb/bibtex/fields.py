"""One BibTeX entry's resolved fields as a Publication: the TeX source of every text
field is kept beside its Unicode form, so export gives back what came in."""

from __future__ import annotations

import functools
import re

from ..ids import ArxivId, InvalidIdentifier, normalize_doi, parse_arxiv_id
from ..models import Author, Publication, classify_venue
from ..names import parse_name, split_author_list
from ..tex.decode import tex_to_unicode
from .values import parse_month

TEXT_COLUMNS = ("title", "abstract", "journal", "booktitle", "publisher", "volume", "number",
                "pages", "note")  # fmt: skip


ARXIV_FIELDS = ("eprint", "archiveprefix", "eprinttype", "primaryclass", "eprintclass")


_ARXIV_IN_TEXT = re.compile(
    r"arxiv(?:\s+preprint)?\s*:?\s*(?:abs/)?([a-z-]+(?:\.[A-Z]{2})?/\d{7}|\d{4}\.\d{4,5})(v\d+)?",
    re.IGNORECASE,
)


_ARXIV_URL = re.compile(r"arxiv\.org/(?:abs|pdf)/([^\s?#}]+?)(?:\.pdf)?(?:[?#}]|\s|$)", re.I)


# What the export's link cleaning would change (white space, TeX specials, braces).
_LINK_SPECIALS = re.compile(r"[\s\\^{}]")
_EQUAL_MARK = re.compile(r"\s*(?:\*|\$\^\{?\*\}?\$|\\textsuperscript\{\*\})\s*$")


def publication_from_fields(entry_type: str, values: dict[str, str]) -> Publication:
    """A Publication from one entry's resolved field texts (TeX source). Every field
    comes back on export as written: the columns hold what pubdb reads from it (Unicode
    text, a normalised DOI for matching), ``latex`` the source where it differs, and
    ``fields`` the rest (empty fields included)."""
    empty = {name: value for name, value in values.items() if not value.strip()}
    values = (
        {name: value for name, value in values.items() if name not in empty}
        if empty
        else dict(values)
    )
    p = Publication(entry_type=entry_type, source="bibtex")
    for column in TEXT_COLUMNS:
        source = values.pop(column, None)
        if source is not None and source.strip():
            _set_text(p, column, source.strip())
    _set_year(p, values.pop("year", None))
    _set_month(p, values.pop("month", None))
    _set_doi(p, values.pop("doi", None))
    url = values.pop("url", None)
    if url:
        p.url = " ".join(url.split())
        if _LINK_SPECIALS.search(url):
            p.latex["url"] = url  # as written: export would make it a plain link
    _set_authors(p, values.pop("author", None), values.pop("author+an", None))
    _set_arxiv(p, values)
    p.kind = _kind(entry_type, p)
    _set_affiliations(p, entry_type, values)
    p.status = _status(p, values.get("pubstate", ""))
    p.venue = (
        p.journal
        or p.booktitle
        or _plain(values.get("school"))
        or _plain(values.get("institution"))
    )
    if p.venue and p.kind == "preprint" and _ARXIV_IN_TEXT.search(p.venue or ""):
        p.venue = None
    p.fields = {**values, **p.fields, **empty}  # what _set_* could not read stays a field
    return p


def _plain(source: str | None) -> str | None:
    return tex_to_unicode(source) if source else None


def _set_text(p: Publication, column: str, source: str) -> None:
    setattr(p, column, tex_to_unicode(source))
    p.latex[column] = source  # export gives back what came in, TeX or not


def _set_year(p: Publication, source: str | None) -> None:
    if not source:
        return
    match = re.search(r"\d{4}", tex_to_unicode(source))
    p.year = int(match[0]) if match else None
    if not source.strip().isdigit():
        p.latex["year"] = source
        if p.year is None:
            p.fields["year"] = source


def _set_month(p: Publication, source: str | None) -> None:
    if not source:
        return
    p.month = parse_month(tex_to_unicode(source))
    p.latex["month"] = source  # as written: {aug} is not aug (which a style spells out)


def _set_doi(p: Publication, source: str | None) -> None:
    if not source or not source.strip():
        return
    try:
        p.doi = normalize_doi(source)
    except InvalidIdentifier:
        p.fields["doi"] = source
        return
    if p.doi != source or _LINK_SPECIALS.search(source):
        p.latex["doi"] = source  # as written; the column is for matching


def _set_authors(p: Publication, source: str | None, annotation: str | None) -> None:
    if not source:
        return
    p.latex["author"] = source.strip()
    equal = _equal_positions(annotation)
    for written in split_author_list(source):
        if written.lower() == "others":
            continue
        name, given, family, marked = _author_parts(written)
        p.authors.append(
            Author(name, given, family, equal_contribution=marked or len(p.authors) + 1 in equal)
        )
    if annotation:
        p.fields["author+an"] = annotation


@functools.lru_cache(maxsize=65536)
def _author_parts(written: str) -> tuple[str, str, str, bool]:
    """One name as written in TeX: (name, given, family) in Unicode and its equal mark;
    cached, as the same names come back entry after entry."""
    marked = bool(_EQUAL_MARK.search(written))
    written = _EQUAL_MARK.sub("", written)
    name = parse_name(written)
    return (
        tex_to_unicode(written),
        tex_to_unicode(name.given),
        tex_to_unicode(name.family),
        marked,
    )


THESES = frozenset({"phdthesis", "mastersthesis", "thesis"})
REPORTS = frozenset({"techreport", "report"})


def _set_affiliations(p: Publication, entry_type: str, values: dict[str, str]) -> None:
    """Where the authors were: an ``affiliation`` field, the school of a thesis, the
    institution of a report. One place for one author or for all of them (a report's
    institution), one per author when the list says "A and B" as the author list does;
    anything else is not guessed at."""
    if not p.authors:
        return
    source, everyone = values.get("affiliation"), False
    if not (source and source.strip()) and entry_type in THESES:
        source, everyone = values.get("school") or values.get("institution"), True
    if not (source and source.strip()) and entry_type in REPORTS:
        source, everyone = values.get("institution"), True
    if not (source and source.strip()):
        return
    places = [tex_to_unicode(place) for place in split_author_list(source)]
    places = [" ".join(place.split()) for place in places if place.strip()]
    if len(places) == len(p.authors):
        pairs = zip(p.authors, places, strict=True)
    elif len(places) == 1 and (everyone or len(p.authors) == 1):
        pairs = ((author, places[0]) for author in p.authors)
    else:
        return
    for author, place in pairs:
        author.affiliation, author.affiliation_source = place, "bibtex"


def _equal_positions(annotation: str | None) -> set[int]:
    """biblatex data annotations: 'author+an = {1=equal; 3=equal,highlight}'."""
    positions = set()
    for item in (annotation or "").split(";"):
        position, _, labels = item.partition("=")
        if position.strip().isdigit() and "equal" in labels.lower():
            positions.add(int(position.strip()))
    return positions


def arxiv_id_in_fields(values: dict[str, str], p: Publication) -> ArxivId | None:
    """arXiv id from eprint, arxiv/arxivid, an arXiv URL, journal 'arXiv preprint …',
    DBLP's CoRR volume 'abs/…', or an arXiv DOI."""
    prefix = (values.get("archiveprefix") or values.get("eprinttype") or "").lower()
    candidates = []
    if values.get("eprint") and prefix in ("", "arxiv"):
        candidates.append(values["eprint"])
    candidates += [values.get("arxiv"), values.get("arxivid")]
    if p.url and (match := _ARXIV_URL.search(p.url + " ")):
        candidates.append(match[1])
    for text in (p.journal, p.note, values.get("howpublished")):
        if text and (match := _ARXIV_IN_TEXT.search(text)):
            candidates.append(match[1] + (match[2] or ""))
    if p.journal and p.journal.lower() == "corr" and (p.volume or "").startswith("abs/"):
        candidates.append(p.volume[4:])
    if p.doi and p.doi.startswith("10.48550/arxiv."):
        candidates.append(p.doi)
    for candidate in filter(None, candidates):
        try:
            return parse_arxiv_id(candidate)
        except InvalidIdentifier:
            continue
    return None


def _set_arxiv(p: Publication, values: dict[str, str]) -> None:
    arxiv_id = arxiv_id_in_fields(values, p)
    if arxiv_id is None:
        return
    p.arxiv_id, p.arxiv_version = arxiv_id.base, arxiv_id.version
    p.arxiv_primary_category = values.get("primaryclass") or values.get("eprintclass")
    if p.doi and p.doi.startswith("10.48550/arxiv."):
        p.fields["doi"] = p.latex.pop("doi", p.doi)  # the arXiv DOI, as written
        p.doi = None


def _kind(entry_type: str, p: Publication) -> str:
    journal = (p.journal or "").lower()
    if entry_type == "article":
        if "arxiv" in journal or journal in ("corr", "computing research repository"):
            return "preprint"
        return "journal"
    if entry_type in ("inproceedings", "conference", "proceedings"):
        return "workshop" if classify_venue(p.booktitle or "") == "workshop" else "conference"
    if entry_type in ("phdthesis", "mastersthesis", "thesis"):
        return "thesis"
    if entry_type in ("book", "mvbook", "booklet"):
        return "book"
    if entry_type in ("incollection", "inbook", "suppbook", "bookinbook"):
        return "chapter"
    if entry_type in ("misc", "online", "unpublished", "preprint", "electronic") and p.arxiv_id:
        return "preprint"
    return "other"


def _status(p: Publication, pubstate: str) -> str:
    state = pubstate.strip().lower()
    if state in ("submitted", "insubmission", "underreview"):
        return "submitted"
    if state in ("inpress", "forthcoming", "accepted"):
        return "accepted"
    if p.kind == "preprint" or state == "prepublished":
        return "preprint"
    return "published"
