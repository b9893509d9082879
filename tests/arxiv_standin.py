"""A loopback stand-in for the arXiv API, serving pubdb's own test feeds.

It answers ``id_list`` queries the way arXiv does: the entry of each id it knows (from
``tests/fixtures/arxiv/papers.xml``: facts of real papers, placeholder abstracts), unknown
ids silently left out, results cut at ``max_results`` (default 10), a 400 error feed for a
malformed id, and (optionally) 429 for requests that come sooner than arXiv's 3-second
spacing. Faults can be queued to replace the next answers, or scheduled for the n-th.

It answers ``search_query`` too (``arxiv_search.py``): ``au:``, ``ti:``, ``abs:``,
``all:``, ``cat:``, phrases, ``AND``/``OR``/``ANDNOT``, parentheses and
``submittedDate:[FROM TO TO]`` over the same entries, sorted by ``sortBy``, paged by
``start`` and ``max_results`` with ``totalResults``, and the 400 error feed for bad
syntax, a bad sort, ``max_results`` above 2,000 or a page past the 10,000-result window.
``claimed_total`` makes it promise more results than it serves (pages past the real ones
come back empty, as arXiv's do).

Real recorded arXiv responses are an optional extra layer for the parser tests only
(tests/test_arxiv_parse.py): they are read from ``$PUBDB_ARXIV_FIXTURES``, else from
``../shared/fixtures/arxiv`` beside the repository, and are never needed otherwise.
"""

from __future__ import annotations

import os
import re
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

from werkzeug import Request, Response

TESTS = Path(__file__).resolve().parent
# pubdb's own feeds, written for the tests (see fixtures/arxiv/README.md).
FIXTURES = TESTS / "fixtures" / "arxiv"
PAPERS = FIXTURES / "papers.xml"
# The one switch for the optional layer of real recordings: a directory, or a path that
# does not exist (e.g. /nonexistent) to leave that layer out.
RECORDINGS = Path(
    os.environ.get("PUBDB_ARXIV_FIXTURES") or TESTS.parents[1] / "shared" / "fixtures" / "arxiv"
)

_ENTRY = re.compile(rb"<entry>.*?</entry>", re.DOTALL)
_ENTRY_ID = re.compile(rb"<id>https?://arxiv\.org/abs/([^<]+?)(?:v\d+)?</id>")
_WELL_FORMED = re.compile(r"^(\d{4}\.\d{4,5}|[a-z-]+(\.[A-Z]{2})?/\d{7})(v\d+)?$")

FEED_HEAD = (
    b"<?xml version='1.0' encoding='UTF-8'?>\n"
    b'<feed xmlns:opensearch="http://a9.com/-/spec/opensearch/1.1/" '
    b'xmlns:arxiv="http://arxiv.org/schemas/atom" xmlns="http://www.w3.org/2005/Atom">\n'
)


def fixture_path(relative: str) -> Path:
    """A file of pubdb's own arXiv feeds (tests/fixtures/arxiv)."""
    return FIXTURES / relative


def entries_of(body: bytes) -> dict[str, bytes]:
    """Base arXiv id -> the exact bytes of its ``<entry>``, first one of each id kept."""
    entries: dict[str, bytes] = {}
    for entry in _ENTRY.findall(body):
        match = _ENTRY_ID.search(entry)
        if match:
            entries.setdefault(match[1].decode(), entry)
    return entries


def fixture_entries() -> dict[str, bytes]:
    """Base arXiv id -> ``<entry>`` bytes of every paper the stand-in knows."""
    return entries_of(PAPERS.read_bytes())


# The name the tests have always imported.
recorded_entries = fixture_entries


def recordings_available() -> bool:
    """Whether the real recorded arXiv responses (the optional extra layer) are here."""
    return (RECORDINGS / "INDEX.json").is_file()


def recording_path(relative: str) -> Path:
    return RECORDINGS / relative


def feed(entries: list[bytes], id_list: str = "", total: int | None = None) -> bytes:
    count = len(entries) if total is None else total
    head = (
        b"  <id>https://arxiv.org/api/standin</id>\n"
        b"  <title>arXiv Query: search_query=&amp;id_list=" + id_list.encode() + b"</title>\n"
        b"  <updated>2026-04-12T22:09:26Z</updated>\n"
        b"  <opensearch:itemsPerPage>"
        + str(len(entries)).encode()
        + b"</opensearch:itemsPerPage>\n"
        b"  <opensearch:totalResults>" + str(count).encode() + b"</opensearch:totalResults>\n"
        b"  <opensearch:startIndex>0</opensearch:startIndex>\n"
    )
    body = b"".join(b"  " + entry + b"\n" for entry in entries)
    return FEED_HEAD + head + body + b"</feed>\n"


def error_feed(bad_id: str, message: str | None = None) -> bytes:
    """arXiv's 400 answer: an error entry whose ``<summary>`` says what was wrong."""
    from xml.sax.saxutils import escape

    message = message or f"incorrect id format for {bad_id}"
    anchor = re.sub(r"\W+", "_", message)
    entry = (
        b"<entry><id>https://arxiv.org/api/errors#"
        + escape(anchor).encode()
        + b"</id><title>Error</title><summary>"
        + escape(message).encode()
        + b"</summary><author><name>arXiv api core</name></author></entry>"
    )
    return feed([entry], total=1)


@dataclass
class ArxivStandIn:
    entries: dict[str, bytes] = field(default_factory=fixture_entries)
    min_interval: float = 0.0
    requests: list[dict[str, str]] = field(default_factory=list)
    faults: list[Response] = field(default_factory=list)
    scheduled: dict[int, Response] = field(default_factory=dict)
    claimed_total: int | None = None
    refused: int = 0
    _last: float | None = None
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def fail_next(self, *responses: Response) -> None:
        self.faults.extend(responses)

    def fail_request(self, number: int, response: Response) -> None:
        """Answer the ``number``-th request (1 for the first) with ``response``."""
        self.scheduled[number] = response

    def handler(self, request: Request) -> Response:
        with self._lock:
            now = time.monotonic()
            self.requests.append(dict(request.args))
            if len(self.requests) in self.scheduled:
                return self.scheduled.pop(len(self.requests))
            if self.faults:
                return self.faults.pop(0)
            if (
                self.min_interval
                and self._last is not None
                and now - self._last < self.min_interval
            ):
                self.refused += 1
                self._last = now
                return Response("Rate exceeded.", status=429, content_type="text/plain")
            self._last = now
        if "search_query" in request.args:
            return self.search(request.args)
        return self.answer(
            request.args.get("id_list", ""), int(request.args.get("max_results", 10))
        )

    def search(self, args) -> Response:
        from arxiv_search import SearchError, answer_search

        try:
            entries, total = answer_search(self.entries, args, self.claimed_total)
        except SearchError as problem:
            return Response(
                error_feed("", str(problem)), status=400, content_type="application/atom+xml"
            )
        return Response(
            feed(entries, total=total), content_type="application/atom+xml; charset=utf-8"
        )

    @property
    def searches(self) -> list[dict[str, str]]:
        """The parameters of every search request, in order."""
        return [params for params in self.requests if "search_query" in params]

    def answer(self, id_list: str, max_results: int) -> Response:
        ids = [i for i in id_list.split(",") if i]
        for arxiv_id in ids:
            if not _WELL_FORMED.match(arxiv_id):
                return Response(
                    error_feed(arxiv_id), status=400, content_type="application/atom+xml"
                )
        bases = [re.sub(r"v\d+$", "", i) for i in ids]
        found = [self.entries[b] for b in bases if b in self.entries]
        return Response(
            feed(found[:max_results], id_list, total=len(found)),
            content_type="application/atom+xml; charset=utf-8",
        )

    @property
    def asked_ids(self) -> list[str]:
        return [i for params in self.requests for i in params.get("id_list", "").split(",") if i]
