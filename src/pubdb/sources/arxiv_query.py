"""arXiv ``search_query`` text built from what a user types: an author, a title, a date
range. Only folded words reach the query (letters and digits, lower case), so no user
text can add an operator, a field or a parenthesis, and TeX, accents and punctuation
in titles and names are handled the way arXiv's word search reads them."""

from __future__ import annotations

import datetime
import os
import re
from dataclasses import dataclass

from ..errors import UsageError
from ..names import family_core, parse_name
from ..normalize import fold_key
from ..tex.decode import tex_to_unicode
from ..tex.math import math_spans

# arXiv began in 1991; an open end of a range needs a bound all the same.
EARLIEST = "199101010000"
LATEST = "299912312359"
# Lower-case words arXiv's parser could still read as operators; stopwords in any case.
_OPERATOR_WORDS = frozenset({"and", "or", "not", "andnot"})
_DATE = re.compile(r"(\d{4})(?:-(\d{1,2})(?:-(\d{1,2}))?)?")
_ASCII_WORD = re.compile(r"[a-z0-9]+")


def search_page_size() -> int:
    """Results per request: ``PUBDB_ARXIV_PAGE_SIZE`` or 500 (arXiv allows 2,000)."""
    raw = os.environ.get("PUBDB_ARXIV_PAGE_SIZE", "")
    if not raw:
        return 500
    if not raw.isdigit() or not 1 <= int(raw) <= 2000:
        raise UsageError(f"PUBDB_ARXIV_PAGE_SIZE must be a number from 1 to 2000, not {raw!r}")
    return int(raw)


@dataclass(frozen=True)
class SearchQuery:
    """What to look for on arXiv. ``since`` and ``until`` are dates as typed (YYYY,
    YYYY-MM or YYYY-MM-DD) bounding the first version's submission date."""

    author: str | None = None
    title: str | None = None
    since: str | None = None
    until: str | None = None

    def __post_init__(self) -> None:
        if not (self.author or "").strip() and not (self.title or "").strip():
            raise UsageError("nothing to search for: give an author, a title or both")
        self.text  # noqa: B018 - every part is checked now, before any request

    @property
    def text(self) -> str:
        """The ``search_query`` parameter."""
        clauses = []
        if (self.author or "").strip():
            clauses.append(author_clause(self.author or ""))
        if (self.title or "").strip():
            clauses.append(title_clause(self.title or ""))
        if self.since or self.until:
            clauses.append(date_clause(self.since, self.until))
        return " AND ".join(clauses)

    def describe(self) -> str:
        """'author "Oussama Zekri", since 2023': the query as the user gave it."""
        parts = []
        if self.author:
            parts.append(f'author "{" ".join(self.author.split())}"')
        if self.title:
            parts.append(f'title "{" ".join(self.title.split())}"')
        if self.since:
            parts.append(f"since {self.since}")
        if self.until:
            parts.append(f"until {self.until}")
        return ", ".join(parts)


def author_clause(name: str) -> str:
    """``au:`` with the family name's words: arXiv matches authors by name words, so
    'O. Zekri' and 'Oussama Zekri' both ask for 'zekri' and the results are candidates
    to check against the name (``au:"attia el hili"`` for a family name of three words;
    a particle is left out: "d'Ascoli" asks for 'ascoli')."""
    written = tex_to_unicode(" ".join(name.split()))
    family = parse_name(written).family or written
    words = fold_key(family_core(family)).split() or fold_key(family).split()
    if not words:
        raise UsageError(f"not a name to search for: {name!r}")
    return f"au:{words[0]}" if len(words) == 1 else f'au:"{" ".join(words)}"'


def title_words(title: str) -> list[str]:
    """The words of a title a search can use: TeX decoded, math left out (arXiv does
    not index '$\\mu$P' as words anyone types), accents folded, punctuation dropped,
    each word once."""
    text = tex_to_unicode(" ".join(title.split()))
    for start, end in reversed(math_spans(text)):
        text = text[:start] + " " + text[end:]
    words = (word for word in _ASCII_WORD.findall(fold_key(text)) if len(word) > 1)
    return list(dict.fromkeys(word for word in words if word not in _OPERATOR_WORDS))


def title_clause(title: str) -> str:
    """Every word of the title with ``ti:``: a title found this way contains them all,
    in any order, whatever TeX or punctuation either side wrote."""
    words = title_words(title)
    if not words:
        raise UsageError(f"no words to search for in the title {title!r}")
    return " AND ".join(f"ti:{word}" for word in words)


def date_clause(since: str | None, until: str | None) -> str:
    """``submittedDate:[FROM TO TO]`` from dates as typed; UsageError when malformed or
    when the range is empty."""
    low = date_bound(since, end=False) if since else EARLIEST
    high = date_bound(until, end=True) if until else LATEST
    if low > high:
        raise UsageError(f"the date range is empty: {since} is after {until}")
    return f"submittedDate:[{low} TO {high}]"


def date_bound(text: str, *, end: bool) -> str:
    """'2023' -> '202301010000' (or '202312312359' as an end), '2024-02' ->
    '202402010000' ('202402292359'), '2024-02-03' -> that day."""
    match = _DATE.fullmatch(text.strip())
    try:
        if match is None:
            raise ValueError
        year, month, day = int(match[1]), match[2], match[3]
        first = datetime.date(year, int(month or 1), int(day or 1))
        if not end:
            return first.strftime("%Y%m%d") + "0000"
        last = first
        if month is None:
            last = datetime.date(year, 12, 31)
        elif day is None:
            following = datetime.date(year + int(first.month == 12), first.month % 12 + 1, 1)
            last = following - datetime.timedelta(days=1)
        return last.strftime("%Y%m%d") + "2359"
    except ValueError:
        raise UsageError(
            f"not a date: {text!r} (give YYYY, YYYY-MM or YYYY-MM-DD, e.g. 2023 or 2024-02)"
        ) from None
