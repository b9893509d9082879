"""The arXiv stand-in's search: ``search_query`` evaluated over Atom entries the way
arXiv's word search reads it (see ../shared/ARXIV.md, "Searching").

Words are matched accent- and case-insensitively; a quoted phrase must appear as
consecutive words; ``au:`` matches within one author's name. A bare word is read as
``all:`` (arXiv's new backend rewrites it so); ``au:Jelassi_S`` is a family name and
an initial. Bad syntax, an unknown field, a bad
``sortBy``, a negative ``start``, ``max_results`` above 2,000 or a page reaching past
the 10,000th result raise SearchError, answered with arXiv's 400 error feed.
"""

from __future__ import annotations

import html
import re
import unicodedata
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from functools import lru_cache

WINDOW = 10_000
MAX_RESULTS = 2_000
SORTS = {"relevance", "submittedDate", "lastUpdatedDate"}
FIELDS = {"ti", "au", "abs", "all", "cat", "id", "co", "jr", "rn"}

_TOKEN = re.compile(
    r"\s*(?:(?P<paren>[()])|(?P<date>submittedDate:\[[^\]]*\])"
    r"|(?P<term>(?:(?P<field>[a-z]+):)?(?:\"(?P<phrase>[^\"]*)\"|(?P<word>[^\s()\"]+))))"
)
_DATES = re.compile(r"submittedDate:\[(\d{12}) TO (\d{12})\]")


class SearchError(Exception):
    """What arXiv's 400 error feed would say."""


@dataclass(frozen=True)
class Facts:
    """What a search reads of one entry."""

    arxiv_id: str
    title: tuple[str, ...]
    authors: tuple[tuple[str, ...], ...]
    abstract: tuple[str, ...]
    categories: tuple[str, ...]
    published: str
    updated: str


def words(text: str) -> tuple[str, ...]:
    folded = unicodedata.normalize("NFKD", text.replace("_", " "))
    plain = "".join(c for c in folded if not unicodedata.combining(c)).lower()
    return tuple(re.findall(r"[^\W_]+", plain))


def _tag(entry: str, name: str) -> str:
    match = re.search(rf"<{name}[^>]*>(.*?)</{name}>", entry, re.DOTALL)
    return html.unescape(match[1]) if match else ""


@lru_cache(maxsize=4096)
def facts_of(entry: bytes) -> Facts:
    text = entry.decode("utf-8")
    arxiv_id = re.sub(r"^https?://arxiv\.org/abs/|v\d+$", "", _tag(text, "id"))
    names = [html.unescape(n) for n in re.findall(r"<name>(.*?)</name>", text, re.DOTALL)]
    return Facts(
        arxiv_id=arxiv_id,
        title=words(_tag(text, "title")),
        authors=tuple(words(name) for name in names),
        abstract=words(_tag(text, "summary")),
        categories=tuple(re.findall(r'<category term="([^"]+)"', text)),
        published=_tag(text, "published"),
        updated=_tag(text, "updated"),
    )


def _contains(haystack: tuple[str, ...], needle: tuple[str, ...]) -> bool:
    size = len(needle)
    return size > 0 and any(
        haystack[i : i + size] == needle for i in range(len(haystack) - size + 1)
    )


def _stamp(iso: str) -> str:
    return re.sub(r"\D", "", iso)[:12]


Test = Callable[[Facts], bool]


def term_test(field: str, wanted: tuple[str, ...]) -> Test:
    if field == "au_initial":
        family, initials = wanted[:-1], wanted[-1]
        return lambda f: any(
            name[-len(family) :] == family and name[0][:1] == initials[:1] for name in f.authors
        )
    if field == "au":
        return lambda f: any(_contains(name, wanted) for name in f.authors)
    if field == "ti":
        return lambda f: _contains(f.title, wanted)
    if field == "abs":
        return lambda f: _contains(f.abstract, wanted)
    if field == "cat":
        joined = ".".join(wanted)
        return lambda f: any(".".join(words(c)) == joined for c in f.categories)
    if field == "id":
        return lambda f: words(f.arxiv_id) == wanted
    if field == "all":
        return lambda f: (
            _contains(f.title, wanted)
            or _contains(f.abstract, wanted)
            or any(_contains(name, wanted) for name in f.authors)
        )
    return lambda f: False  # co, jr, rn: the stand-in's entries carry none to search


class Parser:
    """OR binds loosest, then AND and ANDNOT, left to right; parentheses group."""

    def __init__(self, query: str):
        self.tokens = self._tokenize(query)
        self.position = 0

    @staticmethod
    def _tokenize(query: str) -> list[tuple[str, object]]:
        tokens, position = [], 0
        query = query.strip()
        while position < len(query):
            match = _TOKEN.match(query, position)
            if not match or match.end() == position:
                raise SearchError(f"cannot parse the query at {query[position:]!r}")
            position = match.end()
            if match["paren"]:
                tokens.append((match["paren"], None))
            elif match["date"]:
                dates = _DATES.fullmatch(match["date"])
                if not dates:
                    raise SearchError(f"malformed date range {match['date']!r}")
                tokens.append(("date", (dates[1], dates[2])))
            elif match["field"] is None and match["word"] in ("AND", "OR", "ANDNOT"):
                tokens.append((match["word"], None))
            else:
                field = match["field"] or "all"
                if field not in FIELDS:
                    raise SearchError(f"unknown field prefix {field!r}")
                text = match["phrase"] if match["phrase"] is not None else match["word"]
                wanted = words(text)
                if not wanted:
                    raise SearchError(f"empty search term {match['term']!r}")
                if field == "au" and match["word"] and "_" in match["word"]:
                    field = "au_initial"  # au:Jelassi_S: family name, then initials
                tokens.append(("term", (field, wanted)))
        return tokens

    def parse(self) -> Test:
        if not self.tokens:
            raise SearchError("empty query")
        test = self._or()
        if self.position != len(self.tokens):
            raise SearchError("unexpected tokens after the query")
        return test

    def _peek(self) -> str | None:
        return self.tokens[self.position][0] if self.position < len(self.tokens) else None

    def _or(self) -> Test:
        left = self._and()
        while self._peek() == "OR":
            self.position += 1
            right = self._and()
            left = (lambda a, b: lambda f: a(f) or b(f))(left, right)
        return left

    def _and(self) -> Test:
        left = self._atom()
        while self._peek() in ("AND", "ANDNOT"):
            negate = self._peek() == "ANDNOT"
            self.position += 1
            right = self._atom()
            if negate:
                left = (lambda a, b: lambda f: a(f) and not b(f))(left, right)
            else:
                left = (lambda a, b: lambda f: a(f) and b(f))(left, right)
        return left

    def _atom(self) -> Test:
        kind = self._peek()
        if kind is None:
            raise SearchError("the query ends too soon")
        value = self.tokens[self.position][1]
        self.position += 1
        if kind == "(":
            inner = self._or()
            if self._peek() != ")":
                raise SearchError("unbalanced parentheses")
            self.position += 1
            return inner
        if kind == "term":
            field, wanted = value  # type: ignore[misc]
            return term_test(field, wanted)
        if kind == "date":
            low, high = value  # type: ignore[misc]
            return lambda f: low <= _stamp(f.published) <= high
        raise SearchError(f"unexpected {kind!r}")


def _number(args: Mapping[str, str], name: str, default: int) -> int:
    raw = args.get(name, str(default))
    if not re.fullmatch(r"-?\d+", raw):
        raise SearchError(f"{name} must be an integer")
    return int(raw)


def answer_search(
    entries: Mapping[str, bytes], args: Mapping[str, str], claimed_total: int | None = None
) -> tuple[list[bytes], int]:
    """The entries of one page of a search and the ``totalResults`` to report."""
    start = _number(args, "start", 0)
    size = _number(args, "max_results", 10)
    sort = args.get("sortBy", "relevance")
    order = args.get("sortOrder", "descending")
    if start < 0:
        raise SearchError("start must be non-negative")
    if not 0 <= size <= MAX_RESULTS:
        raise SearchError(f"max_results must be between 0 and {MAX_RESULTS}")
    if start + size > WINDOW:
        raise SearchError(f"start + max_results must not exceed {WINDOW}")
    if sort not in SORTS:
        raise SearchError(f"unknown sortBy {sort!r}")
    if order not in ("ascending", "descending"):
        raise SearchError(f"unknown sortOrder {order!r}")
    test = Parser(args.get("search_query", "")).parse()
    found = [entry for entry in entries.values() if test(facts_of(entry))]
    if sort != "relevance":
        key = "published" if sort == "submittedDate" else "updated"
        found.sort(key=lambda e: getattr(facts_of(e), key), reverse=order == "descending")
    total = len(found) if claimed_total is None else claimed_total
    return found[start : start + size], total
