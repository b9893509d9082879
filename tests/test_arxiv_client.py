"""ArxivClient policy: batching, matching by id, politeness, bounded retries, garbage in.

Waiting is recorded by a fake ``sleep`` that moves a fake ``clock``, so the tests are
exact and fast; the HTTP itself goes to the loopback stand-in.
"""

from __future__ import annotations

import dataclasses
import itertools
import socket
import time
from email.utils import formatdate

import pytest
from werkzeug import Request, Response

from arxiv_standin import error_feed, feed
from pubdb.errors import NetworkError
from pubdb.ids import parse_arxiv_id
from pubdb.sources.arxiv import ArxivClient, ClientSettings

KNOWN = ["2206.06921", "1707.08567", "2104.12255", "astro-ph/0601001"]


@pytest.fixture
def client_for(arxiv, fake_time, httpserver):
    """Build a client against the stand-in (or ``path`` on the same server)."""

    def make(path: str = "/api/query", **settings) -> ArxivClient:
        base = ClientSettings(
            base_url=httpserver.url_for(path),
            delay=0,
            backoff=1,
            retries=2,
            connect_timeout=2,
            read_timeout=5,
        )
        options = {k: settings.pop(k) for k in ("last_request", "on_request") if k in settings}
        return ArxivClient(
            dataclasses.replace(base, **settings),
            sleep=fake_time.sleep,
            clock=fake_time.clock,
            **options,
        )

    return make


def ids(*texts: str):
    return [parse_arxiv_id(text) for text in texts]


def fail(status: int, body: bytes | str = b"", **headers: str) -> Response:
    return Response(body, status=status, headers=headers, content_type="text/plain")


# -- batching and matching -----------------------------------------------------------


def test_250_ids_go_in_batches_of_100_100_50(arxiv, client_for):
    known = sorted(arxiv.entries)[:150]
    unknown = [f"2501.{n:05d}" for n in range(1, 101)]
    wanted = [x for pair in zip(known[:100], unknown, strict=True) for x in pair] + known[100:]
    advanced: list[int] = []
    result = client_for().fetch(ids(*wanted), progress=advanced.append)
    sizes = [len(r["id_list"].split(",")) for r in arxiv.requests]
    assert sizes == [100, 100, 50]
    assert [r["max_results"] for r in arxiv.requests] == ["100", "100", "50"]
    assert arxiv.asked_ids == wanted  # in the order given, none asked twice
    assert advanced == [100, 100, 50] and result.requests == 3
    assert set(result.records) == set(known)
    assert [str(i) for i in result.not_found] == unknown


def test_ids_are_deduplicated_by_base_id(arxiv, client_for):
    result = client_for().fetch(
        ids(
            "2206.06921v1",
            "arXiv:2206.06921",
            "2206.06921v3",
            "astro-ph/0601001v1",
            "https://arxiv.org/abs/astro-ph/0601001",
        )
    )
    assert arxiv.requests == [
        {"id_list": "2206.06921,astro-ph/0601001", "start": "0", "max_results": "2"}
    ]
    assert set(result.records) == {"2206.06921", "astro-ph/0601001"}
    assert result.records["2206.06921"].id.version == 3  # the latest, whatever was asked
    assert result.not_found == []


def test_results_are_matched_by_id_not_position(arxiv, client_for, httpserver):
    """A feed in another order, missing one id and carrying one not asked for."""

    def shuffled(request: Request) -> Response:
        asked = request.args["id_list"].split(",")
        entries = [arxiv.entries[i] for i in reversed(asked) if i in arxiv.entries]
        entries.append(arxiv.entries["1605.08386"])  # never asked
        return Response(feed(entries), content_type="application/atom+xml")

    httpserver.expect_request("/shuffled").respond_with_handler(shuffled)
    asked = ["2206.06921", "2501.00001", "1707.08567", "astro-ph/0601001"]
    result = client_for("/shuffled").fetch(ids(*asked))
    assert set(result.records) == {"2206.06921", "1707.08567", "astro-ph/0601001"}
    for base, record in result.records.items():
        assert record.id.base == base
    assert result.records["astro-ph/0601001"].authors[0].name == "Andrew Gould"
    assert result.records["2206.06921"].title == "Attainable forms of Assouad spectra"
    assert [str(i) for i in result.not_found] == ["2501.00001"]


def test_request_carries_user_agent_and_query(arxiv, client_for, httpserver):
    client_for().fetch(ids("2206.06921v2", "1707.08567"))
    [(request, _)] = httpserver.log
    assert request.headers["User-Agent"].startswith("pubdb/")
    assert request.args["id_list"] == "2206.06921,1707.08567"
    assert request.args["start"] == "0"
    assert request.args["max_results"] == "2"


# -- politeness ----------------------------------------------------------------------


def test_consecutive_requests_are_spaced_by_the_delay(arxiv, client_for, fake_time):
    times: list[float] = []
    wanted = [f"2501.{n:05d}" for n in range(1, 251)]
    client_for(delay=3, on_request=times.append).fetch(ids(*wanted))
    assert len(arxiv.requests) == 3
    assert fake_time.sleeps == [3, 3]
    assert [b - a for a, b in itertools.pairwise(times)] == [3, 3]
    assert times[0] == 1_700_000_000.0  # the first request of a fresh run waits for nothing


def test_previous_runs_request_makes_the_first_request_wait(arxiv, client_for, fake_time):
    times: list[float] = []
    client = client_for(delay=3, last_request=fake_time.now - 1, on_request=times.append)
    client.fetch(ids("2206.06921"))
    assert fake_time.sleeps == [pytest.approx(2)]
    assert times == [fake_time.now]
    assert client.last_request == fake_time.now


def test_an_old_previous_request_costs_no_wait(arxiv, client_for, fake_time):
    client_for(delay=3, last_request=fake_time.now - 60).fetch(ids("2206.06921"))
    assert fake_time.sleeps == []


def test_a_request_time_in_the_future_waits_at_most_the_delay(arxiv, client_for, fake_time):
    client_for(delay=3, last_request=fake_time.now + 3600).fetch(ids("2206.06921"))
    assert fake_time.sleeps == [3]


def test_retries_keep_the_spacing(arxiv, client_for, fake_time):
    arxiv.fail_next(fail(429, "Rate exceeded.", **{"Retry-After": "1"}))
    times: list[float] = []
    client_for(delay=3, on_request=times.append).fetch(ids("2206.06921"))
    assert times[1] - times[0] >= 3
    assert sum(fake_time.sleeps) == pytest.approx(3)


# -- retries -------------------------------------------------------------------------


def test_429_with_retry_after_waits_that_long(arxiv, client_for, fake_time):
    arxiv.fail_next(fail(429, "Rate exceeded.", **{"Retry-After": "7"}))
    result = client_for(backoff=100).fetch(ids("2206.06921"))
    assert fake_time.sleeps == [7]
    assert len(arxiv.requests) == 2
    assert set(result.records) == {"2206.06921"}


def test_retry_after_as_an_http_date(arxiv, client_for, fake_time):
    arxiv.fail_next(fail(503, "busy", **{"Retry-After": formatdate(time.time() + 30, usegmt=True)}))
    client_for().fetch(ids("2206.06921"))
    [pause] = fake_time.sleeps
    assert 27 <= pause <= 30


def test_429_without_retry_after_backs_off_exponentially(arxiv, client_for, fake_time):
    arxiv.fail_next(*[fail(429, "Rate exceeded.") for _ in range(6)])
    client_for(backoff=2, retries=6, max_retry_wait=300).fetch(ids("2206.06921"))
    assert len(arxiv.requests) == 7
    bases = [2, 4, 8, 16, 32, 40]  # backoff * 2**attempt, capped at 20 * backoff
    assert len(fake_time.sleeps) == len(bases)
    for pause, base in zip(fake_time.sleeps, bases, strict=True):
        assert 0.8 * base <= pause <= 1.2 * base


@pytest.mark.parametrize("status", [500, 502, 503, 504])
def test_server_errors_are_retried(arxiv, client_for, status):
    arxiv.fail_next(fail(status, "oops"))
    result = client_for().fetch(ids("2206.06921"))
    assert len(arxiv.requests) == 2
    assert set(result.records) == {"2206.06921"}


def test_error_feed_is_not_retried(arxiv, client_for):
    arxiv.fail_next(
        Response(error_feed("2206.0692x"), status=400, content_type="application/atom+xml")
    )
    with pytest.raises(NetworkError, match=r"incorrect id format for 2206\.0692x"):
        client_for().fetch(ids("2206.06921"))
    assert len(arxiv.requests) == 1


@pytest.mark.parametrize("status", [403, 404])
def test_client_errors_are_not_retried(arxiv, client_for, fake_time, status):
    arxiv.fail_next(*[fail(status, "no") for _ in range(3)])
    with pytest.raises(NetworkError, match=str(status)):
        client_for().fetch(ids("2206.06921"))
    assert len(arxiv.requests) == 1
    assert fake_time.sleeps == []


@pytest.mark.parametrize("retries", [0, 1, 3])
def test_attempts_are_bounded_by_retries(arxiv, client_for, fake_time, retries):
    arxiv.fail_next(*[fail(503, "busy") for _ in range(10)])
    tries = "1 attempt" if retries == 0 else f"{retries + 1} attempts"
    with pytest.raises(NetworkError, match=f"after {tries}: .*HTTP 503"):
        client_for(retries=retries).fetch(ids("2206.06921"))
    assert len(arxiv.requests) == retries + 1
    assert len(fake_time.sleeps) == retries


def test_retry_after_beyond_the_budget_gives_up_at_once(arxiv, client_for, fake_time):
    arxiv.fail_next(fail(429, "Rate exceeded.", **{"Retry-After": "3600"}))
    with pytest.raises(NetworkError, match="rate limited") as error:
        client_for(max_retry_wait=300, retries=5).fetch(ids("2206.06921"))
    assert "429" in str(error.value)
    assert len(arxiv.requests) == 1
    assert fake_time.sleeps == []


def test_total_retry_wait_is_bounded(arxiv, client_for, fake_time):
    arxiv.fail_next(*[fail(503, "busy", **{"Retry-After": "5"}) for _ in range(10)])
    with pytest.raises(NetworkError, match="after 3 attempts"):
        client_for(max_retry_wait=12, retries=10).fetch(ids("2206.06921"))
    assert fake_time.sleeps == [5, 5]


def test_connection_refused_ends_in_network_error(arxiv, fake_time):
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    settings = ClientSettings(
        base_url=f"http://127.0.0.1:{port}/api/query",
        delay=0,
        backoff=1,
        retries=2,
        connect_timeout=2,
    )
    client = ArxivClient(settings, sleep=fake_time.sleep, clock=fake_time.clock)
    with pytest.raises(NetworkError, match=r"^cannot reach arXiv: connection refused$"):
        client.fetch(ids("2206.06921"))
    assert fake_time.sleeps == []  # asking again cannot help


def test_read_timeout_ends_in_network_error(client_for, httpserver, fake_time):
    def slow(request: Request) -> Response:
        time.sleep(0.6)
        return Response(feed([]), content_type="application/atom+xml")

    httpserver.expect_request("/slow").respond_with_handler(slow)
    started = time.monotonic()
    with pytest.raises(NetworkError, match="after 2 attempts: timed out"):
        client_for("/slow", read_timeout=0.2, retries=1).fetch(ids("2206.06921"))
    assert time.monotonic() - started < 3


# -- garbage with a 200 --------------------------------------------------------------

TRUNCATED = feed([b"<entry><id>http://arxiv.org/abs/2206.06921v3</id><title>Attainable"])[:300]


@pytest.mark.parametrize(
    "body, reason",
    [
        (b"<!DOCTYPE html><html><body>Service Unavailable</body></html>", "not an Atom feed"),
        (b"Rate exceeded.", "not an Atom feed"),
        (b"<?xml version='1.0'?><html><body>maintenance</body></html>", "not an Atom feed"),
        (TRUNCATED, "not well-formed"),
        (b"", "not an Atom feed"),
    ],
    ids=["html", "text", "xhtml", "truncated", "empty"],
)
def test_garbage_200_is_retried_once(arxiv, client_for, body, reason):
    arxiv.fail_next(*[Response(body, status=200, content_type="text/html") for _ in range(3)])
    with pytest.raises(NetworkError, match=f"after 2 attempts.*{reason}"):
        client_for(retries=5).fetch(ids("2206.06921"))
    assert len(arxiv.requests) == 2


def test_one_garbled_answer_is_retried_and_recovers(arxiv, client_for):
    arxiv.fail_next(Response(TRUNCATED, status=200, content_type="application/atom+xml"))
    result = client_for().fetch(ids("2206.06921"))
    assert set(result.records) == {"2206.06921"}
    assert len(arxiv.requests) == 2


def test_feed_with_entities_is_refused_without_retry(arxiv, client_for):
    bomb = (
        b'<?xml version="1.0"?><!DOCTYPE feed [<!ENTITY a "aaaaaaaaaa">'
        b'<!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;">]>'
        b'<feed xmlns="http://www.w3.org/2005/Atom"><title>&b;</title></feed>'
    )
    arxiv.fail_next(Response(bomb, content_type="application/atom+xml"))
    with pytest.raises(NetworkError, match="DTD"):
        client_for().fetch(ids("2206.06921"))
    assert len(arxiv.requests) == 1


# -- settings from the environment ---------------------------------------------------


def test_settings_from_environment():
    settings = ClientSettings.from_env(
        {
            "PUBDB_ARXIV_URL": "http://127.0.0.1:1/q",
            "PUBDB_ARXIV_DELAY": "1.5",
            "PUBDB_ARXIV_BACKOFF": "2",
            "PUBDB_ARXIV_RETRIES": "4",
            "PUBDB_ARXIV_TIMEOUT": "9",
            "PUBDB_ARXIV_CONNECT_TIMEOUT": "0.5",
            "PUBDB_ARXIV_MAX_WAIT": "30",
        }
    )
    assert (settings.base_url, settings.delay, settings.backoff, settings.retries) == (
        "http://127.0.0.1:1/q",
        1.5,
        2.0,
        4,
    )
    assert (settings.read_timeout, settings.connect_timeout, settings.max_retry_wait) == (
        9.0,
        0.5,
        30.0,
    )
    assert settings.batch_size == 100


def test_settings_default_to_arxivs_policy():
    settings = ClientSettings.from_env({"PUBDB_ARXIV_DELAY": ""})
    assert settings.base_url == "https://export.arxiv.org/api/query"
    assert settings.delay == 3.0


@pytest.mark.parametrize("value, problem", [("soon", "must be a number"), ("-1", "negative")])
def test_bad_setting_names_the_variable(value, problem):
    with pytest.raises(NetworkError, match=f"PUBDB_ARXIV_DELAY.*{problem}"):
        ClientSettings.from_env({"PUBDB_ARXIV_DELAY": value})
