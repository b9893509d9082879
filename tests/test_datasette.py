"""The library in Datasette: the views and canned queries (as SQL, on a library of the
README's seeds), the migration that adds the views, `pubdb serve` in a real Datasette
checked in headless Chromium (search, a view, a canned query), read-only, and the
message without the extra."""

from __future__ import annotations

import hashlib
import html
import json
import os
import re
import shutil
import socket
import sqlite3
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

import test_read_only
from pubdb.library import Library
from pubdb.store.browsing import INTERNAL, QUERIES, TABLES
from pubdb.store.schema import SCHEMA_VERSION

ROOT = Path(__file__).resolve().parents[1]
unwritable = test_read_only.read_only  # fixtures: a library that cannot be written
seeded_file = test_read_only.seeded_file
SEEDS = ROOT / "bib" / "seeds.bib"
PUBDB = str(Path(sys.executable).parent / "pubdb")


@pytest.fixture
def seeded(db_path) -> Path:
    with Library(db_path) as library:
        library.import_bibtex([SEEDS])
    return db_path


def query(path: Path, canned: str, **params: str) -> list[dict]:
    conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    conn.row_factory = sqlite3.Row
    try:
        return [dict(row) for row in conn.execute(QUERIES[canned]["sql"], params)]
    finally:
        conn.close()


def rows(path: Path, sql: str, *params) -> list[tuple]:
    conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    try:
        return conn.execute(sql, params).fetchall()
    finally:
        conn.close()


# -- views and canned queries, as SQL ------------------------------------------------


def test_people_papers_counts_authors_from_1_as_show_does(seeded, run):
    shown = run("show", "jelassi2024repeat").stdout
    assert "1. Jelassi, S." in shown and "4. Malach, E." in shown
    found = rows(seeded, "SELECT author_position, name_as_written, person FROM people_papers"
                 " WHERE citekey = 'jelassi2024repeat' ORDER BY author_position")  # fmt: skip
    assert found[0] == (1, "Jelassi, S.", "S. Jelassi")
    assert found[-1][:2] == (4, "Malach, E.")


def test_publication_authors_one_row_a_paper_with_its_author_list(seeded):
    [row] = rows(seeded, "SELECT authors, author_count, venue, year FROM publication_authors"
                 " WHERE citekey = 'zekri2024convergence'")  # fmt: skip
    assert row == ("Zekri, O.; Benechehab, A.; Redko, I.", 3, "ICML 2024 ICL Workshop", 2024)
    assert rows(seeded, "SELECT count(*) FROM publication_authors") == [(23,)]


def test_coauthor_pairs_and_the_queries_agree_with_pubdb(seeded):
    with Library(seeded) as library:
        coauthors = library.coauthors("Oussama Zekri")
        expected = {c.name: c.papers for c in coauthors}
        shared = {c.name for c in library.overlap(["Y. Li", "Samy Jelassi"]).shared}
    pairs = rows(seeded, "SELECT coauthor, joint_papers, last_year, latest_paper"
                 " FROM coauthor_pairs WHERE person = ?", "O. Zekri")  # fmt: skip
    assert {r[0]: r[1] for r in pairs} == expected
    assert {r[0]: r[2] for r in pairs} == {c.name: c.last_year for c in coauthors}
    for coauthor, _, last_year, latest in pairs:  # a joint paper of that year
        [(year, authors)] = rows(seeded, "SELECT year, authors FROM publication_authors"
                                 " WHERE citekey = ?", latest)  # fmt: skip
        assert year == last_year and "Zekri" in authors, coauthor
    for typed in ("Zekri", "O. Zekri", "zekri, o."):
        found = query(seeded, "coauthors_of", name=typed)
        assert {r["coauthor"]: r["joint_papers"] for r in found} == expected, typed
    both = query(seeded, "shared_coauthors", first="Li, Y.", second="Jelassi")
    assert {r["coauthor"] for r in both} == shared and shared
    assert query(seeded, "coauthors_of", name="Zek") == []  # whole words, not parts


def test_papers_since_a_year_for_everyone_or_one_author(seeded):
    everyone = query(seeded, "papers_since", year="2025", author="")
    assert {r["citekey"] for r in everyone} == {
        "benechehab2025zeroshot", "zekri2025finetuning", "prabhakar2025lora"
    }  # fmt: skip
    zekri = query(seeded, "papers_since", year="2024", author="Zekri")
    assert [r["citekey"] for r in zekri] == [
        "benechehab2025zeroshot", "zekri2025finetuning", "zekri2024convergence",
        "zekri2024markov",
    ]  # fmt: skip


def test_metadata_links_search_hides_internal_tables_and_describes_every_column(seeded):
    with Library(seeded) as library:
        metadata = library.datasette_metadata()
        conn = library.conn
        tables = {r[0]: r[1] for r in conn.execute("SELECT name, type FROM sqlite_master")}
        columns = {
            name: [r[1] for r in conn.execute(f"PRAGMA table_info({name})")]
            for name in ("publications", "people", "authorships", "person_names")
        }
    described = metadata["databases"]["pubdb"]["tables"]
    assert described["publications"]["fts_table"] == "publications_fts"
    assert described["publications"]["fts_pk"] == "id"
    assert all(described[name]["hidden"] for name in INTERNAL)
    for name in (*INTERNAL, "publication_authors", "people_papers", "coauthor_pairs"):
        assert name in tables
    for table, names in columns.items():
        assert set(names) - {"id"} <= set(described[table]["columns"]), table
    assert set(metadata["databases"]["pubdb"]["queries"]) == {
        "coauthors_of", "shared_coauthors", "papers_since"
    }  # fmt: skip


def test_serve_metadata_prints_json(seeded, run):
    result = run("serve", "--metadata")
    assert result.exit_code == 0
    assert json.loads(result.stdout)["databases"]["pubdb"]["tables"] == json.loads(
        json.dumps(TABLES)
    )


def test_a_version_seven_library_gains_the_views_and_passes_check(seeded, run):
    """m008 only adds views: a library with papers, less them, is one as the release
    before left it."""
    conn = sqlite3.connect(seeded)
    for view in ("publication_authors", "people_papers", "coauthor_pairs"):
        conn.execute(f"DROP VIEW {view}")
    conn.execute("DELETE FROM _sqlite_migrations WHERE name = 'm008_browsing_views'")
    conn.execute("PRAGMA user_version = 7")
    conn.commit()
    conn.close()
    result = run("check")
    assert result.exit_code == 0, result.stdout + result.stderr
    assert rows(seeded, "PRAGMA user_version") == [(SCHEMA_VERSION,)]
    assert rows(seeded, "SELECT count(*) FROM people_papers WHERE author_position = 1") == [(23,)]


# -- pubdb serve, in a browser -------------------------------------------------------------


def test_without_the_extra_serve_says_how_to_install_it(seeded, run, monkeypatch):
    monkeypatch.setitem(sys.modules, "datasette", None)
    monkeypatch.setitem(sys.modules, "datasette.cli", None)
    result = run("serve")
    assert result.exit_code == 1
    assert result.stderr == "pubdb: pubdb serve needs Datasette: pip install 'pubdb[web]'\n"


def test_serve_refuses_a_missing_library(run, db_path):
    result = run("serve")
    assert result.exit_code == 1 and "no library at" in result.stderr
    assert not db_path.exists()


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture
def served(seeded):
    """`pubdb serve` on a free port, until the test ends (then Ctrl-C)."""
    pytest.importorskip("datasette", reason="Datasette is the extra pubdb[web]")
    port = _free_port()
    before = hashlib.sha256(seeded.read_bytes()).hexdigest()
    server = subprocess.Popen(
        [PUBDB, "--db", str(seeded), "serve", "--port", str(port)],
        stderr=subprocess.PIPE, stdout=subprocess.DEVNULL, text=True,
    )  # fmt: skip
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 60
    while True:
        try:
            with urllib.request.urlopen(f"{base}/-/versions.json", timeout=5):
                break
        except OSError:
            assert server.poll() is None, server.stderr.read()
            assert time.monotonic() < deadline, "Datasette did not start"
            time.sleep(0.2)
    yield base
    server.send_signal(2)
    stderr = server.communicate(timeout=30)[1]
    assert server.returncode == 0, stderr
    assert stderr.startswith(f"serving {seeded.resolve()} read-only at http://localhost:{port}/")
    assert hashlib.sha256(seeded.read_bytes()).hexdigest() == before  # nothing written


def browser_dom(url: str, profile: Path) -> str:
    binary = shutil.which("chromium")
    if binary is None:
        pytest.skip("chromium is not installed (apt-get install chromium)")
    result = subprocess.run(
        [binary, "--headless", "--no-sandbox", "--disable-gpu",
         "--disable-background-networking", "--disable-component-update", "--disable-sync",
         "--no-first-run", f"--user-data-dir={profile}", "--dump-dom", url],
        capture_output=True, text=True, timeout=120,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    return result.stdout


def table_rows(dom: str) -> list[dict[str, str]]:
    """The rows of Datasette's results table: column name -> text shown."""
    body = dom.split('class="rows-and-columns"', 1)[1].split("</table>", 1)[0]
    found = []
    for row in re.findall(r"<tr>(.*?)</tr>", body.split("<tbody>", 1)[1], re.S):
        cells = re.findall(r'<td class="col-([\w-]+)[^"]*"[^>]*>(.*?)</td>', row, re.S)
        found.append({name: html.unescape(re.sub(r"<[^>]+>", "", text)).strip()
                      for name, text in cells})  # fmt: skip
    return found


def test_search_a_view_and_a_canned_query_in_chromium(served, tmp_path):
    profile = tmp_path / "profile"
    search = table_rows(browser_dom(f"{served}/pubdb/publications?_search=boulle", profile))
    assert sorted(r["citekey"] for r in search) == ["zekri2024markov", "zekri2025finetuning"]
    accents = table_rows(browser_dom(f"{served}/pubdb/publications?_search=Boull%C3%A9",
                                     profile))  # fmt: skip
    assert len(accents) == 2
    view = table_rows(browser_dom(
        f"{served}/pubdb/people_papers?citekey=jelassi2024repeat&_sort=author_position",
        profile))  # fmt: skip
    assert [(r["author_position"], r["name_as_written"]) for r in view] == [
        ("1", "Jelassi, S."), ("2", "Brandfonbrener, D."), ("3", "Kakade, S."),
        ("4", "Malach, E."),
    ]  # fmt: skip
    canned = table_rows(browser_dom(f"{served}/pubdb/coauthors_of?name=Zekri", profile))
    assert canned[0]["coauthor"] in ("A. Benechehab", "I. Redko")
    assert {"A. Odonnat", "N. Boullé"} <= {r["coauthor"] for r in canned}
    home = browser_dom(f"{served}/pubdb", profile)
    assert "publication_authors" in home and "coauthor_pairs" in home
    for internal in ("search_dirty", "author_pins", "_sqlite_migrations"):
        assert f"/pubdb/{internal}" not in home.split("hidden tables")[0]


def test_serve_writes_nothing_even_when_asked(served):
    url = f"{served}/pubdb.json?sql=delete+from+publications"
    with pytest.raises(urllib.error.HTTPError) as refused:
        urllib.request.urlopen(url, timeout=10)
    assert refused.value.code == 400


def test_serve_a_library_that_cannot_be_written(unwritable):
    """A read-only library (a read-only mount, or a file root does not own) is served
    as an immutable file: search works and nothing is written."""
    pytest.importorskip("datasette", reason="Datasette is the extra pubdb[web]")
    port = _free_port()
    before = unwritable.db.read_bytes()
    env = {**os.environ, "PUBDB_DB": str(unwritable.db)}
    server = subprocess.Popen([*unwritable.prefix(), PUBDB, "serve", "--port", str(port)],
                              env=env, stderr=subprocess.PIPE, text=True)  # fmt: skip
    try:
        deadline = time.monotonic() + 60
        url = f"http://127.0.0.1:{port}/pubdb/publications.json?_search=boulle&_shape=array"
        while True:
            try:
                with urllib.request.urlopen(url, timeout=5) as answer:
                    found = json.load(answer)
                break
            except OSError:
                assert server.poll() is None, server.stderr.read()
                assert time.monotonic() < deadline, "Datasette did not start"
                time.sleep(0.2)
    finally:
        server.send_signal(2)
        server.communicate(timeout=30)
    assert sorted(r["citekey"] for r in found) == ["zekri2024markov", "zekri2025finetuning"]
    assert unwritable.db.read_bytes() == before
