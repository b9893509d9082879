"""Multi-word family names from arXiv, which writes names given-name first with nothing to
say where the family name starts ("Youssef Attia El Hili", arXiv:2410.11711). The split
is learnt from evidence: a BibTeX record of the person ("Attia El Hili, Y."), a name the
library already resolved, particles, and a decision (`author set --family`) that every
later add and refresh respects."""

from __future__ import annotations

import json

import pytest

from people_feeds import ATTIA_EL_HILI_PAPER, serve

KNOWN_FROM_BIBTEX = """
@inproceedings{zekri2024convergence,
  author = {Zekri, O. and Attia El Hili, Y. and Redko, I.},
  title = {A paper that says where his family name starts},
  booktitle = {Workshop},
  year = {2024},
}
"""


@pytest.fixture
def arxiv_feed(httpserver, monkeypatch):
    return serve(httpserver, monkeypatch, ATTIA_EL_HILI_PAPER)


def import_text(run, tmp_path, text: str, name: str = "known.bib") -> None:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    result = run("import", str(path))
    assert result.exit_code == 0, result.output


def add_paper(run) -> str:
    result = run("add", ATTIA_EL_HILI_PAPER)
    assert result.exit_code == 0, result.output
    return arxiv_record(run)["citekey"]


def arxiv_record(run) -> dict:
    records = json.loads(run("list", "--json").stdout)
    (record,) = [r for r in records if r["arxiv_id"] == ATTIA_EL_HILI_PAPER]
    return record


def split_of(run, written: str) -> tuple[str, str]:
    (author,) = [a for a in arxiv_record(run)["authors"] if a["name"] == written]
    return author["given"], author["family"]


def initials_list(run) -> str:
    result = run("export", "--format", "text", "--name-style", "initials", "--group-by", "none")
    assert result.exit_code == 0, result.output
    return " ".join(result.stdout.split())


def bibtex_authors(run, key: str) -> str:
    result = run("export", "--bibtex")
    entry = result.stdout.split(f"{{{key},")[1].split("\n}")[0]
    (line,) = [line for line in entry.splitlines() if line.strip().startswith("author =")]
    return line.strip()


def test_without_evidence_the_particle_starts_the_family_name(run, arxiv_feed):
    add_paper(run)
    assert split_of(run, "Youssef Attia El Hili") == ("Youssef Attia", "El Hili")
    assert "Y. A. El Hili" in initials_list(run)


def test_a_bibtex_record_of_the_person_decides_the_split_of_a_later_arxiv_paper(
    run, tmp_path, arxiv_feed
):
    import_text(run, tmp_path, KNOWN_FROM_BIBTEX)
    key = add_paper(run)

    assert split_of(run, "Youssef Attia El Hili") == ("Youssef", "Attia El Hili")
    assert "A. Benechehab, Y. Attia El Hili, A. Odonnat, O. Zekri" in initials_list(run)
    assert "Attia El Hili, Youssef and" in bibtex_authors(run, key)
    # One person, named by the fuller name, split the same way.
    shown = json.loads(run("author", "show", "Attia El Hili", "--json").stdout)
    assert shown["person"]["name"] == "Youssef Attia El Hili"
    assert (shown["profile"]["given"], shown["profile"]["family"]) == ("Youssef", "Attia El Hili")


def test_evidence_arriving_after_the_arxiv_paper_resplits_it(run, tmp_path, arxiv_feed):
    key = add_paper(run)
    import_text(run, tmp_path, KNOWN_FROM_BIBTEX)

    assert split_of(run, "Youssef Attia El Hili") == ("Youssef", "Attia El Hili")
    assert "Attia El Hili, Youssef and" in bibtex_authors(run, key)


def test_a_decided_family_name_resplits_the_papers_and_survives_refresh(run, arxiv_feed):
    key = add_paper(run)
    result = run("author", "set", "Youssef Attia El Hili", "--family", "Attia El Hili")
    assert result.exit_code == 0, result.output
    assert "family name: Attia El Hili (decided); given: Youssef" in result.stdout
    assert split_of(run, "Youssef Attia El Hili") == ("Youssef", "Attia El Hili")

    # arXiv's next version changes the author list (an affiliation appears): the names
    # are stored again from the feed, and the decision is applied again.
    arxiv_feed.revise(
        ATTIA_EL_HILI_PAPER,
        "<name>Youssef Attia El Hili</name>",
        "<name>Youssef Attia El Hili</name>\n      <arxiv:affiliation>Huawei Noah's Ark Lab"
        "</arxiv:affiliation>",
    )
    refreshed = run("refresh")
    assert refreshed.exit_code == 0, refreshed.output
    assert "authors" in refreshed.stdout
    assert split_of(run, "Youssef Attia El Hili") == ("Youssef", "Attia El Hili")
    assert "Attia El Hili, Youssef and" in bibtex_authors(run, key)
    assert "Y. Attia El Hili" in initials_list(run)


def test_unsetting_the_decision_goes_back_to_the_evidence(run, tmp_path, arxiv_feed):
    add_paper(run)
    run("author", "set", "Youssef Attia El Hili", "--family", "Hili")
    assert split_of(run, "Youssef Attia El Hili") == ("Youssef Attia El", "Hili")
    import_text(run, tmp_path, KNOWN_FROM_BIBTEX)  # evidence, but the decision wins
    assert split_of(run, "Youssef Attia El Hili") == ("Youssef Attia El", "Hili")

    result = run("author", "set", "Youssef Attia El Hili", "--unset", "family")
    assert result.exit_code == 0, result.output
    assert split_of(run, "Youssef Attia El Hili") == ("Youssef", "Attia El Hili")


@pytest.mark.parametrize(
    "family",
    [
        pytest.param("Benechehab", id="another-persons-name"),
        pytest.param("Youssef Attia El Hili", id="the-whole-name"),
        pytest.param("  ", id="empty"),
    ],
)
def test_a_family_name_that_does_not_end_the_name_is_refused(run, arxiv_feed, family):
    add_paper(run)
    before = arxiv_record(run)
    result = run("author", "set", "Youssef Attia El Hili", "--family", family)
    assert result.exit_code == 2
    assert result.stderr.startswith("pubdb: ") and result.stderr.count("\n") == 1
    assert arxiv_record(run) == before


@pytest.mark.parametrize(
    "query",
    [
        pytest.param("Attia", id="middle-word"),
        pytest.param("El Hili", id="last-words"),
        pytest.param("Youssef Attia", id="given-and-first-family-word"),
        pytest.param("Attia El Hili", id="family-name"),
        pytest.param("hili", id="last-word-lower-case"),
    ],
)
def test_any_part_of_the_name_finds_him(run, arxiv_feed, query):
    key = add_paper(run)
    result = run("authors", query, "--json")
    assert result.exit_code == 0, result.output
    assert [p["name"] for p in json.loads(result.stdout)] == ["Youssef Attia El Hili"]
    listed = json.loads(run("list", "--author", query, "--json").stdout)
    assert [p["citekey"] for p in listed] == [key]
    found = json.loads(run("search", query, "--json").stdout)
    assert [p["citekey"] for p in found] == [key]


def test_any_part_lists_everyone_it_fits(run, tmp_path):
    import_text(
        run,
        tmp_path,
        """
@article{a, author = {Attia, Mona and Samy Jelassi}, title = {One}, journal = {J}, year = 2020}
@article{b, author = {Attia El Hili, Youssef}, title = {Two}, journal = {J}, year = 2021}
""",
    )
    found = json.loads(run("authors", "Attia", "--json").stdout)
    assert {p["name"] for p in found} == {"Mona Attia", "Youssef Attia El Hili"}
    result = run("coauthors", "Attia")  # one question, one answer: ambiguous here too
    assert result.exit_code == 2
    assert "Mona Attia" in result.stderr and "Youssef Attia El Hili" in result.stderr
    assert json.loads(run("authors", "Samy", "--json").stdout)[0]["name"] == "Samy Jelassi"
