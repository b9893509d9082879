"""BibTeX export: entries that bibtex, biber, bibtexparser and pybtex all read."""

from __future__ import annotations

import re
from collections.abc import Iterable
from functools import lru_cache
from typing import TextIO

from ..models import Author, Publication
from ..normalize import strip_control
from ..tex.defuse import defuse_source
from ..tex.encode import protect_capitals, to_latex
from .values import MONTH_MACROS

_GROUP_AUTHOR = re.compile(
    r"\b(collaboration|consortium|team|group|committee|society|association|project)\b",
    re.IGNORECASE,
)
_VERBATIM_FIELDS = ("doi", "url", "eprint")
# Field order in the written entry; anything else follows in stored order.
_ORDER = (
    "author", "editor", "title", "journal", "booktitle", "school", "institution", "year",
    "month", "volume", "number", "pages", "publisher", "address", "edition", "series",
    "howpublished", "doi", "eprint", "archiveprefix", "primaryclass", "url", "note",
    "abstract",
)  # fmt: skip


def bibtex_name(author: Author) -> str:
    """'Family, Given' with TeX for accents: 'Boull{\\'e}, Nicolas'."""
    if _GROUP_AUTHOR.search(author.name) and not author.given:
        return "{" + to_latex(author.name) + "}"
    family, given = to_latex(author.family), to_latex(author.given)
    if not family:
        return "{" + to_latex(author.name) + "}"
    if re.search(r"\band\b", family, re.IGNORECASE):
        family = "{" + family + "}"
    return f"{family}, {given}" if given else family


ANNOTATION = "author+an"


def author_annotation(publication: Publication) -> str | None:
    """biblatex's ``author+an``: 'equal' on each author marked equal contribution (the
    marks as they are now, edited or fetched), other labels of an imported annotation
    kept: '1=equal,highlight; 4=equal'."""
    labels: dict[int, list[str]] = {}
    for item in (publication.fields.get(ANNOTATION) or "").split(";"):
        position, _, names = item.partition("=")
        if position.strip().isdigit():
            kept = [n.strip() for n in names.split(",") if n.strip() and n.strip() != "equal"]
            labels.setdefault(int(position.strip()), []).extend(kept)
    for position, author in enumerate(publication.authors, 1):
        if author.equal_contribution:
            labels.setdefault(position, []).insert(0, "equal")
    items = [f"{pos}={','.join(names)}" for pos, names in sorted(labels.items()) if names]
    return "; ".join(items) or None


def _verbatim(value: str) -> str:
    """URLs and DOIs go out as written, with braces kept balanced and no line breaks;
    a backslash or ``^^`` (which TeX reads as a command when a style prints the link
    through a plain macro) is percent-encoded, as a URL writes it anyway."""
    value = "".join(strip_control(value).split())
    if "\\" in value or "^^" in value:
        value = value.replace("\\", "%5C").replace("^", "%5E")
    if ("{" in value or "}" in value) and not _balanced(value):
        value = value.replace("{", "%7B").replace("}", "%7D")
    return value


def _balanced(value: str) -> bool:
    depth = 0
    for char in value:
        depth += {"{": 1, "}": -1}.get(char, 0)
        if depth < 0:
            return False
    return depth == 0


@lru_cache(maxsize=65536)
def _as_written(source: str) -> str:
    """Imported TeX less control and invisible format characters (pdflatex stops at
    them), line breaks and tabs kept, with anything that could read files or run programs
    printed as text (``defuse_source``)."""
    return defuse_source(strip_control(source, keep_line_breaks=True))


def _source(publication: Publication, name: str) -> str | None:
    """The field's TeX as imported, made harmless (``_as_written``)."""
    source = publication.latex.get(name)
    return _as_written(source) if source else None


def _text(publication: Publication, name: str, value: str | None) -> str | None:
    if value in (None, ""):
        return None
    return _source(publication, name) or to_latex(str(value))


def entry_fields(publication: Publication) -> dict[str, str]:
    """BibTeX field name -> value (already TeX), for one publication."""
    p = publication
    fields: dict[str, str | None] = {}
    if p.authors:
        fields["author"] = _source(p, "author") or " and ".join(
            bibtex_name(author) for author in p.authors
        )
    fields[ANNOTATION] = author_annotation(p)
    fields["title"] = _source(p, "title") or (protect_capitals(to_latex(p.title)) or None)
    venue_field = {"article": "journal", "inproceedings": "booktitle"}.get(p.entry_type)
    fields["journal"] = _text(
        p, "journal", p.journal or (p.venue if venue_field == "journal" else None)
    )
    fields["booktitle"] = _text(
        p, "booktitle", p.booktitle or (p.venue if venue_field == "booktitle" else None)
    )
    fields["year"] = _source(p, "year") or (str(p.year) if p.year else None)
    for name in ("volume", "number", "pages", "publisher"):
        fields[name] = _text(p, name, getattr(p, name))
    if p.arxiv_id:
        fields["eprint"] = p.arxiv_id
        fields["archiveprefix"] = "arXiv"
        fields["primaryclass"] = p.arxiv_primary_category
        if p.entry_type == "misc" and not (p.journal or "howpublished" in p.fields):
            fields["howpublished"] = f"arXiv preprint arXiv:{p.arxiv_id}"
    fields["doi"] = p.doi
    fields["url"] = p.url
    fields["note"] = _text(p, "note", p.note)
    fields["abstract"] = _text(p, "abstract", p.abstract)
    for name, value in p.fields.items():
        if fields.get(name.lower()) in (None, "") and name.lower() != ANNOTATION:
            verbatim = name.lower() in _VERBATIM_FIELDS
            fields[name.lower()] = value if verbatim else _as_written(value)
    written = {}
    for name, value in fields.items():
        if value in (None, ""):
            continue
        written[name] = _verbatim(value) if name in _VERBATIM_FIELDS else value
    return written


def _ordered(fields: dict[str, str]) -> list[tuple[str, str]]:
    last = len(_RANK)
    return sorted(fields.items(), key=lambda item: _RANK.get(item[0], last))


_RANK = {name: index for index, name in enumerate(_ORDER)}


def format_entry(publication: Publication) -> str:
    fields = entry_fields(publication)
    lines = [f"@{publication.entry_type or 'misc'}{{{publication.citekey},"]
    for name, value in _ordered(fields):
        lines.append(f"  {name} = {{{value}}},")
    if publication.month and 1 <= publication.month <= 12:
        lines.insert(_month_position(lines), f"  month = {MONTH_MACROS[publication.month - 1]},")
    lines.append("}")
    return "\n".join(lines)


def _month_position(lines: list[str]) -> int:
    for index, line in enumerate(lines):
        if line.startswith("  year = "):
            return index + 1
    return len(lines)


def write_bibtex(publications: Iterable[Publication], out: TextIO) -> int:
    """Write entries separated by blank lines; returns how many were written."""
    count = 0
    for publication in publications:
        if count:
            out.write("\n")
        out.write(format_entry(publication))
        out.write("\n")
        count += 1
    return count
