"""`pubdb edit`, second round: the record in $EDITOR as BibTeX, field names checked
against BibTeX's, a new year dropping arXiv's month, status and pubstate as one fact."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import pytest

from pubdb.library import Library

SEEDS_BIB = Path(__file__).resolve().parents[1] / "bib" / "seeds.bib"
EDITOR = Path(__file__).resolve().with_name("fake_editor.py")


def get(reference: str):
    with Library() as library:
        return library.get(reference)


@pytest.fixture
def seeds(run):
    assert run("import", str(SEEDS_BIB)).exit_code == 0


@pytest.fixture
def editor(tmp_path, monkeypatch):
    """$EDITOR that applies the given steps, one per opening."""
    steps_file = tmp_path / "edits.json"
    monkeypatch.setenv("EDITOR", f"{sys.executable} {EDITOR}")
    monkeypatch.setenv("PUBDB_TEST_EDITS", str(steps_file))

    def plan(*steps):
        steps_file.write_text(json.dumps(list(steps)))
        return steps_file

    return plan


# -- field names ---------------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "close"),
    [("nte", "note"), ("titel", "title"), ("jounral", "journal"), ("slide", "slides")],
)
def test_a_misspelt_field_is_refused_with_the_close_names(run, seeds, name, close):
    before = get("zekri2024markov")
    result = run("edit", "zekri2024markov", "--set", f"{name}=x")
    assert result.exit_code == 2
    assert result.stderr.startswith(f"pubdb: '{name}' is not a BibTeX field; close names: ")
    assert close in result.stderr and "--force" in result.stderr
    assert get("zekri2024markov").fields == before.fields


def test_force_stores_a_new_field_and_then_it_is_known(run, seeds):
    assert run("edit", "zekri2024markov", "--set", "talkrecording=x", "--force").exit_code == 0
    assert get("zekri2024markov").fields["talkrecording"] == "x"
    assert run("edit", "zekri2024markov", "--set", "talkrecording=y").exit_code == 0


@pytest.mark.parametrize("name", ["school", "address", "code", "selected", "abbr", "Eprint"])
def test_bibtex_biblatex_and_website_fields_need_no_force(run, seeds, name):
    assert run("edit", "zekri2024markov", "--set", f"{name}=x").exit_code == 0


# -- year and month ------------------------------------------------------------------


def test_a_new_year_drops_arxivs_month_and_keeps_the_key(run, arxiv):
    assert run("add", "2502.01384").exit_code == 0
    paper = get("2502.01384")
    assert paper.month == 2 and paper.year == 2025
    result = run("edit", paper.citekey, "--set", "year=2026", "--set", "venue=ICLR 2026")
    assert result.exit_code == 0, result.stderr
    assert "dropped arXiv's month" in result.stdout
    edited = get("2502.01384")
    assert (edited.year, edited.month, edited.citekey) == (2026, None, paper.citekey)


def test_a_month_given_by_the_user_stays(run, arxiv):
    run("add", "2502.01384")
    key = get("2502.01384").citekey
    run("edit", key, "--set", "month=5")
    run("edit", key, "--set", "year=2026")
    assert get(key).month == 5
    run("edit", key, "--set", "year=2027", "--set", "month=4")
    assert (get(key).year, get(key).month) == (2027, 4)


def test_a_year_edit_keeps_a_month_that_was_not_arxivs(run, seeds):
    run("edit", "zekri2024markov", "--set", "month=10")
    run("edit", "zekri2024markov", "--set", "year=2025")
    assert get("zekri2024markov").month == 10


# -- status and pubstate -------------------------------------------------------------


@pytest.mark.parametrize(
    ("pubstate", "status", "shown"),
    [("submitted", "submitted", "In submission, 2024"), ("inpress", "accepted", "(to appear)")],
)
def test_pubstate_and_status_are_one_fact(run, seeds, pubstate, status, shown):
    run("edit", "zekri2024convergence", "--set", f"pubstate={pubstate}")
    paper = get("zekri2024convergence")
    assert paper.status == status
    assert paper.fields["pubstate"] == {"submitted": "submitted", "accepted": "inpress"}[status]
    listing = run("export", "--format", "text", "--author", "Zekri").stdout
    assert shown in " ".join(listing.split())


def test_an_imported_pubstate_merged_onto_an_arxiv_record_sets_its_status(run, arxiv, tmp_path):
    assert run("add", "2410.02724").exit_code == 0
    assert get("2410.02724").status == "preprint"
    bib = tmp_path / "cv.bib"
    bib.write_text(
        "@misc{zekri2024markov,\n  author = {Zekri, O. and Odonnat, A.},\n"
        "  title = {Large Language Models as Markov Chains},\n  year = {2024},\n"
        "  eprint = {2410.02724},\n  archiveprefix = {arXiv},\n  pubstate = {submitted},\n}\n"
    )
    result = run("import", str(bib))
    assert result.exit_code == 0, result.stdout + result.stderr
    assert "kept existing status" not in result.stdout
    paper = get("2410.02724")
    assert paper.status == "submitted" and paper.fields["pubstate"] == "submitted"
    listing = run("export", "--format", "markdown").stdout
    assert "In submission, 2024" in listing and "Preprint," not in listing


# -- the record in $EDITOR -------------------------------------------------------------


def test_editor_edit_applies_and_shows_what_changed(run, seeds, editor):
    editor(
        ["title = {Large Language Models as {Markov} Chains}", "title = {LLMs as {Markov} Chains}"]
    )
    result = run("edit", "zekri2024markov")
    assert result.exit_code == 0, result.stderr
    assert result.stdout.splitlines() == [
        "updated zekri2024markov:",
        "  title: Large Language Models as Markov Chains → LLMs as Markov Chains",
    ]
    paper = get("zekri2024markov")
    assert paper.title == "LLMs as Markov Chains" and "title" in paper.locked
    assert "title = {LLMs as {Markov} Chains}" in run("export", "--bibtex").stdout


def test_editor_takes_tex_emphasis_in_a_note(run, seeds, editor):
    editor(["note = {Featured in \\emph{Forbes}}", "note = {\\textbf{Featured} in \\emph{Forbes}}"])
    assert run("edit", "zekri2024markov").exit_code == 0
    markdown = run("export", "--format", "markdown", "--author", "Zekri").stdout
    assert "**Featured** in *Forbes*." in markdown
    assert "note = {\\textbf{Featured} in \\emph{Forbes}}" in run("export", "--bibtex").stdout


def test_editor_error_reopens_with_the_edit_kept(run, seeds, editor, tmp_path):
    editor(
        ["year = {2024},", "year = {2024},\n  nte = {typo},"],  # refused: a misspelt field
        ["nte = {typo}", "note = {Spotlight}"],  # the reopened text still has the edit
    )
    result = run("edit", "zekri2024convergence")
    assert result.exit_code == 0, result.stderr
    assert "'nte' is not a BibTeX field; close names: note" in result.stderr
    assert "reopening the editor" in result.stderr
    assert "  note: Top 10% submitted paper → Spotlight" in result.stdout
    assert get("zekri2024convergence").note == "Spotlight"


@pytest.mark.parametrize(
    ("old", "new", "message"),
    [
        pytest.param("@misc{zekri2024markov,", "@misc{zekri2025markov,",
                     "the citation key stays zekri2024markov", id="key"),
        pytest.param("title = {", "title = {{", "", id="unbalanced"),
        pytest.param("", "@misc{a, title={A}}\n@misc{b, title={B}}", "holds 2 entries", id="two"),
        pytest.param("pubstate = {submitted}", "pubstate = {maybe}", "", id="pubstate"),
    ],
)  # fmt: skip
def test_editor_errors_change_nothing_when_the_user_gives_up(run, seeds, editor, old, new,
                                                             message):  # fmt: skip
    before = run("export", "--bibtex").stdout
    editor([old, new], None)  # a bad edit, then quitting without saving
    result = run("edit", "zekri2024markov")
    assert "reopening the editor" in result.stderr and message in result.stderr
    assert result.stdout == "no change\n" and result.exit_code == 0
    assert run("export", "--bibtex").stdout == before


def test_editor_quit_without_saving_changes_nothing(run, seeds, editor):
    editor(None)
    result = run("edit", "zekri2024markov")
    assert (result.exit_code, result.stdout) == (0, "no change\n")


def test_no_editor_and_no_terminal_is_a_usage_error(run, seeds, monkeypatch):
    monkeypatch.delenv("EDITOR", raising=False)
    monkeypatch.delenv("VISUAL", raising=False)
    result = run("edit", "zekri2024markov")
    assert result.exit_code == 2 and "nothing to do" in result.stderr


def test_editor_year_change_drops_arxivs_month(run, arxiv, editor):
    run("add", "2502.01384")
    key = get("2502.01384").citekey
    editor(["year = {2025},", "year = {2026},"])
    result = run("edit", key)
    assert result.exit_code == 0, result.stderr
    assert "  year: 2025 → 2026" in result.stdout and "dropped arXiv's month" in result.stdout
    assert (get(key).year, get(key).month, get(key).citekey) == (2026, None, key)
