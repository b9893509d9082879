"""`pubdb edit`: --set / --unset / --unlock, validation, and locks that survive refresh."""

from __future__ import annotations

import json

import pytest

from pubdb.cli.terminal import SHOW_ORDER
from pubdb.library import Library
from pubdb.papers.editing import INTERNAL

BIB = r"""
@inproceedings{smith2021deep,
  author = {Smith, John and Doe, Jane},
  title = {Deep Learning for {\LaTeX} Parsing},
  booktitle = {Proceedings of ICML},
  year = {2021},
  doi = {10.1000/deep.2021},
}

@article{lee2020flows,
  author = {Lee, Ann},
  title = {Flows on manifolds},
  journal = {Journal of Geometry},
  year = {2020},
  doi = {10.1000/flows.2020},
}
"""


@pytest.fixture
def library(run, tmp_path):
    """Two BibTeX records: smith2021deep and lee2020flows."""
    bib = tmp_path / "seed.bib"
    bib.write_text(BIB, encoding="utf-8")
    result = run("import", str(bib))
    assert result.exit_code == 0, result.output


def get(reference: str):
    with Library() as library:
        return library.get(reference)


def snapshot(run, reference: str) -> dict:
    return json.loads(run("show", reference, "--json").stdout)


def exported(run) -> str:
    result = run("export", "--bibtex")
    assert result.exit_code == 0, result.stderr
    return result.stdout


def test_set_venue_and_note(run, library):
    result = run(
        "edit",
        "smith2021deep",
        "--set",
        "venue=ICML 2024",
        "--set",
        "note=Oral presentation (top 5%)",
    )
    assert result.exit_code == 0, result.stderr
    assert result.stdout == "updated smith2021deep: venue, note\n"
    paper = get("smith2021deep")
    assert paper.venue == "ICML 2024"
    assert paper.note == "Oral presentation (top 5%)"
    assert set(paper.locked) == {"venue", "note"}
    shown = run("show", "smith2021deep").stdout.splitlines()
    assert "  venue     = ICML 2024  [edited, locked]" in shown
    assert "  note      = Oral presentation (top 5%)  [edited, locked]" in shown


def test_every_field_shown_is_editable():
    from pubdb.papers.editing import EDITABLE

    shown = {name for name in SHOW_ORDER if name not in INTERNAL}
    assert shown <= set(EDITABLE)


@pytest.mark.parametrize(
    ("name", "value", "stored"),
    [
        ("citekey", "smith2021new", "smith2021new"),
        ("title", "A Brand New Title", "A Brand New Title"),
        ("year", "2024", 2024),
        ("month", "March", 3),
        ("month", "11", 11),
        ("date", "2024-03-05", "2024-03-05"),
        ("kind", "journal", "journal"),
        ("status", "accepted", "accepted"),
        ("entry_type", "Article", "article"),
        ("venue", "ICML 2024", "ICML 2024"),
        ("journal", "Nature", "Nature"),
        ("booktitle", "Proc. ICML", "Proc. ICML"),
        ("publisher", "PMLR", "PMLR"),
        ("volume", "235", "235"),
        ("number", "7", "7"),
        ("pages", "1--10", "1--10"),
        ("note", "Spotlight", "Spotlight"),
        ("doi", "https://doi.org/10.5555/ABC.123", "10.5555/abc.123"),
        ("arxiv_id", "arXiv:2206.06921v2", "2206.06921"),
        ("arxiv_version", "2", 2),
        ("arxiv_primary_category", "cs.LG", "cs.LG"),
        ("arxiv_categories", "cs.LG, stat.ML", ["cs.LG", "stat.ML"]),
        ("arxiv_published", "2024-01-01T00:00:00Z", "2024-01-01T00:00:00Z"),
        ("arxiv_updated", "2024-02-01T00:00:00Z", "2024-02-01T00:00:00Z"),
        ("arxiv_comment", "10 pages", "10 pages"),
        ("journal_ref", "ICML 2024", "ICML 2024"),
        ("url", "https://example.org/paper", "https://example.org/paper"),
        ("pdf_url", "https://example.org/paper.pdf", "https://example.org/paper.pdf"),
        ("abstract", "We parse TeX.", "We parse TeX."),
    ],
)
def test_set_each_column(run, library, name, value, stored):
    result = run("edit", "smith2021deep", "--set", f"{name}={value}")
    assert result.exit_code == 0, result.stderr
    key = stored if name == "citekey" else "smith2021deep"
    record = snapshot(run, key)
    assert record[name] == stored
    assert name in record["locked"]


def test_set_authors_with_equal_contribution_marks(run, library):
    result = run("edit", "smith2021deep", "--set", "authors=A. One and B. Two*")
    assert result.exit_code == 0, result.stderr
    authors = get("smith2021deep").authors
    assert [(a.name, a.family, a.equal_contribution) for a in authors] == [
        ("A. One", "One", False),
        ("B. Two", "Two", True),
    ]
    shown = run("show", "smith2021deep").stdout
    assert "  authors   = 1. A. One\n              2. B. Two*  [edited, locked]\n" in shown
    assert shown.endswith("* equal contribution\n")


def test_set_equal_by_position(run, library):
    assert run("edit", "smith2021deep", "--set", "equal=1,2").exit_code == 0
    assert [a.equal_contribution for a in get("smith2021deep").authors] == [True, True]
    assert run("edit", "smith2021deep", "--set", "equal=2").exit_code == 0
    assert [a.equal_contribution for a in get("smith2021deep").authors] == [False, True]


def test_equal_position_out_of_range_is_refused(run, library):
    result = run("edit", "smith2021deep", "--set", "equal=3")
    assert result.exit_code == 2
    assert result.stderr.count("\n") == 1
    assert [a.equal_contribution for a in get("smith2021deep").authors] == [False, False]


def test_replaced_authors_drop_orphan_people(run, library, db_path):
    import sqlite3

    run("edit", "smith2021deep", "--set", "authors=A. One; B. Two")
    with sqlite3.connect(db_path) as conn:
        families = {row[0] for row in conn.execute("SELECT family FROM people")}
    assert families == {"One", "Two", "Lee"}


@pytest.mark.parametrize(
    ("kind", "entry_type"),
    [
        ("journal", "article"),
        ("conference", "inproceedings"),
        ("workshop", "inproceedings"),
        ("preprint", "misc"),
        ("thesis", "phdthesis"),
        ("other", "misc"),
    ],
)
def test_kind_change_updates_entry_type(run, library, kind, entry_type):
    result = run("edit", "lee2020flows", "--set", f"kind={kind}")
    assert result.exit_code == 0, result.stderr
    paper = get("lee2020flows")
    assert (paper.kind, paper.entry_type) == (kind, entry_type)
    assert exported(run).count(f"@{entry_type}{{lee2020flows,") == 1


@pytest.mark.parametrize(
    "assignment",
    [
        "kind=poster",
        "kind=",
        "status=rejected",
        "year=twenty",
        "year=2024a",
        "month=13",
        "month=Smarch",
        "doi=not-a-doi",
        "doi=10.12/x",
        "arxiv_id=1234.5678",
        "arxiv_id=hello",
        "date=March 2024",
        "citekey=has space",
        "equal=x",
        "bad name=1",
        "fields={}",
        "locked=[]",
        "source=manual",
    ],
)
def test_invalid_values_exit_2_with_one_line_and_change_nothing(run, library, assignment):
    before = snapshot(run, "smith2021deep")
    result = run("edit", "smith2021deep", "--set", "note=ok", "--set", assignment)
    assert result.exit_code == 2
    assert result.stdout == ""
    assert result.stderr.startswith("pubdb: ")
    assert result.stderr.count("\n") == 1
    assert snapshot(run, "smith2021deep") == before


def test_status_accepted_sets_pubstate_and_published_clears_it(run, library):
    run("edit", "lee2020flows", "--set", "status=accepted")
    assert get("lee2020flows").fields.get("pubstate") == "inpress"
    assert "pubstate = {inpress}" in exported(run)
    run("edit", "lee2020flows", "--set", "status=published")
    assert "pubstate" not in get("lee2020flows").fields


@pytest.mark.parametrize(
    ("assignment", "owner"),
    [("doi=10.1000/flows.2020", "lee2020flows"), ("citekey=lee2020flows", "lee2020flows")],
)
def test_value_owned_by_another_record_is_refused(run, library, assignment, owner):
    before = snapshot(run, "smith2021deep")
    result = run("edit", "smith2021deep", "--set", assignment)
    assert result.exit_code == 2
    assert "belongs to another publication" in result.stderr
    assert result.stderr.count("\n") == 1
    assert snapshot(run, "smith2021deep") == before
    assert get(owner).title == "Flows on manifolds"


def test_arxiv_id_owned_by_another_record_is_refused(run, library):
    run("edit", "lee2020flows", "--set", "arxiv_id=2206.06921")
    result = run("edit", "smith2021deep", "--set", "arxiv_id=2206.06921v3")
    assert result.exit_code == 2
    assert get("smith2021deep").arxiv_id is None


def test_setting_its_own_doi_again_is_fine(run, library):
    result = run("edit", "smith2021deep", "--set", "doi=10.1000/DEEP.2021")
    assert result.exit_code == 0, result.stderr
    assert get("smith2021deep").doi == "10.1000/deep.2021"


def test_unknown_key_exits_2_with_one_line(run, library):
    result = run("edit", "nosuchkey2020", "--set", "venue=X")
    assert result.exit_code == 2
    assert result.stdout == ""
    assert result.stderr == "pubdb: no publication matches 'nosuchkey2020'\n"


def test_nothing_to_do_is_a_usage_error(run, library):
    result = run("edit", "smith2021deep")
    assert result.exit_code == 2
    assert "nothing to do" in result.stderr


def test_assignment_without_equals_is_a_usage_error(run, library):
    result = run("edit", "smith2021deep", "--set", "venue")
    assert result.exit_code == 2
    assert result.stderr.count("\n") == 1


def test_unset_clears_a_field_and_locks_it(run, library):
    run("edit", "smith2021deep", "--set", "note=Spotlight")
    result = run("edit", "smith2021deep", "--unset", "note", "--unset", "doi")
    assert result.exit_code == 0, result.stderr
    assert result.stdout == "updated smith2021deep: note, doi\n"
    paper = get("smith2021deep")
    assert paper.note is None and paper.doi is None
    assert {"note", "doi"} <= set(paper.locked)
    bib = exported(run)
    assert "Spotlight" not in bib and "10.1000/deep.2021" not in bib


@pytest.mark.parametrize("name", ["title", "citekey", "kind", "status", "entry_type"])
def test_required_fields_cannot_be_unset(run, library, name):
    before = snapshot(run, "smith2021deep")
    result = run("edit", "smith2021deep", "--unset", name)
    assert result.exit_code == 2
    assert f"{name} cannot be unset" in result.stderr
    assert snapshot(run, "smith2021deep") == before


def test_edited_title_is_exported_from_the_new_value(run, library):
    assert r"{\LaTeX}" in exported(run)
    run("edit", "smith2021deep", "--set", "title=Parsing Ødegård's Notes")
    entry = exported(run).split("\n\n")
    smith = next(e for e in entry if "{smith2021deep," in e)
    assert "LaTeX" not in smith
    assert r"title = {Parsing {\O}deg{\r{a}}rd's Notes}" in smith
    assert "title" not in get("smith2021deep").latex


def test_edited_authors_are_exported_from_the_new_value(run, library):
    run("edit", "smith2021deep", "--set", "authors=Ann Müller and Bob Two")
    assert r"author = {M{\"u}ller, Ann and Two, Bob}" in exported(run)


def test_extra_bibtex_fields_appear_in_export_and_can_be_unset(run, library):
    result = run("edit", "lee2020flows", "--set", "school=MIT", "--set", "Address=Cambridge, MA")
    assert result.exit_code == 0, result.stderr
    assert get("lee2020flows").fields == {"school": "MIT", "address": "Cambridge, MA"}
    bib = exported(run)
    assert "  school = {MIT}," in bib
    assert "  address = {Cambridge, MA}," in bib
    run("edit", "lee2020flows", "--unset", "school")
    assert "school" not in exported(run)


def test_unlock_alone_releases_the_lock(run, library):
    run("edit", "smith2021deep", "--set", "venue=ICML", "--set", "note=Oral")
    result = run("edit", "smith2021deep", "--unlock", "venue")
    assert result.exit_code == 0, result.stderr
    assert result.stdout == "updated smith2021deep: unlocked venue\n"
    paper = get("smith2021deep")
    assert paper.locked == ["note"]
    assert paper.venue == "ICML"  # unlocking keeps the value


# -- edits against fetched arXiv metadata -------------------------------------------


def retitle(arxiv, arxiv_id: str, old: bytes, new: bytes) -> None:
    entry = arxiv.entries[arxiv_id]
    assert b"<title>" + old + b"</title>" in entry
    arxiv.entries[arxiv_id] = entry.replace(
        b"<title>" + old + b"</title>", b"<title>" + new + b"</title>"
    )


def test_edited_title_survives_refresh_but_unedited_record_follows_arxiv(run, arxiv):
    assert run("add", "2104.12255", "astro-ph/0601001").exit_code == 0
    run("edit", "2104.12255", "--set", "title=Zero: splitting attacks on BLS")
    retitle(arxiv, "2104.12255", b"0", b"The funniest number in cryptography")
    retitle(
        arxiv,
        "astro-ph/0601001",
        b"Frequency of Hot Jupiters and Very Hot Jupiters from the OGLE-III Transit Surveys"
        b" Toward the Galactic Bulge and Carina",
        b"Hot Jupiters from OGLE-III",
    )
    result = run("refresh")
    assert result.exit_code == 0, result.stderr
    assert get("2104.12255").title == "Zero: splitting attacks on BLS"
    assert get("astro-ph/0601001").title == "Hot Jupiters from OGLE-III"


def test_edits_survive_re_adding_the_arxiv_id(run, arxiv):
    run("add", "2104.12255")
    run(
        "edit",
        "2104.12255",
        "--set",
        "title=Zero",
        "--set",
        "venue=ICML 2024",
        "--set",
        "authors=Q. Nguyen*; B. Helper*",
        "--set",
        "year=2022",
    )
    retitle(arxiv, "2104.12255", b"0", b"The funniest number in cryptography")
    arxiv.entries["2104.12255"] = arxiv.entries["2104.12255"].replace(
        b"</entry>", b"<arxiv:journal_ref>Proc. CRYPTO 2023</arxiv:journal_ref></entry>"
    )
    result = run("add", "2104.12255")
    assert result.exit_code == 0, result.stderr
    paper = get("2104.12255")
    assert paper.title == "Zero"
    assert paper.venue == "ICML 2024"
    assert paper.year == 2022
    assert [(a.name, a.equal_contribution) for a in paper.authors] == [
        ("Q. Nguyen", True),
        ("B. Helper", True),
    ]
    assert paper.journal_ref == "Proc. CRYPTO 2023"  # arXiv's own field still follows arXiv


def test_unlock_lets_refresh_update_the_field_again(run, arxiv):
    run("add", "2104.12255")
    run("edit", "2104.12255", "--set", "title=Zero")
    retitle(arxiv, "2104.12255", b"0", b"The funniest number in cryptography")
    run("refresh", "2104.12255")
    assert get("2104.12255").title == "Zero"
    result = run("edit", "2104.12255", "--unlock", "title")
    assert result.exit_code == 0, result.stderr
    assert "title" not in get("2104.12255").locked
    result = run("refresh", "2104.12255")
    assert result.exit_code == 0, result.stderr
    assert "title: Zero → The funniest number in cryptography" in result.stdout
    assert get("2104.12255").title == "The funniest number in cryptography"


def test_edited_kind_and_status_survive_a_journal_ref(run, arxiv):
    run("add", "2104.12255")
    run("edit", "2104.12255", "--set", "kind=workshop", "--set", "status=submitted")
    arxiv.entries["2104.12255"] = arxiv.entries["2104.12255"].replace(
        b"</entry>", b"<arxiv:journal_ref>Journal of Cryptology 2023</arxiv:journal_ref></entry>"
    )
    assert run("refresh").exit_code == 0
    paper = get("2104.12255")
    assert (paper.kind, paper.entry_type, paper.status) == (
        "workshop",
        "inproceedings",
        "submitted",
    )
    assert paper.venue == "Journal of Cryptology 2023"  # venue was not edited
