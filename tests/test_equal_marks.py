"""Equal-contribution marks on a record that came from arXiv (which never sends them): the
user marks them with `edit --set equal=...`, they survive `refresh` (also when arXiv's
new version respells a name), and every list format and BibTeX shows them."""

from __future__ import annotations

import json

import pytest

from people_feeds import ATTIA_EL_HILI_PAPER, serve


@pytest.fixture
def marked(run, httpserver, monkeypatch):
    feeds = serve(httpserver, monkeypatch, ATTIA_EL_HILI_PAPER)
    assert run("add", ATTIA_EL_HILI_PAPER).exit_code == 0
    result = run("edit", ATTIA_EL_HILI_PAPER, "--set", "equal=1,2")
    assert result.exit_code == 0, result.output
    return feeds


def marks(run) -> list[str]:
    (record,) = json.loads(run("list", "--json").stdout)
    return [a["name"] for a in record["authors"] if a["equal_contribution"]]


def refresh(run) -> str:
    result = run("refresh")
    assert result.exit_code == 0, result.output
    return result.stdout


def test_marks_survive_a_refresh_that_rewrites_the_authors(run, marked):
    marked.revise(
        ATTIA_EL_HILI_PAPER,
        "<name>Abdelhakim Benechehab</name>",
        "<name>Abdelhakim Benechehab</name>\n      <arxiv:affiliation>EURECOM</arxiv:affiliation>",
    )
    assert "authors" in refresh(run)
    assert marks(run) == ["Abdelhakim Benechehab", "Youssef Attia El Hili"]


def test_marks_survive_a_respelt_name(run, marked):
    marked.revise(ATTIA_EL_HILI_PAPER, "<name>Abdelhakim Benechehab</name>",
                  "<name>Abdelhakim BENECHEHAB</name>")  # fmt: skip
    assert "authors" in refresh(run)
    assert marks(run) == ["Abdelhakim BENECHEHAB", "Youssef Attia El Hili"]


def test_marks_survive_a_refresh_with_nothing_new(run, marked):
    refresh(run)
    assert marks(run) == ["Abdelhakim Benechehab", "Youssef Attia El Hili"]


@pytest.mark.parametrize(
    ("options", "shown"),
    [
        pytest.param(["--format", "markdown"], r"A. Benechehab\*, Y. Attia El Hili\*, A. Odonnat",
                     id="markdown"),
        pytest.param(["--format", "html"], 'A. Benechehab<abbr title="equal contribution">*'
                     '</abbr>, Y. Attia El Hili<abbr title="equal contribution">*</abbr>',
                     id="html"),
        pytest.param(["--format", "latex"], "A. Benechehab*, Y. Attia El Hili*, A. Odonnat",
                     id="latex"),
        pytest.param(["--format", "text"], "A. Benechehab*, Y. Attia El Hili*, A. Odonnat",
                     id="text"),
        pytest.param(["--bibtex"], "author+an = {1=equal; 2=equal}", id="bibtex"),
    ],
)  # fmt: skip
def test_marks_show_in_every_format(run, marked, tmp_path, options, shown):
    # Known from a BibTeX record, his family name is split right on the arXiv paper too.
    (tmp_path / "known.bib").write_text(
        "@misc{k, author = {Attia El Hili, Y.}, title = {K}, year = 2024}", encoding="utf-8"
    )
    assert run("import", str(tmp_path / "known.bib")).exit_code == 0
    refresh(run)
    style = [] if options == ["--bibtex"] else ["--name-style", "initials"]
    result = run("export", *options, *style, "--author", "Zekri")
    assert result.exit_code == 0, result.output
    assert shown in " ".join(result.stdout.split())
    if options != ["--bibtex"]:
        assert "Equal contribution" in result.stdout


def test_json_formats_carry_the_marks(run, marked):
    result = run("export", "--format", "json", "--author", "Zekri")
    assert result.exit_code == 0, result.output
    assert '"equal_contribution": true' in result.stdout


def test_unmarking_removes_the_bibtex_annotation(run, marked):
    assert run("edit", ATTIA_EL_HILI_PAPER, "--set", "equal=none").exit_code == 0
    assert "author+an" not in run("export", "--bibtex").stdout
    refresh(run)
    assert marks(run) == []


def test_imported_annotation_labels_other_than_equal_are_kept(run, tmp_path):
    (tmp_path / "a.bib").write_text(
        "@misc{a, author = {Hou, K. and Jelassi, S. and Malach, E.}, title = {A}, year = 2024,"
        " author+an = {1=highlight; 2=equal; 3=equal}}",
        encoding="utf-8",
    )
    assert run("import", str(tmp_path / "a.bib")).exit_code == 0
    assert "author+an = {1=highlight; 2=equal; 3=equal}" in run("export", "--bibtex").stdout
    assert run("edit", "a", "--set", "equal=1").exit_code == 0
    assert "author+an = {1=equal,highlight}" in run("export", "--bibtex").stdout
