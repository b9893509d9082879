"""arXiv API client: batched id look-ups, searches (``search_query``) read page by page,
politeness, bounded retries, safe Atom parsing.

The client knows nothing of the database: the library hands it the time of the last
request (so spacing holds across runs) and a callback to remember each new one.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from contextlib import ExitStack
from dataclasses import dataclass, field
from xml.etree import ElementTree

from ..errors import NetworkError
from ..ids import ArxivId, InvalidIdentifier, arxiv_url, parse_arxiv_id
from ..models import Progress
from .arxiv_query import search_page_size
from .http import USER_AGENT, ClientSettings, PoliteClient, Retryable

__all__ = ["USER_AGENT", "ArxivClient", "ArxivRecord", "ClientSettings", "parse_feed"]

# Searching: arXiv serves at most 2,000 results a request and none past the 10,000th.
SEARCH_WINDOW = 10_000
MAX_PAGE_SIZE = 2_000
SORTS = ("relevance", "submittedDate", "lastUpdatedDate")
# A progress bar factory: called with the total once it is known, it yields a callback
# that is told how many results each page brought.

DEFAULT_URL = "https://export.arxiv.org/api/query"
ATOM = "{http://www.w3.org/2005/Atom}"
ARXIV = "{http://arxiv.org/schemas/atom}"
OPENSEARCH = "{http://a9.com/-/spec/opensearch/1.1/}"
_Retryable = Retryable  # the name earlier code and tests use

for _prefix, _uri in (
    ("", ATOM[1:-1]),
    ("arxiv", ARXIV[1:-1]),
    ("opensearch", OPENSEARCH[1:-1]),
):
    ElementTree.register_namespace(_prefix, _uri)

# arXiv taxonomy terms (cs.LG, hep-th, cond-mat.stat-mech); not ACM (I.2.6) or MSC (68T05).
# Atom feeds nest four levels deep; a deep tree is refused before anything walks it
# recursively (ElementTree's serializer did, and hit Python's recursion limit).
MAX_DEPTH = 32
_TIMESTAMP = re.compile(r"\d{4}-\d\d-\d\d(?:T\d\d:\d\d:\d\d(?:\.\d+)?(?:Z|[+-]\d\d:\d\d)?)?")

_CATEGORY = re.compile(r"^[a-z]+(?:-[a-z]+)?(?:\.[A-Za-z]+(?:-[a-z]+)?)?$")
_ABS_ID = re.compile(r"arxiv\.org/abs/(?P<id>.+?)/?$", re.IGNORECASE)


@dataclass(frozen=True)
class ArxivAuthor:
    name: str
    affiliations: tuple[str, ...] = ()


@dataclass(frozen=True)
class ArxivRecord:
    """One entry of an arXiv Atom feed, in plain values."""

    id: ArxivId
    title: str
    abstract: str
    authors: tuple[ArxivAuthor, ...]
    published: str
    updated: str
    dois: tuple[str, ...] = ()
    journal_ref: str | None = None
    comment: str | None = None
    primary_category: str | None = None
    categories: tuple[str, ...] = ()
    abs_url: str | None = None
    pdf_url: str | None = None
    xml: str = ""

    @property
    def year(self) -> int | None:
        return int(self.published[:4]) if self.published[:4].isdigit() else None


@dataclass
class SearchResult:
    """What a search read: its records (each paper once, in arXiv's order), arXiv's
    ``totalResults``, and why reading stopped: "all" read, the caller's "limit", the
    10,000-result "window", or an "empty page" before ``totalResults`` was reached."""

    query: str
    records: list[ArxivRecord] = field(default_factory=list)
    total: int = 0
    read: int = 0  # results read, duplicates included: where the next page starts
    requests: int = 0
    stopped: str = "all"


@dataclass
class FetchResult:
    records: dict[str, ArxivRecord] = field(default_factory=dict)
    not_found: list[ArxivId] = field(default_factory=list)
    requests: int = 0
    done: list[str] = field(default_factory=list)  # base ids of the batches fetched


class BatchFailed(NetworkError):
    """A batch could not be fetched after others were: ``partial`` holds theirs."""

    def __init__(self, message: str, partial: FetchResult):
        super().__init__(message)
        self.partial = partial


class ArxivClient(PoliteClient):
    """Fetches arXiv metadata by id, at most one request per ``delay`` seconds."""

    service = "arXiv"

    def __init__(self, settings: ClientSettings | None = None, **options):
        super().__init__(settings or ClientSettings.from_env(), **options)

    def fetch(
        self,
        ids: Sequence[ArxivId],
        progress: Callable[[int], None] | None = None,
    ) -> FetchResult:
        """Metadata of the latest version of each id; ids arXiv does not return are
        ``not_found``. Raises NetworkError when a batch cannot be fetched."""
        wanted = list(dict.fromkeys(arxiv_id.base for arxiv_id in ids))
        result = FetchResult()
        size = max(1, self.settings.batch_size)
        for start in range(0, len(wanted), size):
            batch = wanted[start : start + size]
            try:
                records = self._fetch_batch(batch)
            except NetworkError as exc:
                if not result.done:
                    raise
                raise BatchFailed(str(exc), result) from None
            result.requests += 1
            result.done += batch
            for record in records:
                if record.id.base in batch:
                    result.records.setdefault(record.id.base, record)
            if progress:
                progress(len(batch))
        result.not_found = [ArxivId(base) for base in wanted if base not in result.records]
        return result

    def search(
        self,
        query: str,
        *,
        limit: int = SEARCH_WINDOW,
        sort: str = "submittedDate",
        page_size: int | None = None,
        progress: Progress | None = None,
    ) -> SearchResult:
        """Up to ``limit`` results of a ``search_query``, newest first (or by relevance),
        page after page with the client's spacing in between. Reading stops on the first
        empty page (``totalResults`` can promise more than arXiv serves) and never goes
        past the 10,000-result window. A page that cannot be fetched raises
        NetworkError naming the page: a search is all or nothing."""
        if sort not in SORTS:
            raise ValueError(f"sort must be one of {SORTS}")
        size = min(max(1, page_size or search_page_size()), MAX_PAGE_SIZE)
        wanted = min(limit, SEARCH_WINDOW)
        result = SearchResult(query)
        seen: set[str] = set()
        with ExitStack() as stack:
            step: Callable[[int], None] | None = None
            while result.read < wanted:
                count = min(size, wanted - result.read)
                records, total = self._search_page(query, result.read, count, sort, result.requests)
                records = records[:count]
                result.requests += 1
                if result.requests == 1:
                    result.total = total
                    if total > wanted:
                        result.stopped = "window" if wanted == SEARCH_WINDOW else "limit"
                    wanted = min(wanted, total)
                    if progress and wanted > len(records):
                        step = stack.enter_context(progress(wanted))
                if not records:
                    if result.read < wanted:
                        result.stopped = "empty page"
                    break
                for record in records:
                    if record.id.base not in seen:
                        seen.add(record.id.base)
                        result.records.append(record)
                result.read += len(records)
                if step:
                    step(len(records))
        return result

    def _search_page(
        self, query: str, start: int, count: int, sort: str, pages_before: int
    ) -> tuple[list[ArxivRecord], int]:
        # No raw=1: arXiv's new backend rewrites only words without a field (testing ->
        # all:testing), and every word pubdb sends has one (sources/arxiv_query.py).
        params = {
            "search_query": query,
            "start": str(start),
            "max_results": str(count),
            "sortBy": sort,
            "sortOrder": "descending",
        }
        try:
            return self.with_retries(lambda: parse_search_page(self._query(params)))
        except NetworkError as exc:
            raise NetworkError(f"{exc} (search page {pages_before + 1})") from None

    def _fetch_batch(self, batch: list[str]) -> list[ArxivRecord]:
        params = {"id_list": ",".join(batch), "start": "0", "max_results": str(len(batch))}
        return self.with_retries(lambda: parse_feed(self._query(params)))

    def _query(self, params: dict[str, str]) -> bytes:
        response = self.get(self.settings.base_url, params)
        self.raise_for_retry(response)
        return _check_status(response.status, response.body)


def _check_status(status: int, body: bytes) -> bytes:
    if status == 200:
        if not _looks_like_xml(body):
            raise Retryable("arXiv answered with something that is not an Atom feed", once=True)
        return body
    if status == 400:
        raise NetworkError(f"arXiv rejected the request: {_error_message(body)}")
    if status == 403:
        raise NetworkError("arXiv refused access (HTTP 403); stopping")
    raise NetworkError(f"arXiv answered HTTP {status}")


def _looks_like_xml(body: bytes) -> bool:
    head = body.lstrip(b"\xef\xbb\xbf \t\r\n")[:200].lower()
    return head.startswith(b"<?xml") or head.startswith(b"<feed")


def _error_message(body: bytes) -> str:
    try:
        root = _parse_xml(body)
    except NetworkError:
        return "HTTP 400"
    for entry in root.iter(f"{ATOM}entry"):
        summary = _text(entry, f"{ATOM}summary")
        if summary:
            return summary
    return "HTTP 400"


def _parse_xml(body: bytes) -> ElementTree.Element:
    from defusedxml import DefusedXmlException
    from defusedxml.ElementTree import fromstring

    try:
        root = fromstring(body, forbid_dtd=True, forbid_entities=True, forbid_external=True)
    except DefusedXmlException:
        raise NetworkError("arXiv response declares a DTD or entities; refused") from None
    except ElementTree.ParseError:
        raise Retryable("arXiv response is not well-formed XML (truncated?)", once=True) from None
    _refuse_deep(root)
    return root


def _refuse_deep(root: ElementTree.Element) -> None:
    """Walk the tree without recursion; refuse it if it nests beyond MAX_DEPTH."""
    stack = [(root, 1)]
    while stack:
        element, depth = stack.pop()
        if depth > MAX_DEPTH:
            raise NetworkError(f"arXiv response nests elements over {MAX_DEPTH} deep; refused")
        stack.extend((child, depth + 1) for child in element)


def parse_feed(body: bytes) -> list[ArxivRecord]:
    """Entries of an arXiv Atom feed (old or new backend). Ghost entries without an id
    are skipped; an error feed raises NetworkError."""
    return _records(_feed_root(body))


def parse_search_page(body: bytes) -> tuple[list[ArxivRecord], int]:
    """One page of a search: its entries and ``opensearch:totalResults``."""
    root = _feed_root(body)
    records = _records(root)
    total = _text(root, f"{OPENSEARCH}totalResults") or ""
    return records, int(total) if total.isdigit() else len(records)


def _feed_root(body: bytes) -> ElementTree.Element:
    root = _parse_xml(body)
    if root.tag != f"{ATOM}feed":
        raise Retryable("arXiv response is not an Atom feed", once=True)
    return root


def _records(root: ElementTree.Element) -> list[ArxivRecord]:
    records = []
    for entry in root.iter(f"{ATOM}entry"):
        entry_id = _text(entry, f"{ATOM}id")
        if not entry_id:
            continue
        if "/api/errors" in entry_id:
            raise NetworkError(f"arXiv reported an error: {_text(entry, f'{ATOM}summary')}")
        records.append(parse_entry(entry))
    return records


def parse_entry(entry: ElementTree.Element) -> ArxivRecord:
    """One Atom ``<entry>`` as an ArxivRecord; raises NetworkError if its id is unusable."""
    entry_id = _text(entry, f"{ATOM}id") or ""
    match = _ABS_ID.search(entry_id)
    try:
        arxiv_id = parse_arxiv_id(match["id"]) if match else None
    except InvalidIdentifier:
        arxiv_id = None
    if arxiv_id is None:
        raise NetworkError(f"arXiv returned an entry with an unusable id: {entry_id!r}")
    links = _links(entry)
    primary = entry.find(f"{ARXIV}primary_category")
    return ArxivRecord(
        id=arxiv_id,
        title=_text(entry, f"{ATOM}title") or "",
        abstract=_text(entry, f"{ATOM}summary") or "",
        authors=tuple(_author(element) for element in entry.findall(f"{ATOM}author")),
        published=_timestamp(entry, "published", arxiv_id),
        updated=_timestamp(entry, "updated", arxiv_id),
        dois=tuple(_dois(entry)),
        journal_ref=_text(entry, f"{ARXIV}journal_ref"),
        comment=_text(entry, f"{ARXIV}comment"),
        primary_category=_category(primary.get("term") if primary is not None else None),
        categories=tuple(_categories(entry)),
        abs_url=links.get("abs") or arxiv_id.abs_url,
        pdf_url=links.get("pdf") or arxiv_url(str(arxiv_id), "pdf"),
        xml=ElementTree.tostring(entry, encoding="unicode").strip(),
    )


def parse_entry_xml(xml: str) -> ArxivRecord:
    """Re-parse an entry stored in the database, without the network."""
    from ..errors import DatabaseError

    try:
        return parse_entry(_parse_xml(xml.encode("utf-8")))
    except Retryable as exc:
        raise DatabaseError(f"stored arXiv entry is damaged: {exc}") from None


def _text(element: ElementTree.Element, tag: str) -> str | None:
    child = element.find(tag)
    if child is None:
        return None
    text = " ".join("".join(child.itertext()).split())
    return text or None


def _timestamp(entry: ElementTree.Element, tag: str, arxiv_id: ArxivId) -> str:
    """An entry's date as sent, if it is one: '99999-13-45' would be stored as a year
    9999 and a date that no calendar has."""
    from datetime import datetime

    text = _text(entry, f"{ATOM}{tag}") or ""
    if text:
        try:
            valid = bool(_TIMESTAMP.fullmatch(text)) and bool(datetime.fromisoformat(text))
        except ValueError:
            valid = False
        if not valid:
            raise NetworkError(
                f"arXiv sent an impossible date for {arxiv_id} ({tag}: {text[:40]!r}); refused"
            )
    return text


def _author(element: ElementTree.Element) -> ArxivAuthor:
    affiliations = tuple(
        " ".join(a.text.split()) for a in element.findall(f"{ARXIV}affiliation") if a.text
    )
    return ArxivAuthor(_text(element, f"{ATOM}name") or "", affiliations)


def _dois(entry: ElementTree.Element) -> list[str]:
    found: list[str] = []
    for element in entry.findall(f"{ARXIV}doi"):
        for doi in (element.text or "").split():
            if doi.startswith("10.") and doi.lower() not in (d.lower() for d in found):
                found.append(doi)
    return found


def _category(term: str | None) -> str | None:
    return term if term and _CATEGORY.match(term) else None


def _categories(entry: ElementTree.Element) -> list[str]:
    terms = (_category(c.get("term")) for c in entry.findall(f"{ATOM}category"))
    return list(dict.fromkeys(term for term in terms if term))


def _links(entry: ElementTree.Element) -> dict[str, str]:
    """abs and pdf links, with or without rel/title attributes (both backends)."""
    links: dict[str, str] = {}
    for link in entry.findall(f"{ATOM}link"):
        href = link.get("href") or ""
        if link.get("title") == "pdf" or link.get("type") == "application/pdf":
            links.setdefault("pdf", href)
        elif "/pdf/" in href:
            links.setdefault("pdf_guess", href)
        elif "/abs/" in href:
            links.setdefault("abs", href)
    if "pdf" not in links and "pdf_guess" in links:
        links["pdf"] = links["pdf_guess"]
    return links
