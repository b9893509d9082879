"""`pubdb add --titles FILE`: a CV's publication list read back into the library, each
entry matched on arXiv on strong evidence only and stored with what its line says;
`pubdb add --author NAME` and `--dry-run`. Through the CLI and the library, against the
loopback stand-in."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from werkzeug import Response

import people_feeds
from dbdump import bibliographic_dump
from pubdb.library import Library
from pubdb.papers.cv_entries import parse_publication_list
from search_feeds import written_entry

ROOT = Path(__file__).resolve().parents[1]
SEEDS = Path(__file__).parent / "fixtures" / "seeds"
ZEKRI_CV = SEEDS / "zekri-publications.txt"
JELASSI_CV = SEEDS / "jelassi-publications.md"
ZEKRI_IDS = ["2502.01384v2", "2410.02724v2", "2410.11711v2", "2408.01736v1"]
WORDS = ("added", "already present", "possible", "not found", "skipped")


def summary(*counts: int) -> str:
    """The report's last line: the words whose count is not zero, as `N word`."""
    return ", ".join(f"{n} {w}" for w, n in zip(WORDS, counts, strict=True) if n)


@pytest.fixture
def arxiv_seeds(arxiv):
    """The stand-in, also serving arXiv:2410.11711 (Zekri's [3]) from the people tests'
    feed: papers.xml lacks it (its primary subject could not be checked)."""
    arxiv.entries[people_feeds.ATTIA_EL_HILI_PAPER] = people_feeds.entry("2410.11711")
    return arxiv


def outcome_rows(stdout: str) -> list[list[str]]:
    """(action, identifier) of each outcome line."""
    rows = []
    for line in stdout.splitlines():
        if ", already present " in line:
            continue  # the summary
        if line.startswith(("added", "kept", "already", "possible", "not found", "skipped")):
            action = "already present" if line.startswith("already") else line[:15].strip()
            rows.append([action, line[16:30].strip()])
    return rows


def write_cv(tmp_path, text: str) -> str:
    path = tmp_path / "cv.txt"
    path.write_text(text, encoding="utf-8")
    return str(path)


# -- the Zekri CV, end to end ---------------------------------------------------------------


def test_zekri_cv_resolves_every_entry_to_its_arxiv_record(run, arxiv_seeds, db_path):
    result = run("add", "--titles", str(ZEKRI_CV))
    assert result.exit_code == 0, result.output
    assert outcome_rows(result.stdout) == [["added", i] for i in ZEKRI_IDS]
    assert result.stdout.splitlines()[-1] == summary(4, 0, 0, 0, 0)
    assert len(arxiv_seeds.searches) == 4  # one title search an entry
    assert {r["sortBy"] for r in arxiv_seeds.searches} == {"relevance"}
    assert arxiv_seeds.searches[1]["search_query"] == (
        "ti:large AND ti:language AND ti:models AND ti:as AND ti:markov AND ti:chains"
    )
    assert "    note: Featured in Forbes" in result.stdout
    assert "    workshop: ICML 2024 ICL Workshop, 2024" in result.stdout


def test_zekri_records_keep_what_the_cv_says(run, arxiv_seeds, db_path):
    run("add", "--titles", str(ZEKRI_CV))
    with Library(db_path) as library:
        finetuning, markov, zeroshot, convergence = (library.get(i[:10]) for i in ZEKRI_IDS)
        assert (finetuning.kind, finetuning.status, finetuning.year) == (
            "preprint",
            "submitted",
            2025,
        )
        assert finetuning.fields == {"pubstate": "submitted"}
        assert (markov.status, markov.note) == ("submitted", "Featured in Forbes")
        assert markov.latex["note"] == "Featured in \\emph{Forbes}"  # notes are TeX
        assert (zeroshot.kind, zeroshot.entry_type, zeroshot.venue) == (
            "conference", "inproceedings", "ICLR",
        )  # fmt: skip
        assert (zeroshot.year, zeroshot.month, zeroshot.status) == (2025, None, "published")
        assert zeroshot.arxiv_published == "2024-10-15T00:00:00Z"  # arXiv's date kept
        assert (convergence.kind, convergence.venue, convergence.year) == (
            "workshop", "ICML 2024 ICL Workshop", 2024,
        )  # fmt: skip
        assert convergence.latex["note"] == "Top 10\\% submitted paper"
        assert convergence.note == "Top 10% submitted paper"
        # Authors as the CV writes them, with arXiv's affiliations, linked to the people
        # arXiv's full names are, and kept against refresh.
        assert [a.name for a in zeroshot.authors][:2] == ["A. Benechehab", "Y. Attia El Hili"]
        assert (zeroshot.authors[1].given, zeroshot.authors[1].family) == ("Y.", "Attia El Hili")
        assert zeroshot.locked == ["authors", "date", "month", "year"]
        assert finetuning.locked == ["authors"]
        assert library.author_profile("O. Zekri").person.name == "Oussama Zekri"
        assert library.author_profile("Y. Attia El Hili").person.name == "Youssef Attia El Hili"


def export_items(markdown: str) -> list[str]:
    return [line[2:] for line in markdown.splitlines() if line.startswith("- ")]


def exported_reading(item: str) -> tuple[str, str, list[str]]:
    """(authors, title, the sentences after the title) of one exported item, markup and
    links dropped."""
    item = re.sub(r" \[[^\]]+\]\([^)]+\)", "", item)  # links
    match = re.match(r"^(?P<authors>.+?)\. \*(?P<title>.+?)\*\.? (?P<rest>.*)$", item)
    assert match, item
    authors = match["authors"].replace("**", "").replace("\\*", "*")
    rest = [s.strip() for s in match["rest"].rstrip(".").split(". ")]
    return authors, match["title"], rest


def cv_reading(line: str) -> tuple[str, str, list[str]]:
    """(authors, title, the sentences after the title) of one CV line, as the CV writes
    them (emphasis kept), parentheses dropped."""
    [entry] = parse_publication_list(line)
    authors = ", ".join(a.name + ("*" if a.equal_contribution else "") for a in entry.authors)
    rest = line.split(entry.title, 1)[1].lstrip(".").strip().rstrip(".")
    sentences = [s.strip().strip("()") for s in rest.split(". ")]
    return authors, entry.title, sentences


def test_exported_list_matches_the_cv_entry_by_entry(run, arxiv_seeds):
    """The Done-when of issue 15: add the CV, export the person's list, and read both
    point by point: same entries in the same order, same authors (stars included), same
    titles, the same venue, status and notes."""
    assert run("add", "--titles", str(ZEKRI_CV)).exit_code == 0
    exported = run("export", "--format", "markdown", "--author", "Oussama Zekri")
    assert exported.exit_code == 0
    assert exported.stdout.startswith("# Publications of Oussama Zekri\n")
    cv_lines = [
        line for line in ZEKRI_CV.read_text(encoding="utf-8").splitlines() if line.startswith("- [")
    ]
    items = export_items(exported.stdout)
    assert len(items) == len(cv_lines) == 4
    words = {"Submitted": "In submission"}  # how the lists say a status
    for line, item in zip(cv_lines, items, strict=True):
        cv_authors, cv_title, cv_rest = cv_reading(line)
        authors, title, rest = exported_reading(item)
        assert authors == cv_authors
        assert title == cv_title
        venue = cv_rest[0].replace("*", "").removeprefix("In ")  # lists show no emphasis there
        assert rest[0] == venue or rest[0].startswith(words.get(venue, venue) + ", 20")
        assert rest[1:] == cv_rest[1:]  # the notes, with their emphasis (*Forbes*)
    sections = [line for line in exported.stdout.splitlines() if line.startswith("## ")]
    assert sections == ["## Preprints", "## Conference papers", "## Workshop papers"]


def test_refresh_keeps_what_the_cv_said(run, arxiv_seeds, db_path):
    run("add", "--titles", str(ZEKRI_CV))
    result = run("refresh")
    assert result.stdout.splitlines()[-1] == "4 unchanged"
    split = run("author", "split", "Oussama Zekri", "--name", "O. Zekri")
    assert split.exit_code == 0, split.output  # the CV's writing is a name of his


def test_adding_the_cv_again_changes_nothing(run, arxiv_seeds, db_path):
    run("add", "--titles", str(ZEKRI_CV))
    before = bibliographic_dump(db_path)
    result = run("add", "--titles", str(ZEKRI_CV))
    assert result.exit_code == 0
    assert outcome_rows(result.stdout) == [["already present", i] for i in ZEKRI_IDS]
    assert result.stdout.splitlines()[-1] == summary(0, 4, 0, 0, 0)
    assert bibliographic_dump(db_path) == before


def test_papers_imported_without_arxiv_ids_are_already_present(run, arxiv_seeds, db_path):
    """bib/seeds.bib has Zekri's [3] and [4] without arXiv ids: same title and first
    author say they are there; nothing is duplicated."""
    run("import", str(ROOT / "bib" / "seeds.bib"))
    result = run("add", "--titles", str(ZEKRI_CV))
    assert result.exit_code == 0
    assert result.stdout.splitlines()[-1] == summary(0, 4, 0, 0, 0)
    assert "zekri2024convergence" in result.stdout and "benechehab2025zeroshot" in result.stdout
    with Library(db_path) as library:
        assert library.count() == 23


def test_a_paper_already_present_takes_what_the_line_adds(run, arxiv_seeds, db_path):
    run("add", "2410.02724")
    result = run("add", "--titles", str(ZEKRI_CV))
    assert "[filled: status, note]" in result.stdout
    with Library(db_path) as library:
        markov = library.get("2410.02724")
        assert (markov.status, markov.note, markov.fields) == (
            "submitted", "Featured in Forbes", {"pubstate": "submitted"},
        )  # fmt: skip
        assert markov.latex["note"] == "Featured in \\emph{Forbes}"


def test_edited_fields_are_not_filled(run, arxiv_seeds, db_path):
    run("add", "2410.02724")
    run("edit", "2410.02724", "--set", "note=Seen on TV")
    run("add", "--titles", str(ZEKRI_CV))
    with Library(db_path) as library:
        assert library.get("2410.02724").note == "Seen on TV"


# -- the Jelassi CV: Markdown blocks with links ----------------------------------------------


def test_jelassi_cv_adds_what_arxiv_serves_and_reports_the_rest(run, arxiv_seeds, db_path):
    result = run("add", "--titles", str(JELASSI_CV))
    assert result.exit_code == 1  # six of its papers are not in the stand-in's feed
    assert result.stdout.splitlines()[-1] == summary(13, 0, 0, 6, 0)
    assert "pubdb: not added: 6 not found (see the lines above)" in result.stderr
    assert arxiv_seeds.searches == []  # every entry links its arXiv id: one fetch
    assert len(arxiv_seeds.requests) == 1
    assert "    arXiv has no paper 2006.05684" in result.stdout
    assert "    the line's title: Q-Probe: A Light Approach" in result.stdout
    with Library(db_path) as library:
        hou = library.get("2407.03310")
        assert [a.name for a in hou.authors if a.equal_contribution] == ["S. Jelassi", "E. Malach"]
        lora = library.get("2410.13025")
        assert (lora.venue, lora.note, lora.year) == (
            "International Conference on Computational Linguistics (COLING)",
            "Industry track",
            2025,
        )


# -- strong evidence only -------------------------------------------------------------------


SAME_TITLE = "Gradient Flows on Written Test Feeds"


@pytest.fixture
def same_title_papers(arxiv):
    """Two papers sharing a title, by different first authors (written for this test)."""
    arxiv.entries["2501.00301"] = written_entry(
        "2501.00301", SAME_TITLE, ["Ana Smith", "Oussama Zekri"]
    )
    arxiv.entries["2501.00302"] = written_entry(
        "2501.00302", SAME_TITLE, ["Oussama Zekri", "Ana Smith"]
    )
    return arxiv


def test_the_first_author_decides_between_papers_sharing_a_title(
    run, same_title_papers, tmp_path, db_path
):
    cv = write_cv(tmp_path, f"- O. Zekri, A. Smith. {SAME_TITLE}. Submitted.\n")
    result = run("add", "--titles", cv)
    assert outcome_rows(result.stdout) == [["added", "2501.00302v1"]]
    with Library(db_path) as library:
        assert library.get("2501.00302").authors[0].name == "O. Zekri"


def test_a_shared_title_without_authors_is_only_possible(run, same_title_papers, tmp_path, db_path):
    result = run("add", "--titles", write_cv(tmp_path, SAME_TITLE + "\n"))
    assert result.exit_code == 1
    assert outcome_rows(result.stdout) == [["possible", "line 1"]]
    assert "    several papers have this title" in result.stdout
    assert f"    2501.00301v1  {SAME_TITLE}  (Ana Smith et al., 2025)" in result.stdout
    assert "    add the arXiv id to the line to take one" in result.stdout
    assert result.stdout.splitlines()[-1] == summary(0, 0, 1, 0, 0)
    with Library(db_path) as library:
        assert library.count() == 0


def test_a_longer_title_containing_the_line_is_reported_not_added(run, arxiv, tmp_path, db_path):
    arxiv.entries["2501.00303"] = written_entry(
        "2501.00303", "Learning Rates in Practice: A Longer Title Written for a Test", ["Ana Smith"]
    )
    result = run(
        "add",
        "--titles",
        write_cv(tmp_path, "- A. Smith. Learning Rates in Practice. Submitted.\n"),
    )
    assert result.exit_code == 1
    assert outcome_rows(result.stdout) == [["possible", "line 1"]]
    assert "    the title on arXiv is not the same" in result.stdout
    assert "    2501.00303v1  Learning Rates in Practice: A Longer Title" in result.stdout
    assert "pubdb: not added: 1 possible (see the lines above)" in result.stderr
    with Library(db_path) as library:
        assert library.count() == 0


def test_titles_with_tex_and_accents_match(run, arxiv, tmp_path, db_path):
    cv = write_cv(
        tmp_path,
        "Depth Dependence of  $\\mu P$  Learning Rates in ReLU MLPs\n"
        "Diffusion on fractal Ces\\`aro curve\n"
        "$\\omega$Test: WebView-Oriented Testing for Android Applications\n",
    )
    result = run("add", "--titles", cv)
    assert result.exit_code == 0, result.output
    assert outcome_rows(result.stdout) == [
        ["added", "2305.07810v1"], ["added", "1704.03514v1"], ["added", "2306.03845v1"],
    ]  # fmt: skip


def test_a_title_arxiv_lacks_is_not_found_or_kept_from_its_line(run, arxiv, tmp_path, db_path):
    line = "- A. Smith, O. Zekri\\*. A Paper arXiv Never Had. In *NeurIPS* 2023. (Spotlight).\n"
    cv = write_cv(tmp_path, line)
    result = run("add", "--titles", cv)
    assert result.exit_code == 1
    assert outcome_rows(result.stdout) == [["not found", "line 1"]]
    assert "    no paper with this title on arXiv" in result.stdout
    kept = run("add", "--titles", cv, "--keep-unmatched")
    assert kept.exit_code == 0, kept.output
    assert kept.stdout.splitlines()[-1] == ("1 kept")
    assert "    no paper with this title on arXiv: stored from the line" in kept.stdout
    with Library(db_path) as library:
        [paper] = library.publications()
        assert (paper.source, paper.kind, paper.venue, paper.year, paper.note) == (
            "cv", "conference", "NeurIPS", 2023, "Spotlight",
        )  # fmt: skip
        assert [(a.name, a.equal_contribution) for a in paper.authors] == [
            ("A. Smith", False), ("O. Zekri", True),
        ]  # fmt: skip


def test_hostile_lines_stay_data(run, arxiv, tmp_path, db_path):
    cv = write_cv(
        tmp_path,
        "- R. Tables. Robert'); DROP TABLE publications;--\x1b[2J \u202eevil. In ICML 2024.\n",
    )
    result = run("add", "--titles", cv, "--keep-unmatched")
    assert result.exit_code == 0, result.output
    assert "\x1b" not in result.stdout and "\u202e" not in result.stdout
    with Library(db_path) as library:
        [paper] = library.publications()
        assert paper.title == "Robert'); DROP TABLE publications;–[2J evil"  # TeX's --
        assert (paper.authors[0].name, paper.venue) == ("R. Tables", "ICML")


def test_author_option_skips_entries_by_others(run, arxiv_seeds, db_path):
    result = run("add", "--titles", str(ZEKRI_CV), "--author", "A. Benechehab")
    assert result.exit_code == 0
    assert [row[0] for row in outcome_rows(result.stdout)] == ["skipped", "added", "added", "added"]
    assert "    no author is A. Benechehab: Oussama Zekri, Nicolas Boullé" in result.stdout


# -- dry run, JSON, failures, usage -----------------------------------------------------------


def test_dry_run_writes_nothing(run, arxiv_seeds, db_path):
    Library(db_path).close()  # an empty library
    before = bibliographic_dump(db_path)
    result = run("add", "--titles", str(ZEKRI_CV), "--dry-run")
    assert result.exit_code == 0
    assert result.stdout.splitlines()[-1:] == [
        summary(4, 0, 0, 0, 0) + " (dry run: nothing written)",
    ]
    assert bibliographic_dump(db_path) == before


def test_json_report(run, arxiv_seeds):
    data = json.loads(run("add", "--titles", str(ZEKRI_CV), "--json").stdout)
    assert data["summary"] == {
        "added": 4, "already present": 0, "possible": 0, "not found": 0, "skipped": 0,
    }  # fmt: skip
    assert data["complete"] is True and data["dry_run"] is False and data["requests"] == 4
    first = data["outcomes"][0]
    assert (first["action"], first["identifier"], first["line"]) == ("added", "2502.01384v2", 5)
    assert first["file"].endswith("zekri-publications.txt")
    assert first["evidence"] == "title and first author"


def test_a_failed_search_writes_nothing(run, arxiv_seeds, db_path):
    Library(db_path).close()  # an empty library
    before = bibliographic_dump(db_path)
    for attempt in (3, 4, 5):  # every try of the third title's search
        arxiv_seeds.fail_request(attempt, Response("Service Unavailable", status=503))
    result = run("add", "--titles", str(ZEKRI_CV))
    assert result.exit_code == 1
    assert result.stderr.strip().endswith(
        "HTTP 503 (search page 1), searching the title on line 7; nothing was written"
    )
    assert bibliographic_dump(db_path) == before


@pytest.mark.parametrize(
    "args, message",
    [
        (["--titles", "cv.txt", "2502.01384"], "--titles reads a publication list"),
        (["2502.01384", "--keep-unmatched"], "--keep-unmatched goes with --titles"),
        (["--titles", "missing.txt"], "cannot read missing.txt"),
        (["--titles", "empty.txt"], "no publications found in empty.txt"),
    ],
    ids=["titles-and-ids", "keep-without-titles", "missing-file", "no-entries"],
)
def test_usage_errors(run, arxiv, tmp_path, args, message):
    (tmp_path / "cv.txt").write_text("Large Language Models as Markov Chains\n")
    (tmp_path / "empty.txt").write_text("PUBLICATIONS\n\n")
    result = run("add", *args)
    assert result.exit_code == 2
    assert message in result.stderr
    assert arxiv.requests == []


# -- add --from --author ------------------------------------------------------------------------


def test_from_a_thread_only_the_authors_papers(run, arxiv, db_path):
    thread = str(SEEDS / "thread.txt")
    result = run("add", "--from", thread, "--author", "Oussama Zekri")
    assert result.exit_code == 1  # two of the thread's links are not in the stand-in
    lines = result.stdout.splitlines()
    assert lines[-1] == "1 added, 2 not found, 1 skipped"
    assert any(line.startswith("skipped    2402.05468v1") for line in lines)
    assert any(line.startswith("added      2502.01384v2") for line in lines)
    assert lines[2].startswith("    no author is Oussama Zekri: Pierre Marion, Anna Korba, ")
    with Library(db_path) as library:
        assert [p.arxiv_id for p in library.publications()] == ["2502.01384"]


def test_add_dry_run_writes_nothing(run, arxiv, db_path):
    Library(db_path).close()  # an empty library
    before = bibliographic_dump(db_path)
    result = run("add", "2502.01384", "2410.02724", "--dry-run")
    assert result.stdout.splitlines()[-1:] == [
        "2 added (dry run: nothing written)",
    ]  # fmt: skip
    assert bibliographic_dump(db_path) == before


def test_library_add_titles(arxiv_seeds, tmp_path):
    with Library(tmp_path / "lib.db") as library:
        report = library.add_titles(ZEKRI_CV.read_text(encoding="utf-8"), source="cv")
        assert report.complete and report.count("added") == 4
        assert [o.line for o in report.outcomes] == [5, 6, 7, 8]
        skipped = library.add(["2402.05468", "2502.01384"], author="O. Zekri")
        assert [o.action for o in skipped.outcomes] == ["skipped", "unchanged"]
