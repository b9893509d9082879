from __future__ import annotations

import os

import pytest
from click.testing import CliRunner
from hypothesis import settings

from arxiv_standin import ArxivStandIn
from pubdb.cli import cli

UNREACHABLE = "http://127.0.0.1:9/never-the-internet"

# Property tests draw the same examples on every run (CI included); set
# HYPOTHESIS_PROFILE=explore locally to search new ones.
settings.register_profile("deterministic", derandomize=True, deadline=None)
settings.register_profile("explore", deadline=None)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "deterministic"))


@pytest.fixture(autouse=True)
def isolated(tmp_path, monkeypatch):
    """Every test gets its own database (its folder made, the file not: commands that
    create a library make it), never the user's library, and never the real arXiv."""
    monkeypatch.chdir(tmp_path)
    (tmp_path / "db").mkdir()
    monkeypatch.setenv("PUBDB_DB", str(tmp_path / "db" / "pubdb.db"))
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "user-data"))
    monkeypatch.setenv("PUBDB_CACHE", str(tmp_path / "cache"))
    monkeypatch.setenv("PUBDB_ARXIV_URL", UNREACHABLE)
    monkeypatch.setenv("PUBDB_ARXIV_DELAY", "0")
    monkeypatch.setenv("PUBDB_ARXIV_BACKOFF", "0")
    monkeypatch.setenv("PUBDB_ARXIV_RETRIES", "2")
    monkeypatch.setenv("PUBDB_ARXIV_CONNECT_TIMEOUT", "2")
    monkeypatch.setenv("PUBDB_ARXIV_TIMEOUT", "5")
    monkeypatch.setenv("PUBDB_DOI_URL", UNREACHABLE)
    monkeypatch.setenv("PUBDB_DOI_DELAY", "0")
    monkeypatch.setenv("PUBDB_DOI_BACKOFF", "0")
    monkeypatch.setenv("PUBDB_DOI_RETRIES", "2")
    for name in ("PUBDB_ARXIV_MAX_WAIT", "PUBDB_PANDOC", "EDITOR", "VISUAL"):
        monkeypatch.delenv(name, raising=False)


@pytest.fixture
def db_path(tmp_path):
    return tmp_path / "db" / "pubdb.db"


@pytest.fixture
def arxiv(httpserver, monkeypatch) -> ArxivStandIn:
    """The arXiv stand-in on a loopback port, with PUBDB_ARXIV_URL pointing at it; it
    serves pubdb's own test feeds (tests/fixtures/arxiv), never the network."""
    standin = ArxivStandIn()
    httpserver.expect_request("/api/query").respond_with_handler(standin.handler)
    monkeypatch.setenv("PUBDB_ARXIV_URL", httpserver.url_for("/api/query"))
    return standin


@pytest.fixture
def run():
    """Invoke the CLI; returns click's Result (stdout, stderr and exit_code apart)."""
    runner = CliRunner()

    def invoke(*args: str, input: str | None = None):
        return runner.invoke(cli, list(args), input=input, catch_exceptions=False)

    return invoke


class FakeTime:
    """A clock that only moves when the client sleeps."""

    def __init__(self, start: float = 1_700_000_000.0):
        self.now = start
        self.sleeps: list[float] = []

    def clock(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.sleeps.append(seconds)
        self.now += seconds


@pytest.fixture
def fake_time() -> FakeTime:
    return FakeTime()


@pytest.fixture(autouse=True)
def derived_tables_stay_current(tmp_path):
    """After every test, what the test's database derives from its records is current:
    the co-author graph's side tables equal a recomputation from the authorships, and
    each BibTeX entry export would read from the cache is the entry the writer writes
    now (a database the test damaged or left unreadable on purpose is skipped)."""
    yield
    import sqlite3

    from pubdb.papers.exporting import wrong_cached_entries
    from pubdb.store.graph import drift
    from pubdb.store.schema import SCHEMA_VERSION

    path = tmp_path / "db" / "pubdb.db"
    if not path.exists():
        return
    try:
        conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True, timeout=1)
        try:
            if conn.execute("PRAGMA user_version").fetchone()[0] != SCHEMA_VERSION:
                return
            drifts = drift(conn)
            cached = conn.execute("SELECT 1 FROM bibtex_entries LIMIT 1").fetchone()
            _, wrong = wrong_cached_entries(conn) if cached else (0, [])
        finally:
            conn.close()
    except sqlite3.DatabaseError:
        return
    assert [d for d in drifts if not d.ok] == [], "co-author graph out of step"
    assert wrong == [], "a cached BibTeX entry is out of date"
