"""Searching arXiv (``search_query``): the query built from what a user types, paging
by the rules of ../shared/ARXIV.md ("Searching"), and the stand-in that answers it.

Waiting is recorded by a fake clock, the HTTP goes to the loopback stand-in."""

from __future__ import annotations

from contextlib import contextmanager

import pytest
from werkzeug import Response

from arxiv_search import SearchError, answer_search
from arxiv_standin import ArxivStandIn, feed
from pubdb.errors import NetworkError, UsageError
from pubdb.sources.arxiv import ArxivClient, ClientSettings
from pubdb.sources.arxiv_query import SearchQuery, date_bound, title_words
from search_feeds import numbered_entries, written_entry


@pytest.fixture
def client(arxiv, fake_time, httpserver) -> ArxivClient:
    settings = ClientSettings(
        base_url=httpserver.url_for("/api/query"), delay=3, backoff=1, retries=1,
        connect_timeout=2, read_timeout=5,
    )  # fmt: skip
    return ArxivClient(settings, sleep=fake_time.sleep, clock=fake_time.clock)


# -- the query ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    "given, expected",
    [
        ({"author": "Oussama Zekri"}, "au:zekri"),
        ({"author": "O. Zekri"}, "au:zekri"),
        ({"author": "Zekri, Oussama"}, "au:zekri"),
        ({"author": "Y. Attia El Hili"}, 'au:"attia el hili"'),
        ({"author": "C. Domingo-Enrich"}, 'au:"domingo enrich"'),
        ({"author": "S. d'Ascoli"}, "au:ascoli"),
        ({"author": "Balázs Kégl"}, "au:kegl"),
        ({"author": "Boull{\\'e}, N."}, "au:boulle"),
        (
            {"author": "S. Jelassi", "since": "2023"},
            "au:jelassi AND submittedDate:[202301010000 TO 299912312359]",
        ),
        (
            {"title": "Large Language Models as Markov Chains"},
            "ti:large AND ti:language AND ti:models AND ti:as AND ti:markov AND ti:chains",
        ),
        (
            {"title": "Depth Dependence of $\\mu P$ Learning Rates in ReLU MLPs"},
            "ti:depth AND ti:dependence AND ti:of AND ti:learning AND ti:rates AND ti:in"
            " AND ti:relu AND ti:mlps",
        ),
        ({"title": "Diffusion on Fractal Ces\\`aro Curve"}, "ti:diffusion AND ti:on AND "
         "ti:fractal AND ti:cesaro AND ti:curve"),
        ({"title": "Can LLMs predict ... Descent?"}, "ti:can AND ti:llms AND ti:predict AND "
         "ti:descent"),
        (
            {"title": 'x" OR au:foo) AND (cat:hep-th', "until": "2024-02"},
            "ti:au AND ti:foo AND ti:cat AND ti:hep AND ti:th AND"
            " submittedDate:[199101010000 TO 202402292359]",
        ),
    ],
    ids=[
        "full-name", "initials", "family-first", "three-word-family", "hyphen", "particle",
        "accents", "tex-accent", "since-year", "title-words", "tex-math-left-out",
        "tex-accent-in-title", "punctuation", "operators-in-user-text-are-words",
    ],
)  # fmt: skip
def test_query_text(given, expected):
    assert SearchQuery(**given).text == expected


@pytest.mark.parametrize(
    "text, end, expected",
    [
        ("2023", False, "202301010000"),
        ("2023", True, "202312312359"),
        ("2024-02", True, "202402292359"),
        ("2023-02", True, "202302282359"),
        ("2023-12", True, "202312312359"),
        ("2024-02-03", False, "202402030000"),
        ("2024-2-3", True, "202402032359"),
    ],
    ids=["year", "year-end", "leap-february", "february", "december", "day", "short-month"],
)
def test_date_bounds(text, end, expected):
    assert date_bound(text, end=end) == expected


@pytest.mark.parametrize(
    "given, message",
    [
        ({}, "nothing to search for"),
        ({"author": "  "}, "nothing to search for"),
        ({"author": "Zekri", "since": "2023-13"}, "not a date: '2023-13'"),
        ({"author": "Zekri", "since": "last year"}, "not a date"),
        ({"author": "Zekri", "until": "2024-02-30"}, "not a date"),
        ({"author": "Zekri", "since": "2025", "until": "2024"}, "the date range is empty"),
        ({"title": "$\\mu$ -- ?"}, "no words to search for"),
        ({"author": "---"}, "not a name to search for"),
    ],
    ids=["nothing", "blank-author", "month-13", "words", "day-30-feb", "empty-range",
         "title-all-math", "name-no-letters"],
)  # fmt: skip
def test_bad_queries_are_usage_errors(given, message):
    with pytest.raises(UsageError, match=message):
        SearchQuery(**given)


def test_title_words_drop_math_and_fold_accents():
    assert title_words("$\\omega$Test: WebView-Oriented Testing") == [
        "test", "webview", "oriented", "testing",
    ]  # fmt: skip
    assert title_words("Zero-shot -- a Zero Shot") == ["zero", "shot"]


# -- the stand-in answers search_query -----------------------------------------------------


def ids_of(entries: list[bytes]) -> list[str]:
    from arxiv_search import facts_of

    return [facts_of(entry).arxiv_id for entry in entries]


@pytest.mark.parametrize(
    "query, expected",
    [
        ("au:zekri", {"2502.01384", "2410.02724", "2408.01736"}),
        ('au:"samy jelassi" AND ti:transformers', {"2402.01032", "2210.09221", "2306.15400"}),
        ("au:zekri ANDNOT ti:markov", {"2502.01384", "2408.01736"}),
        ("ti:markov OR ti:copying", {"2410.02724", "1605.08386", "2402.01032"}),
        ("au:zekri AND (ti:markov OR ti:diffusion)", {"2410.02724", "2502.01384"}),
        ("au:zekri AND submittedDate:[202501010000 TO 202512312359]", {"2502.01384"}),
        ("ti:cesaro", {"1704.03514"}),
        ("au:jelassi_s AND ti:copying", {"2402.01032"}),
    ],
    ids=["author", "phrase-and-title", "andnot", "or", "parentheses", "date-range",
         "accent-folded", "family-and-initial"],
)  # fmt: skip
def test_standin_evaluates_search_queries(query, expected):
    entries = ArxivStandIn().entries
    found, total = answer_search(entries, {"search_query": query, "max_results": "50"})
    assert set(ids_of(found)) == expected and total == len(expected)


@pytest.mark.parametrize(
    "args, message",
    [
        ({"search_query": "au:zekri AND"}, "ends too soon"),
        ({"search_query": "(au:zekri"}, "unbalanced"),
        ({"search_query": "xx:zekri"}, "unknown field"),
        ({"search_query": "au:zekri", "sortBy": "date"}, "sortBy"),
        ({"search_query": "au:zekri", "start": "-1"}, "non-negative"),
        ({"search_query": "au:zekri", "max_results": "2001"}, "max_results"),
        ({"search_query": "au:zekri", "start": "9999", "max_results": "2"}, "10000"),
        ({"search_query": "submittedDate:[2025 TO 2026]"}, "malformed date"),
    ],
    ids=["dangling-and", "parenthesis", "field", "sort", "start", "page-size", "window",
         "date"],
)  # fmt: skip
def test_standin_rejects_what_arxiv_rejects(args, message):
    with pytest.raises(SearchError, match=message):
        answer_search(ArxivStandIn().entries, args)


def test_standin_answers_bad_syntax_with_the_400_error_feed(arxiv, client):
    with pytest.raises(NetworkError, match=r"rejected the request: .*ends too soon"):
        client.search("au:zekri AND")
    assert len(arxiv.requests) == 1  # a 400 is not retried


# -- paging ------------------------------------------------------------------------------


def test_search_pages_until_all_are_read(arxiv, client, fake_time):
    arxiv.entries.update(numbered_entries(23, "Paula Pager"))
    result = client.search("au:pager", page_size=10)
    assert [(r["start"], r["max_results"]) for r in arxiv.searches] == [
        ("0", "10"), ("10", "10"), ("20", "3"),
    ]  # fmt: skip
    assert all(r["sortBy"] == "submittedDate" for r in arxiv.searches)
    assert all(r["sortOrder"] == "descending" for r in arxiv.searches)
    assert result.total == 23 and result.read == 23 and result.requests == 3
    assert result.stopped == "all"
    assert [r.id.base for r in result.records][:2] == ["2501.00023", "2501.00022"]
    assert len({r.id.base for r in result.records}) == 23
    assert fake_time.sleeps == [3, 3]  # arXiv's spacing between pages


def test_search_stops_at_the_limit_and_asks_no_more_than_needed(arxiv, client):
    arxiv.entries.update(numbered_entries(23, "Paula Pager"))
    result = client.search("au:pager", limit=15, page_size=10)
    assert [(r["start"], r["max_results"]) for r in arxiv.searches] == [("0", "10"), ("10", "5")]
    assert len(result.records) == 15 and result.stopped == "limit" and result.total == 23


def test_search_stops_on_an_empty_page_before_total_results(arxiv, client):
    """totalResults can promise more than arXiv serves: the first empty page ends it."""
    arxiv.entries.update(numbered_entries(12, "Paula Pager"))
    arxiv.claimed_total = 40
    result = client.search("au:pager", page_size=5)
    assert [r["start"] for r in arxiv.searches] == ["0", "5", "10", "12"]
    assert len(result.records) == 12 and result.total == 40
    assert result.stopped == "empty page"


def test_a_short_page_moves_start_by_what_was_received(arxiv, client, monkeypatch):
    """A page with fewer entries than asked: the next starts after those received."""
    arxiv.entries.update(numbered_entries(9, "Paula Pager"))
    real = arxiv.search

    def short_first_page(args):
        return real({**args, "max_results": "3"} if len(arxiv.requests) == 1 else args)

    monkeypatch.setattr(arxiv, "search", short_first_page)
    result = client.search("au:pager", page_size=5)
    assert [r["start"] for r in arxiv.searches] == ["0", "3", "8"]
    assert len(result.records) == 9


def test_search_never_asks_past_the_10000_window(arxiv, client):
    """More results than arXiv serves: the last page ends exactly at the 10,000th."""
    arxiv.entries.update(numbered_entries(30, "Paula Pager"))
    arxiv.claimed_total = 250_000
    result = client.search("au:pager", limit=50_000, page_size=2000)
    starts = [int(r["start"]) for r in arxiv.searches]
    assert starts == [0, 30]  # the stand-in has 30: the empty second page ends it
    assert result.stopped == "empty page"
    for request in arxiv.searches:
        assert int(request["start"]) + int(request["max_results"]) <= 10_000


def test_the_window_bounds_the_pages_asked(arxiv, client, monkeypatch):
    """With arXiv serving every page, the pages asked stop at the 10,000th result and
    the result says why."""

    def full_page(args):
        start, size = int(args["start"]), int(args["max_results"])
        assert start + size <= 10_000
        entries = [
            written_entry(f"2502.{n:05d}", f"Window test paper {n}", ["Paula Pager"])
            for n in range(start, start + size)
        ]
        return Response(feed(entries, total=250_000), content_type="application/atom+xml")

    monkeypatch.setattr(arxiv, "search", full_page)
    result = client.search("au:pager", limit=50_000, page_size=2000)
    assert [int(r["start"]) for r in arxiv.searches] == [0, 2000, 4000, 6000, 8000]
    assert result.stopped == "window" and len(result.records) == 10_000


def test_progress_appears_only_when_several_pages_are_needed(arxiv, client):
    arxiv.entries.update(numbered_entries(12, "Paula Pager"))
    opened: list[int] = []
    steps: list[int] = []

    @contextmanager
    def progress(total):
        opened.append(total)
        yield steps.append

    client.search("au:pager", page_size=5, progress=progress)
    assert opened == [12] and steps == [5, 5, 2]
    opened.clear()
    client.search("au:pager", page_size=50, progress=progress)
    assert opened == []


def test_a_fault_on_page_2_fails_the_whole_search_naming_the_page(arxiv, client):
    arxiv.entries.update(numbered_entries(12, "Paula Pager"))
    arxiv.fail_request(2, Response("Service Unavailable", status=503))
    arxiv.fail_request(3, Response("Service Unavailable", status=503))
    with pytest.raises(
        NetworkError, match=r"after 2 attempts: arXiv answered HTTP 503 \(search page 2\)"
    ):
        client.search("au:pager", page_size=5)


def test_a_search_with_no_result_asks_once(arxiv, client):
    result = client.search("au:nobodyhere")
    assert len(arxiv.requests) == 1 and result.records == [] and result.stopped == "all"


def test_page_size_from_the_environment(arxiv, client, monkeypatch):
    arxiv.entries.update(numbered_entries(5, "Paula Pager"))
    monkeypatch.setenv("PUBDB_ARXIV_PAGE_SIZE", "2")
    client.search("au:pager")
    assert [r["max_results"] for r in arxiv.searches] == ["2", "2", "1"]
    monkeypatch.setenv("PUBDB_ARXIV_PAGE_SIZE", "5000")
    with pytest.raises(UsageError, match="PUBDB_ARXIV_PAGE_SIZE must be a number from 1 to 2000"):
        client.search("au:pager")


def test_duplicates_across_pages_are_kept_once(arxiv, client, monkeypatch):
    """Results can shift between pages: a paper seen twice is one record."""
    arxiv.entries.update(numbered_entries(6, "Paula Pager"))
    real = arxiv.search

    def overlapping(args):
        return real({**args, "start": str(max(0, int(args["start"]) - 1))})

    monkeypatch.setattr(arxiv, "search", overlapping)
    result = client.search("au:pager", page_size=3)
    assert [r["start"] for r in arxiv.searches] == ["0", "3"]
    assert [r.id.base for r in result.records] == [f"2501.{n:05d}" for n in (6, 5, 4, 3, 2)]
