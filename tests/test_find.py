"""`pubdb find`: arXiv searched by author and title, candidates filtered by pubdb's
name rules, papers already in the library marked, `--add` in one transaction — through
the CLI and the library, against the loopback stand-in."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from werkzeug import Response

from dbdump import bibliographic_dump
from pubdb.library import Library, find_papers
from pubdb.sources.arxiv_query import SearchQuery
from search_feeds import numbered_entries, written_entry

ROOT = Path(__file__).resolve().parents[1]
ZEKRI_PAPERS = ["2502.01384v2", "2410.02724v2", "2408.01736v1"]  # newest first


def listed_ids(stdout: str) -> list[str]:
    return [line.split()[0] for line in stdout.splitlines() if line[:1].isdigit()]


def test_find_without_a_library_creates_none_and_marks_nothing(run, arxiv, db_path):
    result = run("find", "--author", "Oussama Zekri")
    assert result.exit_code == 0, result.output
    assert listed_ids(result.stdout) == ZEKRI_PAPERS
    assert result.stdout.splitlines()[0].split()[1:3] == ["2025-02-03", "Zekri,"]
    assert result.stdout.splitlines()[-1] == "found 3, skipped 0"
    assert "[in library" not in result.stdout
    assert "no library yet: papers are not marked" in result.stderr
    assert not db_path.exists()
    assert arxiv.searches == [
        {
            "search_query": "au:zekri",
            "start": "0",
            "max_results": "500",  # a page: --max is 1000
            "sortBy": "submittedDate",
            "sortOrder": "descending",
        }
    ]


@pytest.fixture
def seeds(run, arxiv, db_path):
    """The README's library: bib/seeds.bib imported (two Zekri papers have no arXiv id)."""
    assert run("import", str(ROOT / "bib" / "seeds.bib")).exit_code == 0
    return db_path


def test_find_marks_papers_the_library_has_by_id_and_by_title(run, seeds):
    before = bibliographic_dump(seeds)
    result = run("find", "--author", "O. Zekri")
    assert result.exit_code == 0, result.output
    lines = result.stdout.splitlines()
    assert lines[0].endswith("[in library: zekri2025finetuning]")  # same arXiv id
    assert lines[1].endswith("[in library: zekri2024markov]")
    assert lines[2].endswith("[in library: zekri2024convergence]")  # title, first author
    assert lines[-1] == "found 3, in the library 3, skipped 0"
    assert bibliographic_dump(seeds) == before  # find alone never writes


def test_a_namesake_is_skipped_and_named(run, arxiv):
    arxiv.entries["2501.00201"] = written_entry(
        "2501.00201", "A namesake's paper, written for this test", ["Ana Smith", "Karim Zekri"]
    )
    result = run("find", "--author", "Oussama Zekri")
    assert listed_ids(result.stdout) == ZEKRI_PAPERS
    assert result.stdout.splitlines()[-1] == (
        "found 3, skipped 1 (no author is Oussama Zekri: Karim Zekri)"
    )
    assert "2501.00201v1" in listed_ids(run("find", "--author", "Zekri").stdout)
    only_karim = run("find", "--author", "K. Zekri")
    assert listed_ids(only_karim.stdout) == ["2501.00201v1"]
    assert only_karim.stdout.splitlines()[-1].startswith("found 1, skipped 3 (no author is")


def test_real_namesakes_of_a_common_family_name(run, arxiv):
    """au:li finds every Li; 'Yuanzhi Li' keeps his papers and 'Y. Li' (who may be
    him), and names the other Lis it skipped."""
    result = run("find", "--author", "Yuanzhi Li")
    assert result.exit_code == 0
    assert set(listed_ids(result.stdout)) == {
        "2410.19034v2", "2410.13025v1", "2306.15400v1", "2210.09221v1", "2207.05931v1",
        "1805.09398v1",
    }  # fmt: skip
    summary = result.stdout.splitlines()[-1]
    assert summary.startswith("found 6, skipped 6 (no author is Yuanzhi Li: ")
    for other in ("Yu Li", "Kenneth Li", "Jerry Li"):
        assert other in summary


@pytest.mark.parametrize(
    "title, expected",
    [
        ("Depth Dependence of $\\mu P$ Learning Rates in ReLU MLPs", "2305.07810v1"),
        ("Diffusion on fractal Ces\\`aro curve", "1704.03514v1"),
        ("large language models, as Markov chains!", "2410.02724v2"),
    ],
    ids=["tex-math", "tex-accent", "case-and-punctuation"],
)
def test_find_by_title(run, arxiv, title, expected):
    result = run("find", "--title", title)
    assert result.exit_code == 0, result.output
    assert listed_ids(result.stdout) == [expected]
    assert result.stdout.splitlines()[-1] == "found 1"


def test_since_and_until_bound_the_first_versions_date(run, arxiv):
    result = run("find", "--author", "S. Jelassi", "--since", "2023", "--until", "2024-06")
    assert arxiv.searches[0]["search_query"] == (
        "au:jelassi AND submittedDate:[202301010000 TO 202406302359]"
    )
    assert listed_ids(result.stdout) == [
        "2402.14688v1",
        "2402.01032v2",
        "2306.15400v1",
        "2305.07810v1",
    ]  # fmt: skip (2407.03310 is of July 2024)


def test_find_json(run, arxiv):
    result = run("find", "--author", "S. Jelassi", "--since", "2024-10", "--json")
    assert result.exit_code == 0
    data = json.loads(result.stdout)
    assert data["query"] == {
        "author": "S. Jelassi",
        "title": None,
        "since": "2024-10",
        "until": None,
        "search_query": "au:jelassi AND submittedDate:[202410010000 TO 299912312359]",
    }
    assert (data["total_results"], data["read"], data["stopped"]) == (3, 3, "all")
    assert data["library"] is False
    first = data["found"][0]
    assert first["arxiv_id"] == "2411.02207" and first["in_library"] is None
    assert first["authors"] == ["Jyothish Pari", "Samy Jelassi", "Pulkit Agrawal"]
    assert [p["arxiv_id"] for p in data["found"]] == ["2411.02207", "2410.19034", "2410.13025"]
    assert data["skipped"] == []


@pytest.mark.parametrize(
    "args, message",
    [
        ([], "pubdb: nothing to search for: give an author, a title or both"),
        (["--author", "Zekri", "--since", "2023-13"], "pubdb: not a date: '2023-13'"),
        (["--author", "Zekri", "--since", "2025", "--until", "2024"], "date range is empty"),
        (["--author", "Zekri", "--max", "0"], "pubdb: a search reads 1 to 10,000 results"),
        (["--author", "Zekri", "--max", "20000"], "(arXiv's window), not 20,000"),
        (["--title", "$\\mu$"], "pubdb: no words to search for in the title"),
    ],
    ids=["no-query", "month-13", "empty-range", "max-zero", "past-the-window", "title-no-words"],
)
def test_usage_errors_exit_2_before_any_request(run, arxiv, db_path, args, message):
    result = run("find", *args)
    assert result.exit_code == 2
    assert message in result.stderr and result.stderr.count("\n") == 1
    assert arxiv.requests == [] and not db_path.exists()


def test_nothing_found_exits_1(run, arxiv):
    result = run("find", "--author", "Nobody Atall")
    assert result.exit_code == 1
    assert result.stdout.splitlines()[-1] == "found 0, skipped 0"
    assert 'pubdb: nothing found for author "Nobody Atall"' in result.stderr
    added = run("find", "--author", "Nobody Atall", "--since", "2020", "--add")
    assert added.exit_code == 1
    assert added.stdout == "nothing to do\n"
    assert 'pubdb: nothing found for author "Nobody Atall", since 2020' in added.stderr


def test_several_pages_show_progress_on_stderr(run, arxiv, monkeypatch):
    arxiv.entries.update(numbered_entries(7, "Paula Pager"))
    monkeypatch.setenv("PUBDB_ARXIV_PAGE_SIZE", "3")
    result = run("find", "--author", "Paula Pager")
    assert [r["start"] for r in arxiv.searches] == ["0", "3", "6"]
    assert len(listed_ids(result.stdout)) == 7
    assert "arXiv" not in result.stdout  # the bar goes to stderr, on a terminal only


def test_an_empty_page_before_total_results_is_said(run, arxiv, monkeypatch):
    arxiv.claimed_total = 40
    monkeypatch.setenv("PUBDB_ARXIV_PAGE_SIZE", "2")
    result = run("find", "--author", "Oussama Zekri")
    assert result.exit_code == 0
    assert listed_ids(result.stdout) == ZEKRI_PAPERS
    assert "pubdb: arXiv counted 40 results but sent 3; all were read" in result.stderr


def test_more_results_than_max_says_how_to_narrow(run, arxiv):
    arxiv.entries.update(numbered_entries(5, "Paula Pager"))
    result = run("find", "--author", "Paula Pager", "--max", "2")
    assert len(listed_ids(result.stdout)) == 2
    assert (
        "pubdb: arXiv has 5 results; read the newest 2 (--max 2): narrow with --since,"
        " --until or --title, or raise --max"
    ) in result.stderr


# -- find --add -----------------------------------------------------------------------------


def test_find_add_stores_what_the_library_lacks(run, arxiv, db_path):
    arxiv.entries["2501.00201"] = written_entry(
        "2501.00201", "A namesake's paper, written for this test", ["Karim Zekri"]
    )
    run("add", "2502.01384")
    result = run("find", "--author", "Oussama Zekri", "--add")
    assert result.exit_code == 0, result.output
    lines = result.stdout.splitlines()
    assert lines[0] == (
        "already present 2502.01384v2   zekri2025finetuning        Fine-Tuning Discrete"
        " Diffusion Models with Policy Gradient Methods"
    )
    assert [line[:30].split() for line in lines if not line.startswith(" ")][1:4] == [
        ["added", "2410.02724v2"], ["added", "2408.01736v1"], ["skipped", "2501.00201v1"],
    ]  # fmt: skip
    assert "    no author is Oussama Zekri: Karim Zekri" in lines
    assert lines[-1] == "2 added, 1 already present, 1 skipped"
    with Library(db_path) as library:
        assert library.count() == 3
        assert library.get("2408.01736").source == "arxiv"


def test_find_add_dry_run_writes_nothing(run, arxiv, db_path):
    Library(db_path).close()  # the library exists, empty
    before = bibliographic_dump(db_path)
    result = run("find", "--author", "Oussama Zekri", "--add", "--dry-run")
    assert result.exit_code == 0
    assert result.stdout.splitlines()[-1:] == [
        "3 added (dry run: nothing written)",
    ]
    assert bibliographic_dump(db_path) == before


def test_a_fault_on_page_2_leaves_the_library_as_it_was(run, arxiv, db_path, monkeypatch):
    run("add", "2206.06921")
    before = bibliographic_dump(db_path)
    monkeypatch.setenv("PUBDB_ARXIV_PAGE_SIZE", "2")
    for attempt in (2, 3, 4):  # every try of page 2
        arxiv.fail_request(1 + attempt, Response("Service Unavailable", status=503))
    result = run("find", "--author", "Oussama Zekri", "--add")
    assert result.exit_code == 1
    assert result.stderr.strip().endswith(
        "pubdb: arXiv request failed after 3 attempts: arXiv answered HTTP 503"
        " (search page 2);"
        " nothing was written"
    )
    assert bibliographic_dump(db_path) == before


# -- the library --------------------------------------------------------------------------


def test_library_find_and_add(arxiv, tmp_path):
    with Library(tmp_path / "lib.db") as library:
        result = library.find(SearchQuery(author="O. Zekri"))
        assert [c.record.id.base for c in result.found] == [i[:10] for i in ZEKRI_PAPERS]
        assert all(c.citekey is None for c in result.found) and result.library
        added = library.find(SearchQuery(author="O. Zekri"), add=True)
        assert added.report.count("added") == 3 and added.report.complete
        again = library.find(SearchQuery(author="O. Zekri", since="2025"))
        assert [c.citekey for c in again.found] == ["zekri2025finetuning"]


def test_find_papers_needs_no_library(arxiv, tmp_path):
    path = tmp_path / "nowhere" / "lib.db"
    result = find_papers(SearchQuery(title="Large Language Models as Markov Chains"), db_path=path)
    assert [c.record.id.base for c in result.found] == ["2410.02724"]
    assert not result.library and not path.parent.exists()


@settings(
    max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(author=st.text(max_size=30), title=st.text(max_size=50))
def test_any_typed_text_is_a_valid_query_or_one_usage_line(run, arxiv, author, title):
    """Whatever is typed, arXiv never sees bad syntax (no 400): the query holds folded
    words only, or nothing is asked and one line says why."""
    result = run("find", "--author", author, "--title", title)
    assert result.exit_code in (0, 1, 2)
    assert "rejected the request" not in result.stderr
    if result.exit_code == 2:
        assert result.stderr.startswith("pubdb: ") and result.stderr.count("\n") == 1
