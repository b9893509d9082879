"""`pubdb rm`, `merge`, `refresh` and `search`: whole-library operations."""

from __future__ import annotations

import json
import sqlite3

import pytest
from werkzeug import Response

from pubdb.errors import UsageError
from pubdb.library import Library

BIB = r"""
@article{nunez2020flows,
  author = {N{\'u}{\~n}ez, Mar{\'\i}a and {\O}deg{\aa}rd, Jens},
  title = {Flows on {Riemannian} manifolds},
  journal = {Journal of Geometry},
  year = {2020},
  volume = {12},
  pages = {1--20},
  doi = {10.1000/jg.2020.1},
  abstract = {We study transport along geodesics.},
}

@inproceedings{smith2021deep,
  author = {Smith, John and {\O}deg{\aa}rd, Jens},
  title = {Deep learning for geodesics},
  booktitle = {Proceedings of ICML},
  year = {2021},
}

@article{doe2019sparse,
  author = {Doe, Jane},
  title = {Sparse solvers},
  journal = {SIAM Review},
  year = {2019},
  abstract = {A survey of sparse direct solvers, with an appendix on manifolds.},
}
"""


@pytest.fixture
def seeded(run, tmp_path):
    bib = tmp_path / "seed.bib"
    bib.write_text(BIB, encoding="utf-8")
    result = run("import", str(bib))
    assert result.exit_code == 0, result.output


def import_bib(run, tmp_path, text: str, name: str = "more.bib") -> None:
    bib = tmp_path / name
    bib.write_text(text, encoding="utf-8")
    result = run("import", str(bib))
    assert result.exit_code == 0, result.output


def get(reference: str):
    with Library() as library:
        return library.get(reference)


def citekeys(db_path) -> set[str]:
    with sqlite3.connect(db_path) as conn:
        return {row[0] for row in conn.execute("SELECT citekey FROM publications")}


def people(db_path) -> set[str]:
    with sqlite3.connect(db_path) as conn:
        return {row[0] for row in conn.execute("SELECT family FROM people")}


def dump(db_path) -> list[tuple]:
    """Every publication and authorship row (minus the search index): to compare states."""
    with sqlite3.connect(db_path) as conn:
        return [
            *conn.execute("SELECT * FROM publications ORDER BY id"),
            *conn.execute("SELECT * FROM authorships ORDER BY publication_id, position"),
        ]


def found(run, *query: str) -> list[str]:
    result = run("search", "--json", *query)
    assert result.exit_code == 0, result.stderr
    return [record["citekey"] for record in json.loads(result.stdout)]


# -- rm --------------------------------------------------------------------------------


def test_rm_removes_several_records(run, seeded, db_path):
    result = run("rm", "nunez2020flows", "doe2019sparse")
    assert result.exit_code == 0, result.stderr
    assert result.stdout.splitlines() == [
        "removed nunez2020flows  Flows on Riemannian manifolds",
        "removed doe2019sparse  Sparse solvers",
    ]
    assert citekeys(db_path) == {"smith2021deep"}


def test_rm_by_doi_and_arxiv_id(run, seeded, arxiv, db_path):
    run("add", "2206.06921")
    result = run("rm", "https://doi.org/10.1000/JG.2020.1", "arXiv:2206.06921v3")
    assert result.exit_code == 0, result.stderr
    assert citekeys(db_path) == {"smith2021deep", "doe2019sparse"}


def test_rm_with_an_unknown_key_removes_nothing(run, seeded, db_path):
    before = dump(db_path)
    result = run("rm", "nunez2020flows", "nosuch2020key", "doe2019sparse")
    assert result.exit_code == 2
    assert result.stdout == ""
    assert result.stderr == "pubdb: no publication matches 'nosuch2020key'\n"
    assert dump(db_path) == before


def test_rm_drops_orphan_people_only(run, seeded, db_path):
    assert people(db_path) == {"Núñez", "Ødegård", "Smith", "Doe"}
    run("rm", "nunez2020flows")
    assert people(db_path) == {"Ødegård", "Smith", "Doe"}  # Ødegård still has a paper
    run("rm", "smith2021deep")
    assert people(db_path) == {"Doe"}


def test_rm_names_each_record_once(run, seeded, db_path):
    result = run("rm", "nunez2020flows", "10.1000/jg.2020.1")
    assert result.exit_code == 0, result.stderr
    assert result.stdout == "removed nunez2020flows  Flows on Riemannian manifolds\n"
    assert citekeys(db_path) == {"smith2021deep", "doe2019sparse"}


def test_rm_needs_a_key(run, seeded):
    assert run("rm").exit_code == 2


# -- merge -------------------------------------------------------------------------------

DUPLICATE = r"""
@article{nunez2020flowsb,
  author = {N{\'u}{\~n}ez, M. and {\O}deg{\aa}rd, J.},
  title = {Flows on Riemannian manifolds (extended)},
  journal = {J. Geom.},
  year = {2020},
  number = {3},
  publisher = {Springer},
  note = {Extended version},
  keywords = {geometry, transport},
}
"""


def test_merge_fills_missing_fields_and_remembers_the_other_key(run, seeded, tmp_path, db_path):
    import_bib(run, tmp_path, DUPLICATE)
    result = run("merge", "nunez2020flows", "nunez2020flowsb")
    assert result.exit_code == 0, result.stderr
    lines = result.stdout.splitlines()
    assert lines[0] == "merged nunez2020flowsb into nunez2020flows"
    assert lines[1].startswith("  took from nunez2020flowsb: ")
    assert {"number", "publisher", "note", "keywords"} <= set(lines[1].split(": ")[1].split(", "))
    assert lines[2].startswith("  kept from nunez2020flows: ")
    assert "nunez2020flowsb" not in citekeys(db_path)
    paper = get("nunez2020flows")
    assert (paper.number, paper.publisher, paper.note) == ("3", "Springer", "Extended version")
    assert paper.fields["keywords"] == "geometry, transport"
    assert paper.fields["ids"] == "nunez2020flowsb"
    # conflicts keep KEEP's values
    assert paper.title == "Flows on Riemannian manifolds"
    assert paper.journal == "Journal of Geometry"
    assert [a.name for a in paper.authors] == ["Núñez, María", "Ødegård, Jens"]
    assert "ids = {nunez2020flowsb}" in run("export").stdout


def test_merge_prefer_incoming_takes_the_other_records_values(run, seeded, tmp_path):
    import_bib(run, tmp_path, DUPLICATE)
    result = run("merge", "nunez2020flows", "nunez2020flowsb", "--prefer", "incoming")
    assert result.exit_code == 0, result.stderr
    paper = get("nunez2020flows")
    assert paper.citekey == "nunez2020flows"
    assert paper.title == "Flows on Riemannian manifolds (extended)"
    assert paper.journal == "J. Geom."
    assert paper.doi == "10.1000/jg.2020.1"  # nothing incoming to replace it with
    assert paper.fields["ids"] == "nunez2020flowsb"


def test_merge_never_touches_edited_fields(run, seeded, tmp_path):
    import_bib(run, tmp_path, DUPLICATE)
    run("edit", "nunez2020flows", "--set", "journal=J. Geometry", "--unset", "note")
    result = run("merge", "nunez2020flows", "nunez2020flowsb", "--prefer", "incoming")
    assert result.exit_code == 0, result.stderr
    paper = get("nunez2020flows")
    assert paper.journal == "J. Geometry"
    assert paper.note is None
    assert "journal" in result.stdout.splitlines()[-1]  # reported as kept


def test_merge_takes_identifiers_from_the_other_record(run, seeded, arxiv, db_path):
    run("add", "2104.12255")
    arxiv_key = get("2104.12255").citekey
    result = run("merge", "doe2019sparse", arxiv_key)
    assert result.exit_code == 0, result.stderr
    paper = get("doe2019sparse")
    assert paper.arxiv_id == "2104.12255"
    assert get("2104.12255").citekey == "doe2019sparse"
    assert arxiv_key not in citekeys(db_path)
    assert "Nguyen" not in people(db_path)  # the absorbed record's author went with it


def test_merge_keeps_the_keys_the_absorbed_record_already_remembered(run, seeded, tmp_path):
    import_bib(run, tmp_path, DUPLICATE)
    run("merge", "doe2019sparse", "smith2021deep")
    run("merge", "nunez2020flows", "nunez2020flowsb")
    run("merge", "doe2019sparse", "nunez2020flows")
    ids = [key.strip() for key in get("doe2019sparse").fields["ids"].split(",")]
    assert sorted(ids) == ["nunez2020flows", "nunez2020flowsb", "smith2021deep"]


@pytest.mark.parametrize("other", ["nunez2020flows", "10.1000/jg.2020.1", " nunez2020flows "])
def test_merging_a_record_with_itself_is_refused(run, seeded, db_path, other):
    before = dump(db_path)
    result = run("merge", "nunez2020flows", other)
    assert result.exit_code == 2
    assert "same publication" in result.stderr
    assert result.stderr.count("\n") == 1
    assert dump(db_path) == before


def test_merge_with_an_unknown_key_is_refused(run, seeded, db_path):
    before = dump(db_path)
    result = run("merge", "nunez2020flows", "nosuch2020key")
    assert result.exit_code == 2
    assert result.stderr == "pubdb: no publication matches 'nosuch2020key'\n"
    assert dump(db_path) == before


# -- refresh -----------------------------------------------------------------------------


def publish(arxiv, arxiv_id: str, *, version: int, doi: str, journal_ref: str) -> None:
    """The arXiv stand-in now answers with a new version carrying a DOI and journal ref."""
    entry = arxiv.entries[arxiv_id]
    entry = entry.replace(f"{arxiv_id}v1".encode(), f"{arxiv_id}v{version}".encode())
    arxiv.entries[arxiv_id] = entry.replace(
        b"</entry>",
        f"<arxiv:doi>{doi}</arxiv:doi>"
        f"<arxiv:journal_ref>{journal_ref}</arxiv:journal_ref></entry>".encode(),
    )


def test_refresh_reports_new_version_doi_and_journal_ref(run, arxiv):
    run("add", "2104.12255", "astro-ph/0601001")
    publish(arxiv, "2104.12255", version=2, doi="10.1000/XYZ.123", journal_ref="Proc. ICML 2022")
    requests_before = len(arxiv.requests)
    result = run("refresh")
    assert result.exit_code == 0, result.stderr
    assert len(arxiv.requests) == requests_before + 1
    assert sorted(arxiv.requests[-1]["id_list"].split(",")) == ["2104.12255", "astro-ph/0601001"]
    out = result.stdout
    assert "    arxiv_version: 1 → 2\n" in out
    assert "    doi: — → 10.1000/xyz.123\n" in out
    assert "    journal_ref: — → Proc. ICML 2022\n" in out
    assert "    status: preprint → published\n" in out
    assert "    venue: — → Proc. ICML 2022\n" in out
    assert "    kind: preprint → conference\n" in out
    assert out.splitlines()[-1] == "1 updated, 1 unchanged"
    paper = get("2104.12255")
    assert (paper.arxiv_version, paper.doi, paper.status) == (2, "10.1000/xyz.123", "published")
    assert (paper.venue, paper.kind, paper.entry_type) == (
        "Proc. ICML 2022",
        "conference",
        "inproceedings",
    )
    assert paper.year == 2022


def test_refresh_keeps_an_existing_venue(run, arxiv, tmp_path):
    import_bib(
        run,
        tmp_path,
        r"""@inproceedings{nguyen2021zero,
              author = {Nguyen, Quan Thoi Minh},
              title = {0},
              booktitle = {Workshop on Crypto Bugs},
              year = {2021},
              eprint = {2104.12255},
              archivePrefix = {arXiv},
            }""",
    )
    publish(arxiv, "2104.12255", version=2, doi="10.1000/xyz.1", journal_ref="J. Cryptology 2023")
    result = run("refresh", "nguyen2021zero")
    assert result.exit_code == 0, result.stderr
    paper = get("nguyen2021zero")
    assert paper.venue == "Workshop on Crypto Bugs"
    assert paper.journal_ref == "J. Cryptology 2023"
    assert paper.doi == "10.1000/xyz.1"
    assert "venue:" not in result.stdout


def test_refresh_asks_for_all_records_in_batches(run, arxiv, db_path):
    ids = sorted(arxiv.entries)[:150]
    assert run("add", *ids).exit_code == 0
    arxiv.requests.clear()
    result = run("refresh")
    assert result.exit_code == 0, result.stderr
    assert [r["max_results"] for r in arxiv.requests] == ["100", "50"]
    assert sorted(arxiv.asked_ids) == ids
    assert "150 unchanged" in result.stdout


def test_refresh_named_record_asks_only_for_it(run, arxiv):
    run("add", "2104.12255", "astro-ph/0601001")
    arxiv.requests.clear()
    key = get("astro-ph/0601001").citekey
    result = run("refresh", key)
    assert result.exit_code == 0, result.stderr
    assert arxiv.asked_ids == ["astro-ph/0601001"]
    assert "1 unchanged" in result.stdout


def test_refresh_dry_run_changes_nothing(run, arxiv, db_path):
    run("add", "2104.12255")
    before = dump(db_path)
    publish(arxiv, "2104.12255", version=2, doi="10.1000/xyz.123", journal_ref="Proc. ICML 2022")
    result = run("refresh", "--dry-run")
    assert result.exit_code == 0, result.stderr
    assert "    arxiv_version: 1 → 2\n" in result.stdout
    assert result.stdout.endswith("1 updated (dry run: nothing written)\n")
    assert dump(db_path) == before
    assert found(run, "icml") == []


def test_refresh_of_a_record_without_arxiv_id_is_refused(run, seeded, arxiv, db_path):
    run("add", "2104.12255")
    arxiv.requests.clear()
    before = dump(db_path)
    result = run("refresh", "2104.12255", "doe2019sparse")
    assert result.exit_code == 2
    assert result.stderr == "pubdb: no arXiv id to refresh from: doe2019sparse\n"
    assert arxiv.requests == []
    assert dump(db_path) == before


def test_refresh_names_each_record_once(run, arxiv):
    run("add", "2104.12255")
    key = get("2104.12255").citekey
    result = run("refresh", key, "2104.12255v1")
    assert result.exit_code == 0, result.stderr
    assert arxiv.requests[-1]["id_list"] == "2104.12255"
    assert result.stdout.splitlines()[-1] == "1 unchanged"


def test_refresh_of_an_unknown_key_is_refused(run, arxiv):
    run("add", "2104.12255")
    result = run("refresh", "nosuch2020key")
    assert result.exit_code == 2
    assert result.stderr.count("\n") == 1


def test_refresh_without_a_library_says_so(run, arxiv, db_path):
    result = run("refresh", "nosuch2020key")
    assert result.exit_code == 1
    assert result.stderr.startswith(f"pubdb: no library at {db_path} ")
    assert not db_path.exists()


def test_refresh_network_failure_leaves_the_database_unchanged(run, arxiv, db_path):
    run("add", "2104.12255", "astro-ph/0601001")
    publish(arxiv, "2104.12255", version=2, doi="10.1000/xyz.123", journal_ref="Proc. ICML 2022")
    before = dump(db_path)
    arxiv.fail_next(*[Response("busy", status=503) for _ in range(3)])
    result = run("refresh")
    assert result.exit_code == 1
    *notices, last = result.stderr.splitlines()
    assert last.startswith("pubdb: arXiv request failed after 3 attempts")
    assert len(notices) == 2  # one line before each retry
    assert dump(db_path) == before


def test_refresh_without_arxiv_records_asks_nothing(run, seeded, arxiv):
    result = run("refresh")
    assert result.exit_code == 0, result.stderr
    assert arxiv.requests == []


def test_refresh_reports_a_withdrawn_id_as_not_found(run, arxiv, db_path):
    run("add", "2104.12255", "astro-ph/0601001")
    before = dump(db_path)
    del arxiv.entries["2104.12255"]
    result = run("refresh")
    assert result.exit_code == 1
    assert "not found  2104.12255" in result.stdout
    assert dump(db_path) == before


# -- search ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("nunez", ["nunez2020flows"]),
        ("NÚÑEZ", ["nunez2020flows"]),
        ("maria", ["nunez2020flows"]),
        ("odegard", ["nunez2020flows", "smith2021deep"]),
        ("Ødegård", ["nunez2020flows", "smith2021deep"]),
        ("riemannian", ["nunez2020flows"]),
        ("siam review", ["doe2019sparse"]),
        ("icml", ["smith2021deep"]),
        ("transport", ["nunez2020flows"]),
        ("manif", ["nunez2020flows", "doe2019sparse"]),
        ("sparse solvers doe", ["doe2019sparse"]),
        ("sparse nunez", []),
    ],
)
def test_search_title_authors_venue_and_abstract(run, seeded, query, expected):
    assert sorted(found(run, query)) == sorted(expected)


def test_search_ranks_title_matches_first(run, seeded):
    # 'manifolds' is in nunez2020flows' title and only in doe2019sparse's abstract
    assert found(run, "manifolds") == ["nunez2020flows", "doe2019sparse"]
    # 'geodesics' is in smith2021deep's title and only in nunez2020flows' abstract
    assert found(run, "geodesics") == ["smith2021deep", "nunez2020flows"]


def test_search_limit_and_table_output(run, seeded):
    assert found(run, "manifolds", "--limit", "1") == ["nunez2020flows"]
    result = run("search", "odegard", "--limit", "1")
    assert result.exit_code == 0
    assert len(result.stdout.splitlines()) == 1
    table = run("search", "sparse").stdout
    assert table.startswith("doe2019sparse") and "Sparse solvers" in table
    assert run("search", "manifolds", "--limit", "0").exit_code == 2


def test_search_json_holds_full_records(run, seeded):
    records = json.loads(run("search", "--json", "riemannian").stdout)
    assert len(records) == 1
    assert records[0]["title"] == "Flows on Riemannian manifolds"
    assert records[0]["doi"] == "10.1000/jg.2020.1"
    assert [a["family"] for a in records[0]["authors"]] == ["Núñez", "Ødegård"]
    assert json.loads(run("search", "--json", "nothingmatches").stdout) == []


def test_search_finds_accented_names_set_by_edit(run, seeded):
    assert found(run, "bjork") == []
    run("edit", "doe2019sparse", "--set", "authors=Åke Björk and Łukasz Kaiser")
    assert found(run, "bjork") == ["doe2019sparse"]
    assert found(run, "lukasz kaiser") == ["doe2019sparse"]
    assert found(run, "doe") == []


def test_search_follows_edits_immediately(run, seeded):
    run("edit", "nunez2020flows", "--set", "title=Curvature flows")
    assert found(run, "riemannian") == []
    assert found(run, "curvature") == ["nunez2020flows"]
    run("edit", "doe2019sparse", "--set", "venue=NeurIPS")
    assert found(run, "neurips") == ["doe2019sparse"]
    run("edit", "doe2019sparse", "--unset", "abstract")
    assert found(run, "appendix") == []


def test_search_forgets_removed_records(run, seeded):
    run("rm", "nunez2020flows")
    assert found(run, "riemannian") == []
    assert found(run, "odegard") == ["smith2021deep"]


def test_search_after_merge_finds_only_the_surviving_record(run, seeded, tmp_path):
    import_bib(run, tmp_path, DUPLICATE)
    assert sorted(found(run, "extended")) == ["nunez2020flowsb"]
    run("merge", "nunez2020flows", "nunez2020flowsb", "--prefer", "incoming")
    assert found(run, "extended") == ["nunez2020flows"]
    assert found(run, "riemannian") == ["nunez2020flows"]


def test_search_follows_refresh(run, arxiv):
    run("add", "2104.12255")
    assert found(run, "icml") == []
    publish(arxiv, "2104.12255", version=2, doi="10.1000/xyz.123", journal_ref="Proc. ICML 2022")
    run("refresh")
    assert found(run, "icml") == [get("2104.12255").citekey]


@pytest.mark.parametrize(
    "query",
    [
        '"',
        "*",
        "NEAR(",
        "'; DROP TABLE publications; --",
        "title:flows",
        "flows AND OR NOT",
        "^flows",
        "(",
        "{riemannian}",
        "\\",
        "-",
        "%",
        "_",
        "ø*",
    ],
)
def test_hostile_queries_do_not_error(run, seeded, db_path, query):
    """Words are found or not (exit 0, 'nothing matches' on stderr); a query with no word
    at all is one usage line (exit 2); never an SQL or FTS error (tests/test_search.py)."""
    result = run("search", query)
    assert result.exit_code in (0, 2), result.stderr
    assert result.stderr == "" or (
        result.stderr.startswith(("pubdb: nothing matches", "pubdb: nothing to search for"))
        and result.stderr.count("\n") == 1
    )
    assert citekeys(db_path) == {"nunez2020flows", "smith2021deep", "doe2019sparse"}


def test_sql_in_a_query_is_just_words(run, seeded, db_path):
    run("edit", "doe2019sparse", "--set", "note=drop table publications")
    assert found(run, "'; DROP TABLE publications; --") == []  # note is not indexed
    run("edit", "doe2019sparse", "--set", "title=How to drop table publications")
    assert found(run, "'; DROP TABLE publications; --") == ["doe2019sparse"]
    assert len(citekeys(db_path)) == 3


def test_search_library_api(seeded):
    with Library() as library:
        assert [p.citekey for p in library.search("manifolds", limit=1)] == ["nunez2020flows"]
        for nothing in ("", "   ", "*"):
            with pytest.raises(UsageError, match="nothing to search for"):
                library.search(nothing)
