"""BibTeX export: entries that bibtex, biber, bibtexparser and pybtex all read.

Imported fields go out as they were written, @string abbreviations and @preamble blocks
included; only what could act outside the document is printed as text
(``tex.defuse``), and what would stop bibtex or biber is mended (control characters, a
lone ``\\{``, an empty name in a list). Text pubdb got from arXiv or doi.org is not TeX
and goes through the encoder (``tex.encode.to_latex``).
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from functools import lru_cache
from itertools import product
from typing import TYPE_CHECKING, TextIO

from ..models import Author, Publication
from ..names import has_empty_name, without_empty_names
from ..normalize import strip_control
from ..tex.decode import tex_to_unicode
from ..tex.defuse import defuse_source, preamble_part
from ..tex.encode import _matched_braces, protect_capitals, to_latex
from .values import MONTH_MACROS, braces_balance, split_concatenation

if TYPE_CHECKING:
    import sqlite3

_GROUP_AUTHOR = re.compile(
    r"\b(collaboration|consortium|team|group|committee|society|association|project)\b",
    re.IGNORECASE,
)
_VERBATIM_FIELDS = ("doi", "url", "eprint")
_NAME_LISTS = ("author", "editor")
# Field order in the written entry; anything else follows in stored order.
_ORDER = (
    "author", "editor", "title", "journal", "booktitle", "school", "institution", "year",
    "month", "volume", "number", "pages", "publisher", "address", "edition", "series",
    "howpublished", "doi", "eprint", "archiveprefix", "primaryclass", "url", "note",
    "abstract",
)  # fmt: skip
_ARXIV_PREFIX_FIELDS = ("archiveprefix", "eprinttype")
_ARXIV_CLASS_FIELDS = ("primaryclass", "eprintclass")


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
    """URLs and DOIs from a metadata service go out with braces kept balanced and no
    line breaks; a backslash or ``^^`` (which TeX reads as a command when a style
    prints the link through a plain macro) is percent-encoded, as a URL writes it."""
    value = "".join(strip_control(value).split())
    if "\\" in value or "^^" in value:
        value = value.replace("\\", "%5C").replace("^", "%5E")
    if ("{" in value or "}" in value) and not braces_balance(value):
        value = value.replace("{", "%7B").replace("}", "%7D")
    return value


_BRACE_AS_TEXT = {"{": r"{\textbraceleft}", "}": r"{\textbraceright}"}


def balance_braces(tex: str) -> str:
    """TeX whose braces BibTeX counts unbalanced (a lone ``\\{``, which TeX prints as a
    brace and BibTeX counts as one) with each brace that pairs with nothing written
    as text: ``{\\textbraceleft}``."""
    if ("{" not in tex and "}" not in tex) or braces_balance(tex):
        return tex
    matched = _matched_braces(tex, set())
    out, i = [], 0
    while i < len(tex):
        char = tex[i]
        if char == "\\" and tex[i + 1 : i + 2] in ("{", "}"):
            out.append(tex[i : i + 2] if i + 1 in matched else _BRACE_AS_TEXT[tex[i + 1]])
            i += 2
            continue
        if char == "\\":
            out.append(tex[i : i + 2])
            i += 2
            continue
        out.append(_BRACE_AS_TEXT[char] if char in "{}" and i not in matched else char)
        i += 1
    return "".join(out)


@lru_cache(maxsize=65536)
def as_written(source: str) -> str:
    """Imported TeX as written, less control and invisible format characters (pdflatex
    stops at them), line breaks and tabs kept; what could act outside the document
    printed as text (``defuse_source``); braces balanced as BibTeX counts them."""
    return balance_braces(defuse_source(strip_control(source, keep_line_breaks=True)))


@lru_cache(maxsize=65536)
def names_as_written(source: str) -> str:
    """A name list as ``as_written``, less its empty names (which stop bibtex, biber)."""
    return as_written(without_empty_names(source) if has_empty_name(source) else source)


def _source(publication: Publication, name: str) -> str | None:
    """The field's TeX as imported, made harmless (``as_written``)."""
    source = publication.latex.get(name)
    if source is None:
        return None
    return names_as_written(source) if name in _NAME_LISTS else as_written(source)


def _text(publication: Publication, name: str, value: str | None) -> str | None:
    if name in publication.latex:
        return _source(publication, name)  # as imported, even when it reads as nothing
    return None if value in (None, "") else to_latex(str(value))


def _link(publication: Publication, name: str, value: str | None) -> str | None:
    """A DOI or URL: as written when imported, else made safe as a link."""
    if name in publication.latex:
        return _source(publication, name)
    return _verbatim(value) if value else None


def _arxiv_fields(p: Publication, fields: dict[str, str | None]) -> None:
    """eprint fields for an arXiv id, unless the record carries its own as written, or
    is an imported entry that names its id elsewhere (a URL, 'journal = {arXiv:...}'):
    the entry comes back as it came in."""
    if not p.arxiv_id or "eprint" in p.fields:
        return
    imported_only = p.source == "bibtex" and not p.arxiv_published
    written = [*p.latex.values(), *p.fields.values()]
    if imported_only and any(p.arxiv_id in value for value in written):
        return
    fields["eprint"] = p.arxiv_id
    if not any(name in p.fields for name in _ARXIV_PREFIX_FIELDS):
        fields["archiveprefix"] = "arXiv"
    if not any(name in p.fields for name in _ARXIV_CLASS_FIELDS):
        fields["primaryclass"] = p.arxiv_primary_category
    if p.entry_type == "misc" and not (p.journal or "howpublished" in p.fields):
        fields["howpublished"] = f"arXiv preprint arXiv:{p.arxiv_id}"


def _venue_of_its_own(p: Publication) -> str | None:
    """The venue, unless it only repeats a field the entry has (an imported thesis's
    school): written as journal or booktitle, it would add a field to what came in."""
    if not p.venue:
        return None
    for name in ("school", "institution"):
        if p.fields.get(name) and tex_to_unicode(p.fields[name]) == p.venue:
            return None
    return p.venue


def entry_fields(publication: Publication) -> dict[str, str]:
    """BibTeX field name -> value (already TeX), for one publication."""
    p = publication
    fields: dict[str, str | None] = {}
    if p.authors:
        fields["author"] = _source(p, "author") or " and ".join(
            bibtex_name(author) for author in p.authors
        )
    fields[ANNOTATION] = author_annotation(p)
    fields["title"] = _source(p, "title")
    if fields["title"] is None:
        fields["title"] = protect_capitals(to_latex(p.title)) or None
    venue_field = {"article": "journal", "inproceedings": "booktitle"}.get(p.entry_type)
    venue = _venue_of_its_own(p)
    fields["journal"] = _text(
        p, "journal", p.journal or (venue if venue_field == "journal" else None)
    )
    fields["booktitle"] = _text(
        p, "booktitle", p.booktitle or (venue if venue_field == "booktitle" else None)
    )
    fields["year"] = _source(p, "year") or (str(p.year) if p.year else None)
    fields["month"] = _source(p, "month")  # else BibTeX's macro for p.month (format_entry)
    for name in ("volume", "number", "pages", "publisher"):
        fields[name] = _text(p, name, getattr(p, name))
    _arxiv_fields(p, fields)
    fields["doi"] = _link(p, "doi", p.doi)
    fields["url"] = _link(p, "url", p.url)
    fields["note"] = _text(p, "note", p.note)
    fields["abstract"] = _text(p, "abstract", p.abstract)
    for name, value in p.fields.items():
        name = name.lower()
        if fields.get(name) in (None, "") and name != ANNOTATION:
            fields[name] = names_as_written(value) if name in _NAME_LISTS else as_written(value)
    return {
        name: value
        for name, value in fields.items()
        if value is not None and (value != "" or name in p.fields)
    }


def _ordered(fields: dict[str, str]) -> list[tuple[str, str]]:
    """The usual fields in _ORDER, then the others as stored."""
    ordered = [(name, fields[name]) for name in _ORDER if name in fields]
    if len(ordered) < len(fields):
        ordered += [(name, value) for name, value in fields.items() if name not in _RANK]
    return ordered


_RANK = {name: index for index, name in enumerate(_ORDER)}


@dataclass
class Abbreviations:
    """The @string macros an export writes: lower-case name -> (name, text as written).
    An entry's field goes out as its value expression when that expression, expanded
    with these, gives back the field's text (else as text)."""

    definitions: dict[str, tuple[str, str]] = field(default_factory=dict)
    months_only: bool = False  # plain values: no @string, but jan ... dec stay BibTeX's
    _verdicts: dict[tuple[str, str], bool] = field(default_factory=dict, repr=False)

    @classmethod
    def of(cls, stored: Mapping[str, tuple[str, str]], used: Iterable[str]) -> Abbreviations:
        """The stored definitions of the macros ``used`` (value expressions)."""
        names = {
            part.lower()
            for expression in used
            for part in split_concatenation(expression)
            if _is_macro(part)
        }
        return cls(
            {
                key: (name, as_written(value))
                for key, (name, value) in stored.items()
                if key in names
            }
        )

    def fits(self, expression: str, text: str) -> bool:
        """Whether ``expression`` expanded gives ``text`` (white space aside). A macro
        may stand for its definition, or for its own name (undefined when imported),
        or, for jan ... dec, the month pubdb wrote for it."""
        verdict = self._verdicts.get((expression, text))
        if verdict is None:
            verdict = self._verdicts[expression, text] = self._expands_to(expression, text)
        return verdict

    def _expands_to(self, expression: str, text: str) -> bool:
        parts = split_concatenation(expression)
        if self.months_only and any(
            _is_macro(part) and part.lower() not in MONTH_MACROS for part in parts
        ):
            return False
        choices = [self._choices(part) for part in parts]
        wanted = " ".join(text.split())
        combinations = 1
        for options in choices:
            combinations *= len(options)
        if combinations > 64:
            choices = [options[:1] for options in choices]
        return any(" ".join("".join(parts).split()) == wanted for parts in product(*choices))

    def _choices(self, part: str) -> list[str]:
        if len(part) >= 2 and (part[0], part[-1]) in (("{", "}"), ('"', '"')):
            return [part[1:-1]]
        if not _is_macro(part):
            return [part]
        options = []
        if part.lower() in self.definitions:
            options.append(self.definitions[part.lower()][1])
        options.append(part)
        if part.lower() in MONTH_MACROS:
            options.append(part.lower().capitalize())
        return options


def _is_macro(part: str) -> bool:
    return bool(part) and not part.isdigit() and part[0] not in '{"'


def format_entry(publication: Publication, abbreviations: Abbreviations | None = None) -> str:
    """One entry; with ``abbreviations``, fields that use @string macros are written as
    their value expressions where these give back the same text."""
    fields = entry_fields(publication)
    lines = [f"@{publication.entry_type or 'misc'}{{{publication.citekey},"]
    expressions = publication.expressions if abbreviations else None
    if expressions:
        for name, value in _ordered(fields):
            expression = expressions.get(name)
            if expression and abbreviations.fits(expression, value):
                lines.append(f"  {name} = {expression},")
            else:
                lines.append(f"  {name} = {{{value}}},")
    else:
        lines += [f"  {name} = {{{value}}}," for name, value in _ordered(fields)]
    if publication.month and 1 <= publication.month <= 12 and "month" not in fields:
        lines.insert(_month_position(lines), f"  month = {MONTH_MACROS[publication.month - 1]},")
    lines.append("}")
    return "\n".join(lines)


def _month_position(lines: list[str]) -> int:
    for index, line in enumerate(lines):
        if line.startswith("  year = "):
            return index + 1
    return len(lines)


def format_preamble(expression: str, strings: Mapping[str, tuple[str, str]]) -> str:
    """A stored @preamble as written, each ``#``-joined part kept only when it holds
    nothing denied but definitions (a part with ``\\input`` or ``\\write`` is left out;
    a macro part is written as the text of its stored @string)."""
    kept = []
    for part in split_concatenation(expression):
        if _is_macro(part):
            if part.lower() not in strings:
                continue
            part = "{" + strings[part.lower()][1] + "}"
        harmless = strip_control(part, keep_line_breaks=True) == part
        if harmless and not preamble_part(part) and braces_balance(part):
            kept.append(part)
    return "@preamble{ " + (" # ".join(kept) or '""') + " }"


def format_string(name: str, text: str) -> str:
    return f"@string{{{name} = {{{text}}}}}"


def write_bibtex(
    publications: Iterable[Publication],
    out: TextIO,
    *,
    preambles: Iterable[str] = (),
    strings: Mapping[str, tuple[str, str]] | None = None,
    abbreviations: Abbreviations | None = None,
    crossref_targets: frozenset[str] | set[str] = frozenset(),
) -> int:
    """Write the preambles, the @string abbreviations, then the entries, separated by
    blank lines; returns how many entries were written. ``strings``: every stored
    @string (for macros in preambles); ``crossref_targets``: keys (lower case) that
    entries crossref."""
    head = head_blocks(preambles, strings or {}, abbreviations)
    entries = (
        (p.id, p.citekey, "crossref" in p.fields, format_entry(p, abbreviations))
        for p in publications
    )
    return write_entries(entries, out, head, crossref_targets)


def head_blocks(
    preambles: Iterable[str],
    strings: Mapping[str, tuple[str, str]],
    abbreviations: Abbreviations | None,
) -> list[str]:
    """The @preamble blocks, then the @string definitions the entries use."""
    head = [format_preamble(expression, strings) for expression in preambles]
    if abbreviations:
        definitions = abbreviations.definitions.values()
        head += [format_string(name, text) for name, text in sorted(definitions)]
    return head


def write_entries(
    entries: Iterable[tuple[int | None, str, bool, str]],
    out: TextIO,
    head: Iterable[str] = (),
    crossref_targets: frozenset[str] | set[str] = frozenset(),
) -> int:
    """The ``head`` blocks, then written entries given as (id, citation key, has a
    crossref field, text); returns how many entries."""
    for block in head:
        out.write(block)
        out.write("\n\n")
    count = 0
    family: list[tuple[int, str]] = []
    for pub_id, citekey, crossref, text in entries:
        if crossref or citekey.lower() in crossref_targets:
            family.append((pub_id or 0, text))
            continue
        out.write("\n" if count else "")
        out.write(text + "\n")
        count += 1
    # Entries linked by crossref keep the order they were imported in (a file's own):
    # BibTeX fills a child from its parent depending on that order (the parent after
    # its child when only the child is cited; before it, for nested references and
    # \nocite{*}), so the order that worked for the file's author is kept.
    for _, text in sorted(family, key=lambda member: member[0]):
        out.write("\n" if count else "")
        out.write(text + "\n")
        count += 1
    return count


@dataclass
class ExportParts:
    """What an export of the library writes besides its entries, and what the
    entries are checked against."""

    head: list[str]
    abbreviations: Abbreviations
    crossref_targets: set[str]
    strings: dict[str, tuple[str, str]]

    @property
    def strings_digest(self) -> str:
        """Names the stored @string definitions: an entry written with macros is
        valid only under the same ones."""
        text = "\x1f".join(f"{k}\x1e{n}\x1e{v}" for k, (n, v) in sorted(self.strings.items()))
        return hashlib.sha256(text.encode()).hexdigest()[:32]


def export_parts(
    conn: sqlite3.Connection, person_id: int | None = None, expand_strings: bool = False
) -> ExportParts:
    """The library's preambles, the @string macros its entries use (unless
    ``expand_strings``: plain values) and the keys entries crossref."""
    from ..store.definitions import (
        crossref_targets,
        field_expressions,
        preamble_expressions,
        string_definitions,
    )

    strings = string_definitions(conn)
    if expand_strings:
        abbreviations = Abbreviations(months_only=True)
    else:
        abbreviations = Abbreviations.of(strings, field_expressions(conn, person_id))
    head = head_blocks(preamble_expressions(conn), strings, abbreviations)
    return ExportParts(head, abbreviations, crossref_targets(conn), strings)


def export_bibtex(
    conn: sqlite3.Connection,
    publications: Iterable[Publication],
    out: TextIO,
    *,
    person_id: int | None = None,
    expand_strings: bool = False,
) -> int:
    """The library's preambles, the @string macros its entries use (unless
    ``expand_strings``: plain values), and the entries."""
    parts = export_parts(conn, person_id, expand_strings)
    entries = (
        (p.id, p.citekey, "crossref" in p.fields, format_entry(p, parts.abbreviations))
        for p in publications
    )
    return write_entries(entries, out, parts.head, parts.crossref_targets)
