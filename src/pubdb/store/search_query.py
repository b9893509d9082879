"""What a researcher types into `pubdb search`, as FTS5 expressions and SQL filters.

    discrete diffusion          every word, anywhere (a word also finds longer words)
    "discrete diffusion"        these words in this order
    author:jelassi title:copy   in one field: author, title, venue, abstract
    author:"Samy Jelassi"       these names next to each other
    2024  year:2023..2025       a year, a range (2023.., ..2019 and 2023-2025 too)
    key:jelassi2024             citation keys starting so
    -transformers               without this word (any term can be negated)

Every word goes through the indexed text's own decoding and tokenizer
(search_text.words) and reaches SQLite only inside double quotes, so no FTS syntax
(NEAR, OR, *, ^, column filters) from the user is ever interpreted.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field

from ..errors import UsageError
from ..tex.display import display_text
from .search_text import Word, words

TEXT_COLUMNS = ("title", "authors", "venue", "abstract")
FIELDS = {
    "author": "authors", "authors": "authors", "title": "title", "venue": "venue",
    "journal": "venue", "abstract": "abstract", "year": "year", "key": "key",
}  # fmt: skip
TITLE_PROBES = 8  # terms whose presence in the title ranks a record first
NAME_DISTANCE = 1  # author:"Samy Jelassi" also finds "Jelassi, Samy" and "Samy M. Jelassi"
_QUOTES = str.maketrans({"“": '"', "”": '"', "„": '"', "«": '"', "»": '"'})
_FIELD_NAMES = "|".join(sorted(FIELDS, key=len, reverse=True))
# [-][field:[ spaces, unless another field follows]]("phrase"|word)
_PIECE = re.compile(
    rf"\s*(?P<negated>-(?=\S))?(?:(?P<field>{_FIELD_NAMES}):(?:\s+(?!(?:{_FIELD_NAMES}):))?)?"
    r'(?:"(?P<phrase>[^"]*)"?|(?P<word>[^\s"]+))?',
    re.IGNORECASE,
)
_BARE_YEAR = r"(?:1[5-9]|20)\d\d"
_BARE_YEARS = re.compile(
    rf"^(?:{_BARE_YEAR}|{_BARE_YEAR}(?:\.\.|[-–]){_BARE_YEAR}|{_BARE_YEAR}\.\.|\.\.{_BARE_YEAR})$"
)
_YEAR_RANGE = re.compile(r"^(\d{1,4})?\s*(\.\.|[-–])?\s*(\d{1,4})?$")
YEAR_HELP = "a year (2024) or a range (2023..2025, 2023.., ..2019)"


@dataclass(frozen=True)
class Term:
    """Words to find: anywhere (``column`` None) or in one column; ``phrase`` when
    quoted (in this order, whole words)."""

    words: tuple[Word, ...]
    column: str | None = None
    phrase: bool = False
    negated: bool = False
    text: str = ""


@dataclass(frozen=True)
class YearRange:
    first: int | None
    last: int | None
    negated: bool = False


@dataclass(frozen=True)
class KeyPrefix:
    prefix: str
    negated: bool = False


@dataclass
class SearchQuery:
    terms: list[Term] = field(default_factory=list)
    years: list[YearRange] = field(default_factory=list)
    keys: list[KeyPrefix] = field(default_factory=list)
    # Person ids each author: name could mean (filled by the caller from the people
    # tables): author:"Samy Jelassi" also finds papers signed "S. Jelassi".
    people: dict[str, tuple[int, ...]] = field(default_factory=dict)

    @property
    def empty(self) -> bool:
        return not (self.terms or self.years or self.keys)

    @property
    def author_terms(self) -> list[Term]:
        """Terms matched by name as well as by words (see ``people``)."""
        return [t for t in self.terms if t.column == "authors"]

    def match(self) -> str | None:
        """The FTS5 expression every result matches (None: no word to look for)."""
        wanted = [term_expression(t) for t in self.terms if not t.negated and t.column != "authors"]
        return " AND ".join(wanted) or None

    def excluded(self) -> str | None:
        """The FTS5 expression no result matches."""
        unwanted = [term_expression(t) for t in self.terms if t.negated and t.column != "authors"]
        return " OR ".join(unwanted) or None

    def title_probes(self) -> list[str]:
        """One expression per wanted term that could be in the title: a record ranks by
        how many of them its title matches, then by bm25."""
        probes = [
            f"title : ({_words_expression(t)})"
            for t in self.terms
            if not t.negated and t.column in (None, "title")
        ]
        return probes[:TITLE_PROBES]


def join_arguments(arguments: Iterable[str]) -> str:
    """Command-line arguments as one query. The shell took the quotes off
    'author:"Samy Jelassi"', but one argument holding a field and several words still
    means them together."""
    joined = []
    for argument in arguments:
        name, colon, value = argument.partition(":")
        if colon and name.lower() in FIELDS and " " in value.strip() and '"' not in value:
            argument = f'{name}:"{value.strip()}"'
        joined.append(argument)
    return " ".join(joined)


def parse_query(text: str) -> SearchQuery:
    """A search query as terms and filters (pure; UsageError for a malformed year)."""
    query = SearchQuery()
    for negated, name, value, quoted in _pieces(display_text(text).translate(_QUOTES)):
        column = FIELDS.get(name) if name else None
        if column == "year" or (column is None and not quoted and _BARE_YEARS.match(value)):
            query.years.append(parse_years(value, negated))
        elif column == "key":
            if value:
                query.keys.append(KeyPrefix(value, negated))
        else:
            found = tuple(words(value))
            if found:
                query.terms.append(Term(found, column, quoted, negated, value))
    return query


def _pieces(text: str) -> Iterator[tuple[bool, str, str, bool]]:
    """(negated, field name or '', value, quoted) for each term of a query; an unknown
    field name is part of the value ('Q-Probe:' is a word)."""
    for match in _PIECE.finditer(text):
        quoted = match["phrase"] is not None
        if quoted or match["word"] or match["field"]:
            value = match["phrase"] if quoted else match["word"] or ""
            yield bool(match["negated"]), (match["field"] or "").lower(), value, quoted


def parse_years(value: str, negated: bool = False) -> YearRange:
    match = _YEAR_RANGE.match(value.strip())
    if not value.strip() or match is None:
        raise _not_a_year(value)
    first, dots, last = match.groups()
    if not dots:
        if first is None or last is not None:
            raise _not_a_year(value)
        return YearRange(int(first), int(first), negated)
    if first is None and last is None:
        raise _not_a_year(value)
    low, high = (int(first) if first else None), (int(last) if last else None)
    if low is not None and high is not None and low > high:
        low, high = high, low
    return YearRange(low, high, negated)


def _not_a_year(value: str) -> UsageError:
    shown = value if len(value) <= 40 else value[:39] + "…"
    return UsageError(f"year:{shown} is not {YEAR_HELP}")


def quoted(text: str) -> str:
    return '"' + text.replace('"', '""') + '"'


def word_expression(word: Word, prefix: bool = True) -> str:
    """'zero-shot' -> ("zero shot"* OR "zeroshot"*): each way the word is indexed."""
    star = "*" if prefix else ""
    spellings = [quoted(" ".join(word.parts)) + star]
    spellings += [quoted(form) + star for form in word.forms]
    return spellings[0] if len(spellings) == 1 else "(" + " OR ".join(spellings) + ")"


def _words_expression(term: Term) -> str:
    if term.phrase and term.column == "authors" and len(term.words) > 1:
        names = " ".join(quoted(" ".join(w.parts)) + "*" for w in term.words)
        return f"NEAR({names}, {NAME_DISTANCE})"
    if term.phrase:
        return quoted(" ".join(part for w in term.words for part in w.parts))
    return " AND ".join(word_expression(w) for w in term.words)


def term_expression(term: Term) -> str:
    columns = term.column or "{" + " ".join(TEXT_COLUMNS) + "}"
    return f"{columns} : ({_words_expression(term)})"
