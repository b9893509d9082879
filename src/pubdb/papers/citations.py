"""A .bib for one LaTeX document: the entries it cites and what they need.

Keys come from the document (``tex.citations``). Each is looked up as the record's own
key, else as a key a merge absorbed (``ids``): the entry is then written under the key
the document uses. An entry's ``crossref``, ``xref``, ``xdata``, ``related`` and
``entryset`` keys are followed (bibtex and biber need those entries in the file), and
the file gets the @string macros and the @preamble definitions its entries use. Keys
the library lacks are reported with the library's closest keys.
"""

from __future__ import annotations

import dataclasses
import difflib
import io
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from ..bibtex.writer import Abbreviations, write_bibtex
from ..models import Publication
from ..store import citekeys
from ..store.definitions import preamble_expressions, string_definitions
from ..store.publications import publications_by_id
from ..tex.citations import Citations

if TYPE_CHECKING:
    import sqlite3

# Fields whose value names other entries, which bibtex or biber then read from the file.
SINGLE_REFERENCES = ("crossref", "xref")
LIST_REFERENCES = ("xdata", "related", "entryset")
CLOSE_MATCHES = 3


@dataclass
class MissingKey:
    """A key the library does not hold; ``needed_by``: the entry that names it (in
    crossref, xref, ...) when the document does not cite it itself."""

    key: str
    close: list[str] = field(default_factory=list)
    needed_by: str | None = None


@dataclass
class CitedBibliography:
    """The entries a document needs, each under the key it is cited by."""

    publications: list[Publication] = field(default_factory=list)
    missing: list[MissingKey] = field(default_factory=list)
    renamed: list[tuple[str, str]] = field(default_factory=list)  # (written key, own key)
    several_keys: list[list[str]] = field(default_factory=list)  # one paper, keys apart
    text: str = ""
    changed: bool | None = None  # the file was rewritten (False: it held these bytes)

    @property
    def count(self) -> int:
        return len(self.publications)


def cited_bibliography(
    conn: sqlite3.Connection,
    citations: Citations,
    *,
    expand_strings: bool = False,
    al_folio: bool = False,
) -> CitedBibliography:
    """The entries ``citations`` name (and the entries they reference), as BibTeX text."""
    found = _Lookup(conn)
    wanted: dict[str, str | None] = {key: None for key in citations.keys}  # key -> by
    if citations.everything:
        for pub_id in citekeys.all_publication_ids(conn):
            found.take_record(pub_id)
    found.resolve(wanted)
    while references := found.new_references():
        found.resolve(references)
    result = _entries(found, biblatex=citations.biblatex)
    if al_folio:
        from ..render.website import al_folio_fields

        result.publications = [al_folio_fields(p) for p in result.publications]
    result.text = _bibtex_text(conn, result.publications, expand_strings=expand_strings,
                               everything=citations.everything)  # fmt: skip
    return result


def write_cited(
    conn: sqlite3.Connection,
    citations: Citations,
    output: str | Path | None,
    *,
    expand_strings: bool = False,
    al_folio: bool = False,
) -> CitedBibliography:
    """``cited_bibliography`` written to ``output`` (a file left as it is when it holds
    these bytes already; None or '-' for standard output); ``.changed`` says which."""
    from ..files import Written, open_output

    bibliography = cited_bibliography(
        conn, citations, expand_strings=expand_strings, al_folio=al_folio
    )
    written = Written()
    with open_output(output, written=written) as out:
        out.write(bibliography.text)
    bibliography.changed = written.changed
    return bibliography


class _Lookup:
    """Keys resolved to records: ``keys_of[id]`` the keys the document (or an entry's
    reference) names the record by, in the order met."""

    def __init__(self, conn: sqlite3.Connection):
        self.conn = conn
        self.records: dict[int, Publication] = {}
        self.keys_of: dict[int, list[str]] = {}
        self.missing: dict[str, MissingKey] = {}
        self._former: dict[str, int] | None = None
        self._followed: set[int] = set()

    def take_record(self, pub_id: int, key: str | None = None) -> None:
        self.keys_of.setdefault(pub_id, [])
        if key is not None and key not in self.keys_of[pub_id]:
            self.keys_of[pub_id].append(key)

    def resolve(self, wanted: dict[str, str | None]) -> None:
        own = citekeys.ids_by_citekey(self.conn, wanted)
        rest = [key for key in wanted if key not in own]
        former = self.former_keys() if rest else {}
        folded = citekeys.ids_by_folded_citekey(
            self.conn, [k for k in rest if k not in former and wanted[k]]
        )  # a reference (crossref) may differ in case: BibTeX compares keys so
        for key, needed_by in wanted.items():
            pub_id = own.get(key) or former.get(key)
            if pub_id is None and needed_by is not None:
                pub_id = folded.get(key.lower())
            if pub_id is None:
                self.missing.setdefault(key, MissingKey(key, needed_by=needed_by))
            else:
                self.take_record(pub_id, key)
        self._load()

    def former_keys(self) -> dict[str, int]:
        if self._former is None:
            self._former = citekeys.former_keys(self.conn)
        return self._former

    def _load(self) -> None:
        needed = [pub_id for pub_id in self.keys_of if pub_id not in self.records]
        self.records.update(publications_by_id(self.conn, needed))

    def new_references(self) -> dict[str, str | None]:
        """Keys the records found so far name in crossref and the like, not yet met."""
        known = {key for keys in self.keys_of.values() for key in keys} | set(self.missing)
        references: dict[str, str | None] = {}
        for pub_id, publication in self.records.items():
            if pub_id in self._followed:
                continue
            self._followed.add(pub_id)
            for key in referenced_keys(publication):
                if key not in known and key.lower() not in _folded(known):
                    references.setdefault(key, publication.citekey)
        return references


def _folded(keys: set[str]) -> set[str]:
    return {key.lower() for key in keys}


def referenced_keys(publication: Publication) -> list[str]:
    """The keys an entry names in crossref, xref, xdata, related and entryset."""
    keys = []
    for name, value in publication.fields.items():
        name = name.lower()
        if name in SINGLE_REFERENCES:
            keys.append(value.strip())
        elif name in LIST_REFERENCES:
            keys += [key.strip() for key in value.split(",")]
    return [key for key in keys if key]


def _entries(found: _Lookup, *, biblatex: bool) -> CitedBibliography:
    """Each record under the keys it is needed by: with biblatex one entry (its own key
    if that is needed, else the first), the others in ``ids``, which biber resolves;
    for bibtex one entry per key (BibTeX has no aliases)."""
    result = CitedBibliography()
    chosen: list[tuple[Publication, list[str]]] = []
    for pub_id, keys in found.keys_of.items():
        publication = found.records.get(pub_id)
        if publication is None:
            continue
        keys = keys or [publication.citekey]
        if biblatex or len(keys) == 1:
            own = publication.citekey if publication.citekey in keys else keys[0]
            chosen.append((publication, [own]))
        else:
            chosen.append((publication, keys))
            result.several_keys.append(keys)
    written = {key for _, keys in chosen for key in keys}
    for publication, keys in chosen:
        for key in keys:
            entry = _under_key(publication, key, written)
            result.publications.append(entry)
            if key != publication.citekey:
                result.renamed.append((key, publication.citekey))
    result.publications.sort(key=lambda p: (p.citekey.lower(), p.citekey))
    result.renamed.sort()
    result.missing = _with_close_matches(found)
    return result


def _under_key(publication: Publication, key: str, written: set[str]) -> Publication:
    """The record as an entry keyed ``key``, its ``ids`` the record's other keys that
    the file has no entry of its own for."""
    stored_ids = publication.fields.get("ids")
    others = [publication.citekey, *_split(stored_ids)]
    ids = [other for other in dict.fromkeys(others) if other != key and other not in written]
    if key == publication.citekey and _split(stored_ids) == ids:
        return publication
    fields = {name: value for name, value in publication.fields.items() if name != "ids"}
    if ids:
        fields["ids"] = ", ".join(ids)
    return dataclasses.replace(publication, citekey=key, fields=fields)


def _split(ids: str | None) -> list[str]:
    return [key.strip() for key in (ids or "").split(",") if key.strip()]


def _with_close_matches(found: _Lookup) -> list[MissingKey]:
    if not found.missing:
        return []
    known = citekeys.all_citekeys(found.conn) + list(found.former_keys())
    # Compared only with keys that start alike (a typo seldom hits the first letters):
    # a missing key costs milliseconds in a library of 100,000, not a second.
    by_start: dict[str, dict[str, str]] = {}
    for key in known:
        by_start.setdefault(key[:2].lower(), {}).setdefault(key.lower(), key)
    for missing in found.missing.values():
        folded = missing.key.lower()
        near = by_start.get(folded[:2], {})
        missing.close = [near[key] for key in close_keys(folded, near)]
    return list(found.missing.values())


def close_keys(key: str, known: Iterable[str]) -> list[str]:
    """The known keys most like ``key`` (a typo, a year or word changed): the closest,
    and up to two more nearly as close."""
    close = difflib.get_close_matches(key, known, CLOSE_MATCHES, 0.6)
    if not close:
        return []
    scores = [difflib.SequenceMatcher(None, key, other).ratio() for other in close]
    return [other for other, score in zip(close, scores, strict=True) if score >= scores[0] - 0.05]


# -- writing ------------------------------------------------------------------------

_DEFINITION = re.compile(
    r"\\(?:(?:re)?newcommand|providecommand|DeclareRobustCommand|(?:g|e|x)?def|let)"
    r"\s*\*?\s*\{?\s*\\([A-Za-z@]+)"
)
_COMMAND = re.compile(r"\\([A-Za-z@]+)")


def defined_commands(preamble: str) -> set[str]:
    """The commands a @preamble defines (``\\newcommand{\\noopsort}`` -> noopsort)."""
    return set(_DEFINITION.findall(preamble))


def used_commands(publications: Iterable[Publication]) -> set[str]:
    used: set[str] = set()
    for publication in publications:
        for value in (*publication.latex.values(), *publication.fields.values()):
            if "\\" in value:
                used.update(_COMMAND.findall(value))
    return used


def _bibtex_text(
    conn: sqlite3.Connection,
    publications: list[Publication],
    *,
    expand_strings: bool,
    everything: bool,
) -> str:
    """The entries after the @preamble blocks that define commands they use (all, for
    ``*``) and the @string macros they use (none with ``expand_strings``)."""
    strings = string_definitions(conn)
    preambles = preamble_expressions(conn)
    if not everything:
        used = used_commands(publications)
        preambles = [p for p in preambles if defined_commands(p) & used]
    if expand_strings:
        abbreviations = Abbreviations(months_only=True)
    else:
        expressions = [e for p in publications for e in p.expressions.values()]
        abbreviations = Abbreviations.of(strings, expressions)
    targets = {
        p.fields[name].strip().lower()
        for p in publications
        for name in ("crossref",)
        if p.fields.get(name)
    }
    out = io.StringIO()
    write_bibtex(publications, out, preambles=preambles, strings=strings,
                 abbreviations=abbreviations, crossref_targets=targets)  # fmt: skip
    return out.getvalue()
