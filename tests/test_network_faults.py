"""`pubdb add` and `pubdb refresh` against a server that fails in every way arXiv (or the
network) can: one clear line, the right exit code, bounded retries and time, and the
database exactly as it was before the failed batch."""

from __future__ import annotations

import re
import sqlite3
import time

import pytest
from werkzeug import Request, Response

import faulty_server as faulty
from arxiv_standin import error_feed, feed, recorded_entries
from dbdump import bibliographic_dump

KNOWN = ["2206.06921", "1707.08567"]  # recorded: in the database before each fault
ASKED = ["2104.12255", "2206.06921"]  # what `add` asks for during the fault
RETRIES = 2
TIME_LIMIT_S = 8.0

BOMB = (
    b'<?xml version="1.0"?>\n<!DOCTYPE lolz [<!ENTITY lol "lol">'
    b'<!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">'
    b'<!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">]>\n'
    b'<feed xmlns="http://www.w3.org/2005/Atom"><title>&lol3;</title></feed>'
)
HTML = b"<!DOCTYPE html><html><body><h1>Service temporarily unavailable</h1></body></html>"


def a_feed(*ids: str) -> bytes:
    entries = recorded_entries()
    return feed([entries[i] for i in ids])


def ok(body: bytes) -> faulty.Behaviour:
    return faulty.answer("200 OK", body)


# name -> (server behaviour, or None for a closed port; stderr must contain; most attempts)
FAILURES = {
    "connection refused": (None, "connection refused", 1),
    "reset mid-body": (
        faulty.reset_mid_body(a_feed(*ASKED) if recorded_entries() else b"x" * 4000),
        "connection to arXiv failed",
        RETRIES + 1,
    ),
    "never answers": (faulty.never_answer(), "timed out waiting for arXiv", RETRIES + 1),
    "trickling body": (
        faulty.trickle(b"<?xml version='1.0'?>" + b" " * 200),
        "took too long to arrive",
        RETRIES + 1,
    ),
    "HTTP 500": (faulty.answer("500 Internal Server Error", b"oops"), "HTTP 500", RETRIES + 1),
    "HTTP 503": (faulty.answer("503 Service Unavailable", b"busy"), "HTTP 503", RETRIES + 1),
    "HTTP 503 with Retry-After": (
        faulty.answer("503 Service Unavailable", b"busy", "Retry-After: 1\r\n"),
        "HTTP 503",
        RETRIES + 1,
    ),
    "HTTP 429": (faulty.answer("429 Too Many Requests", b"Rate exceeded."), "429", RETRIES + 1),
    "HTTP 429 with Retry-After": (
        faulty.answer("429 Too Many Requests", b"Rate exceeded.", "Retry-After: 1\r\n"),
        "429",
        RETRIES + 1,
    ),
    "HTTP 429 with a Retry-After beyond the budget": (
        faulty.answer("429 Too Many Requests", b"Rate exceeded.", "Retry-After: 3600\r\n"),
        "429",
        1,
    ),
    "200 with HTML": (ok(HTML), "not an Atom feed", 2),
    "200 with truncated XML": (
        ok(a_feed(*ASKED)[:-300] if recorded_entries() else b"<?xml version='1.0'?><feed"),
        "not well-formed XML",
        2,
    ),
    "entity-expansion bomb": (ok(BOMB), "declares a DTD or entities; refused", 1),
    "HTTP 400 error feed": (
        faulty.answer("400 Bad Request", error_feed("2104.12255")),
        "arXiv rejected the request",
        1,
    ),
}


@pytest.fixture
def library(run, arxiv, db_path, monkeypatch):
    """A database holding KNOWN (fetched from the stand-in), with tight network limits."""
    result = run("add", *KNOWN)
    assert result.exit_code == 0, result.stderr
    monkeypatch.setenv("PUBDB_ARXIV_RETRIES", str(RETRIES))
    monkeypatch.setenv("PUBDB_ARXIV_TIMEOUT", "1")
    monkeypatch.setenv("PUBDB_ARXIV_CONNECT_TIMEOUT", "1")
    monkeypatch.setenv("PUBDB_ARXIV_MAX_WAIT", "10")
    return db_path


@pytest.fixture
def serve(monkeypatch):
    servers = []

    def start(behaviour):
        if behaviour is None:
            monkeypatch.setenv("PUBDB_ARXIV_URL", faulty.closed_port_url())
            return None
        server = faulty.FaultyServer(behaviour)
        servers.append(server)
        monkeypatch.setenv("PUBDB_ARXIV_URL", server.url)
        return server

    yield start
    for server in servers:
        server.stop()


COMMANDS = {"add": ("add", *ASKED), "refresh": ("refresh",)}


@pytest.mark.parametrize("command", COMMANDS)
@pytest.mark.parametrize("fault", FAILURES)
def test_failure_is_one_line_bounded_and_changes_nothing(run, library, serve, command, fault):
    behaviour, message, most_attempts = FAILURES[fault]
    server = serve(behaviour)
    before = bibliographic_dump(library)

    started = time.monotonic()
    result = run(*COMMANDS[command])
    elapsed = time.monotonic() - started

    assert result.exit_code == 1
    *notices, last = result.stderr.splitlines()
    assert last.startswith("pubdb: ") and message in last
    assert "Traceback" not in result.stderr + result.stdout
    assert_retry_notices(notices, most_attempts)
    if server is not None:
        assert 1 <= server.connections <= most_attempts
        assert len(notices) == server.connections - 1  # one line before each retry
    else:
        assert notices == []  # a refused connection is not retried
    assert elapsed < TIME_LIMIT_S
    assert bibliographic_dump(library) == before


NOTICE = re.compile(r"pubdb: (.+); retrying (?:now|in \d+ s) \(attempt (\d+) of (\d+)\)")


def assert_retry_notices(lines: list[str], most_attempts: int) -> None:
    """Each retry is announced on stderr: why, how long until it, which attempt."""
    for number, line in enumerate(lines, start=2):
        match = NOTICE.fullmatch(line)
        assert match, line
        assert int(match[2]) == number and number <= int(match[3]) == RETRIES + 1
    assert len(lines) < most_attempts


def test_empty_feed_on_add_reports_every_id_not_found(run, library, serve):
    serve(ok(feed([])))
    before = bibliographic_dump(library)
    result = run("add", *ASKED)
    assert result.exit_code == 1
    assert result.stderr == f"pubdb: not found: {', '.join(ASKED)}\n"
    assert "2 not found" in result.stdout
    assert bibliographic_dump(library) == before


def test_empty_feed_on_refresh_keeps_every_record(run, library, serve):
    serve(ok(feed([])))
    before = bibliographic_dump(library)
    result = run("refresh")
    assert result.exit_code == 1
    assert result.stderr.startswith("pubdb: not found: ") and result.stderr.count("\n") == 1
    assert bibliographic_dump(library) == before


def test_feed_with_fewer_entries_stores_those_it_has(run, library, serve, db_path):
    serve(ok(a_feed("2104.12255")))
    result = run("add", "2104.12255", "2201.13455")
    assert result.exit_code == 1
    assert result.stderr == "pubdb: not found: 2201.13455\n"
    assert "1 added, 1 not found" in result.stdout
    with sqlite3.connect(db_path) as conn:
        stored = {row[0] for row in conn.execute("SELECT arxiv_id FROM publications")}
    assert stored == {*KNOWN, "2104.12255"}


def test_feed_with_fewer_entries_on_refresh_changes_nothing_else(run, library, serve):
    serve(ok(a_feed(KNOWN[0])))
    before = bibliographic_dump(library)
    result = run("refresh")
    assert result.exit_code == 1
    assert result.stderr == f"pubdb: not found: {KNOWN[1]}\n"
    # the entry that came back is stored again, unchanged, with a new fetch time
    assert without_fetch_times(bibliographic_dump(library)) == without_fetch_times(before)


def without_fetch_times(dump: list[str]) -> list[str]:
    stamp = re.compile(r"'\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ'")
    return [stamp.sub("'<time>'", line) if '"arxiv_entries"' in line else line for line in dump]


def test_a_later_failed_batch_keeps_the_batches_before_it(
    run, arxiv, httpserver, db_path, monkeypatch
):
    """150 ids are two requests; the second fails: the first batch's records stay."""
    first_batch = sorted(recorded_entries())[:100]
    asked = [*first_batch, *(f"2301.{n:05d}" for n in range(50))]
    calls = []

    def second_fails(request: Request) -> Response:
        calls.append(request)
        if len(calls) == 1:
            return arxiv.handler(request)
        return Response("busy", status=503)

    httpserver.clear()
    httpserver.expect_request("/api/query").respond_with_handler(second_fails)
    monkeypatch.setenv("PUBDB_ARXIV_RETRIES", "1")
    result = run("add", *asked)

    assert result.exit_code == 1
    # the library this first `add` made is kept (it holds the first batch) and said to be
    # new; no progress bar outside a terminal
    notice, created, message = result.stderr.splitlines()
    assert message.startswith("pubdb: ")
    assert notice == "pubdb: arXiv answered HTTP 503; retrying now (attempt 2 of 2)"
    assert created == f"pubdb: created a new library at {db_path}"
    assert "HTTP 503" in result.stderr
    assert "the 1 batch(es) before it were saved (100 added" in result.stderr
    assert len(calls) == 3
    with sqlite3.connect(db_path) as conn:
        assert conn.execute("SELECT count(*) FROM publications").fetchone()[0] == 100


def test_refresh_dry_run_keeps_nothing_of_a_partly_failed_fetch(
    run, arxiv, httpserver, db_path, monkeypatch
):
    ids = sorted(recorded_entries())[:101]
    assert run("add", *ids).exit_code == 0
    before = bibliographic_dump(db_path)
    calls = []

    def second_fails(request: Request) -> Response:
        calls.append(request)
        return arxiv.handler(request) if len(calls) == 1 else Response("busy", status=503)

    httpserver.clear()
    httpserver.expect_request("/api/query").respond_with_handler(second_fails)
    monkeypatch.setenv("PUBDB_ARXIV_RETRIES", "0")
    result = run("refresh", "--dry-run")
    assert result.exit_code == 1
    assert "saved" not in result.stderr
    assert bibliographic_dump(db_path) == before


# -- minutes of silence (issue 14): every retry said, a budget on the whole wait ------


def test_a_body_that_is_not_a_feed_is_retried_once(run, library, serve, monkeypatch):
    """A proxy's HTML page with a 200 made `add` retry six times for 92 s, silently."""
    monkeypatch.setenv("PUBDB_ARXIV_RETRIES", "5")
    server = serve(ok(HTML))
    result = run("add", *ASKED)
    assert result.exit_code == 1
    assert server.connections == 2
    notice, last = result.stderr.splitlines()
    assert notice == (
        "pubdb: arXiv answered with something that is not an Atom feed;"
        " retrying now (attempt 2 of 6)"
    )
    assert last == (
        "pubdb: arXiv request failed after 2 attempts:"
        " arXiv answered with something that is not an Atom feed"
    )


def test_a_stalled_server_ends_within_the_budget_saying_so(run, library, serve, monkeypatch):
    """The budget bounds the whole exchange, time spent waiting for answers included:
    with 10 retries of 1 s each allowed, a budget of 2.5 s ends it after three."""
    monkeypatch.setenv("PUBDB_ARXIV_RETRIES", "10")
    monkeypatch.setenv("PUBDB_ARXIV_MAX_WAIT", "2.5")
    server = serve(faulty.never_answer())
    started = time.monotonic()
    result = run("add", *ASKED)
    elapsed = time.monotonic() - started
    assert result.exit_code == 1
    *notices, last = result.stderr.splitlines()
    assert "timed out waiting for arXiv" in last
    assert len(notices) == server.connections - 1 >= 1
    assert all("timed out waiting for arXiv; retrying" in n for n in notices)
    assert 2.0 <= elapsed < 4.5


def test_the_default_budget_is_a_minute():
    from pubdb.sources.doi import doi_settings
    from pubdb.sources.http import ClientSettings

    assert ClientSettings.from_env({}).max_retry_wait == 60
    assert doi_settings().max_retry_wait == 60


@pytest.mark.parametrize("command", COMMANDS)
def test_connection_refused_ends_at_once(run, library, monkeypatch, command):
    monkeypatch.setenv("PUBDB_ARXIV_URL", faulty.closed_port_url())
    monkeypatch.setenv("PUBDB_ARXIV_RETRIES", "5")
    monkeypatch.setenv("PUBDB_ARXIV_BACKOFF", "10")
    started = time.monotonic()
    result = run(*COMMANDS[command])
    assert time.monotonic() - started < 2
    assert result.exit_code == 1
    assert result.stderr.startswith("pubdb: cannot reach arXiv: connection refused")
    assert result.stderr.count("\n") == 1


@pytest.fixture
def no_dns(monkeypatch):
    """Name resolution fails as it does offline (socket.gaierror from getaddrinfo), for
    every host but the loopback address."""
    import socket

    real = socket.getaddrinfo

    def offline(host, *args, **kwargs):
        if host in ("127.0.0.1", "localhost"):
            return real(host, *args, **kwargs)
        raise socket.gaierror(socket.EAI_NONAME, "Name or service not known")

    monkeypatch.setattr(socket, "getaddrinfo", offline)


@pytest.mark.parametrize(
    ("args", "variable", "service"),
    [
        (("add", *ASKED), "PUBDB_ARXIV", "arXiv"),
        (("add", "--doi", "10.1145/3368089.3409741"), "PUBDB_DOI", "doi.org"),
    ],
    ids=["arxiv", "doi"],
)
def test_no_name_resolution_ends_at_once(
    run, library, no_dns, monkeypatch, args, variable, service
):
    """`add --doi` offline took 1 min 43 s."""
    monkeypatch.setenv(f"{variable}_URL", "http://export.arxiv.org.example/api/query")
    monkeypatch.setenv(f"{variable}_RETRIES", "5")
    monkeypatch.setenv(f"{variable}_BACKOFF", "10")
    before = bibliographic_dump(library)
    started = time.monotonic()
    result = run(*args)
    assert time.monotonic() - started < 2
    assert result.exit_code == 1
    assert result.stderr == (
        f"pubdb: cannot reach {service}: cannot resolve export.arxiv.org.example (offline?)\n"
    )
    assert bibliographic_dump(library) == before


def test_doi_retries_are_announced_too(run, library, serve, monkeypatch):
    server = faulty.FaultyServer(faulty.answer("503 Service Unavailable", b"busy"))
    try:
        monkeypatch.setenv("PUBDB_DOI_URL", server.url.rsplit("/api", 1)[0])
        monkeypatch.setenv("PUBDB_DOI_RETRIES", "2")
        result = run("add", "--doi", "10.1145/3368089.3409741")
    finally:
        server.stop()
    assert result.exit_code == 1
    *notices, last = result.stderr.splitlines()
    assert notices == [
        "pubdb: doi.org answered HTTP 503; retrying now (attempt 2 of 3)",
        "pubdb: doi.org answered HTTP 503; retrying now (attempt 3 of 3)",
    ]
    assert last == "pubdb: doi.org request failed after 3 attempts: doi.org answered HTTP 503"


def test_library_add_reports_retries_to_a_callback(library, serve, monkeypatch):
    from pubdb import Library
    from pubdb.errors import NetworkError

    serve(faulty.answer("503 Service Unavailable", b"busy"))
    notices: list[str] = []
    with Library(library) as opened, pytest.raises(NetworkError, match="HTTP 503"):
        opened.add(ASKED, on_retry=notices.append)
    assert notices == [
        "arXiv answered HTTP 503; retrying now (attempt 2 of 3)",
        "arXiv answered HTTP 503; retrying now (attempt 3 of 3)",
    ]


def test_the_budget_also_cuts_a_long_timeout(run, library, serve, monkeypatch):
    """A 30 s read timeout does not outlast a 2 s budget: the attempt is cut at 2 s."""
    monkeypatch.setenv("PUBDB_ARXIV_TIMEOUT", "30")
    monkeypatch.setenv("PUBDB_ARXIV_MAX_WAIT", "2")
    serve(faulty.never_answer())
    started = time.monotonic()
    result = run("add", *ASKED)
    assert time.monotonic() - started < 4
    assert result.exit_code == 1
    assert "timed out waiting for arXiv" in result.stderr.splitlines()[-1]
