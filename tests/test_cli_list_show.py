"""`pubdb list` and `pubdb show`, on records added from the arXiv stand-in."""

from __future__ import annotations

import json
import re
from xml.etree import ElementTree

import pytest

from pubdb.tex.display import display_text

ATOM = "{http://www.w3.org/2005/Atom}"
ARXIV = "{http://arxiv.org/schemas/atom}"
# (arXiv id, citation key, year, kind, first author's family name), newest first
PAPERS = [
    ("2206.06921", "rutar2024attainable", "2024", "journal", "Rutar"),
    ("2104.12255", "nguyen2021", "2021", "preprint", "Nguyen"),
    ("1707.08567", "immink2017proceedings", "2017", "preprint", "Immink"),
    ("astro-ph/0601001", "gould2006frequency", "2006", "journal", "Gould"),
]
GOULD_AUTHORS = [
    ("Andrew Gould", "Ohio State"),
    ("Susan Dorsher", "Ohio State"),
    ("B. Scott Gaudi", "CfA"),
    ("Andrzej Udalski", "Warsaw University Observatory"),
]


@pytest.fixture
def library(run, arxiv):
    """Four papers added (in an order unrelated to their years)."""
    result = run("add", "astro-ph/0601001", "2206.06921", "1707.08567", "2104.12255")
    assert result.exit_code == 0, result.output
    return arxiv


def lines(result) -> list[str]:
    return result.stdout.splitlines()


def shown_key(result) -> str:
    """The citation key of `show`'s first line, '@article{KEY,'."""
    match = re.fullmatch(r"@\w+\{(.+),", lines(result)[0])
    assert match, lines(result)[0]
    return match[1]


def shown_fields(result) -> dict[str, str]:
    """`show`'s 'name = value' lines (continuation lines joined to their value)."""
    fields: dict[str, str] = {}
    name = None
    for line in lines(result)[1:]:
        match = re.match(r"^  (\S+)\s+= (.*)$", line)
        if match:
            name = match[1]
            fields[name] = match[2]
        elif line.startswith("   ") and name:
            fields[name] += "\n" + line.strip()
        else:
            name = None
    return fields


def usage_error(result, *words: str) -> None:
    assert result.exit_code == 2
    assert result.stdout == ""
    assert result.stderr.startswith("pubdb: ")
    assert result.stderr.count("\n") == 1
    for word in words:
        assert word in result.stderr


# -- list ----------------------------------------------------------------------------


def test_list_without_a_library_says_so_and_creates_none(run, db_path):
    result = run("list")
    assert result.exit_code == 1
    assert result.stderr == (
        f"pubdb: no library at {db_path} (create one with pubdb add or pubdb import)\n"
    )
    assert not db_path.exists()


def test_list_on_an_empty_library_prints_a_hint(run, db_path):
    from pubdb import Library

    Library(db_path).close()
    result = run("list")
    assert result.exit_code == 0
    assert result.stdout == ""
    assert result.stderr == (
        "pubdb: the library is empty; add papers with `pubdb add 2502.01384`"
        " or `pubdb import refs.bib`\n"
    )
    assert json.loads(run("list", "--json").stdout) == []


def test_list_shows_one_row_per_record_newest_first(run, library):
    rows = lines(run("list"))
    assert len(rows) == len(PAPERS)
    for row, (_, key, year, kind, author) in zip(rows, PAPERS, strict=True):
        assert row.split()[:3] == [key, year, kind]
        assert author in row
    assert rows[0].endswith("Attainable forms of Assouad spectra")
    assert "Gould, Dorsher" in rows[3] and "et al." in rows[3] and "Udalski" not in rows[3]
    assert rows[3].endswith("Toward the Galactic Bulge and Carina")  # not cut when piped


@pytest.mark.parametrize("limit", [0, 1, 2, 10])
def test_list_limit(run, library, limit):
    rows = lines(run("list", "--limit", str(limit)))
    assert [row.split()[0] for row in rows] == [key for _, key, *_ in PAPERS][:limit]


def test_list_negative_limit_is_a_usage_error(run, library):
    result = run("list", "--limit", "-1")
    assert result.exit_code == 2
    assert result.stdout == ""


@pytest.mark.parametrize("name", ["Gould", "A. Gould", "Andrew Gould", "andrew gould"])
def test_list_by_author_resolves_the_name(run, library, name):
    result = run("list", "--author", name)
    assert result.exit_code == 0, result.stderr
    assert [row.split()[0] for row in lines(result)] == ["gould2006frequency"]


def test_list_by_coauthor(run, library):
    rows = lines(run("list", "--author", "Udalski"))
    assert [row.split()[0] for row in rows] == ["gould2006frequency"]


@pytest.mark.parametrize("typo", ["Andrew Gauld", "Gauld"])
def test_list_unknown_author_suggests_close_names(run, library, typo):
    usage_error(run("list", "--author", typo), repr(typo), "Andrew Gould")


def test_list_author_nobody_is_close_to(run, library):
    usage_error(run("list", "--author", "Zzyzx Qwerty"), "no author matches 'Zzyzx Qwerty'")


def test_list_json_returns_every_record_with_all_fields(run, library):
    records = json.loads(run("list", "--json").stdout)
    assert [r["citekey"] for r in records] == [key for _, key, *_ in PAPERS]
    assert {r["arxiv_id"] for r in records} == {arxiv_id for arxiv_id, *_ in PAPERS}
    shown = json.loads(run("show", "astro-ph/0601001", "--json").stdout)
    gould = records[3]
    assert gould == shown  # the same complete record as `show --json`
    assert [(a["name"], a["affiliation"]) for a in gould["authors"]] == GOULD_AUTHORS
    assert gould["journal_ref"] == "ActaAstron.56:1-50,2006"
    assert gould["arxiv_categories"] == ["astro-ph"]
    assert {"abstract", "arxiv_published", "created_at", "pdf_url", "locked"} <= set(gould)


def test_list_json_with_author_and_limit(run, library):
    assert [
        r["citekey"] for r in json.loads(run("list", "--json", "--author", "Gould").stdout)
    ] == ["gould2006frequency"]
    assert len(json.loads(run("list", "--json", "--limit", "1").stdout)) == 1


# -- show ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    "reference, key",
    [
        ("gould2006frequency", "gould2006frequency"),
        ("astro-ph/0601001", "gould2006frequency"),
        ("arXiv:astro-ph/0601001", "gould2006frequency"),
        ("astro-ph/0601001v1", "gould2006frequency"),
        ("https://arxiv.org/abs/astro-ph/0601001v1", "gould2006frequency"),
        ("2206.06921", "rutar2024attainable"),
        ("arXiv:2206.06921v2", "rutar2024attainable"),
        ("https://arxiv.org/abs/2206.06921", "rutar2024attainable"),
        ("https://arxiv.org/pdf/2206.06921v3.pdf", "rutar2024attainable"),
        ("10.48550/arXiv.2206.06921", "rutar2024attainable"),
        ("  2206.06921  ", "rutar2024attainable"),
    ],
)
def test_show_by_key_or_arxiv_id(run, library, reference, key):
    result = run("show", reference)
    assert result.exit_code == 0, result.stderr
    assert shown_key(result) == key


@pytest.mark.parametrize(
    "doi",
    [
        "10.1512/iumj.2024.73.9928",
        "10.1512/IUMJ.2024.73.9928",
        "https://doi.org/10.1512/iumj.2024.73.9928",
        "doi:10.1512/iumj.2024.73.9928",
    ],
)
def test_show_by_doi(run, library, doi):
    result = run("show", doi)
    assert result.exit_code == 0, result.stderr
    assert lines(result)[0] == "@article{rutar2024attainable,"
    assert shown_fields(result)["doi"] == "10.1512/iumj.2024.73.9928"


def test_show_prints_every_stored_field_with_authors_and_affiliations(run, library):
    result = run("show", "astro-ph/0601001")
    fields = shown_fields(result)
    record = json.loads(run("show", "astro-ph/0601001", "--json").stdout)
    assert fields["authors"].splitlines() == [
        f"{n}. {name} ({affiliation})" for n, (name, affiliation) in enumerate(GOULD_AUTHORS, 1)
    ]
    assert lines(result)[0] == "@article{gould2006frequency,"
    internal = {"id", "authors", "citekey", "entry_type", "source", "created_at", "updated_at"}
    for name, value in record.items():
        if name in internal or value in (None, "", [], {}):
            continue
        if name == "month":
            assert fields[name] == "jan"
        elif isinstance(value, list):
            assert fields[name] == ", ".join(value)
        else:  # as the terminal shows it: TeX decoded ('3--5' reads '3–5')
            assert fields[name] == display_text(str(value)), name
    assert not {"doi", "note", "pages"} & set(fields)  # empty
    assert lines(result)[-1].startswith("from arXiv, added ")
    assert "[" not in result.stdout  # every value came with the record: no origin marks


def test_show_json_is_the_whole_record(run, library):
    record = json.loads(run("show", "2206.06921", "--json").stdout)
    assert record["citekey"] == "rutar2024attainable"
    assert record["title"] == "Attainable forms of Assouad spectra"
    assert record["doi"] == "10.1512/iumj.2024.73.9928"
    assert record["arxiv_version"] == 3
    assert record["arxiv_categories"] == ["math.CA", "math.DS", "math.MG"]
    assert [a["name"] for a in record["authors"]] == ["Alex Rutar"]
    assert record["authors"][0]["person_id"] is not None


def test_show_raw_prints_the_stored_atom_entry(run, library):
    result = run("show", "astro-ph/0601001", "--raw")
    assert result.exit_code == 0
    entry = ElementTree.fromstring(result.stdout)
    assert entry.tag == f"{ATOM}entry"
    assert entry.findtext(f"{ATOM}id") == "http://arxiv.org/abs/astro-ph/0601001v1"
    assert entry.findtext(f"{ATOM}title").startswith("Frequency of Hot Jupiters")
    affiliations = [a.findtext(f"{ARXIV}affiliation") for a in entry.iter(f"{ATOM}author")]
    assert affiliations == [affiliation for _, affiliation in GOULD_AUTHORS]


def test_show_raw_without_an_arxiv_entry(run, tmp_path):
    bib = tmp_path / "one.bib"
    bib.write_text(
        "@article{knuth1984literate, title={Literate Programming},"
        " author={Donald E. Knuth}, journal={The Computer Journal}, year={1984}}\n"
    )
    assert run("import", str(bib)).exit_code == 0
    usage_error(run("show", "knuth1984literate", "--raw"), "no stored arXiv entry")
    assert shown_fields(run("show", "knuth1984literate"))["title"] == "Literate Programming"


@pytest.mark.parametrize(
    "reference", ["nobody2020nothing", "2501.00001", "10.1000/not.here", "astro-ph/9901001"]
)
def test_show_unknown_reference(run, library, reference):
    usage_error(run("show", reference), "no publication matches", reference)


# -- choosing the database -----------------------------------------------------------


def test_db_option_on_the_command_chooses_the_database(run, arxiv, tmp_path, db_path):
    other = tmp_path / "elsewhere" / "other.db"
    other.parent.mkdir()
    assert run("add", "--db", str(other), "2206.06921").exit_code == 0
    assert other.is_file()
    assert not db_path.exists()  # $PUBDB_DB untouched
    assert run("add", "1707.08567").exit_code == 0
    assert [r.split()[0] for r in lines(run("list", "--db", str(other)))] == ["rutar2024attainable"]
    assert run("show", "--db", str(other), "2206.06921").exit_code == 0
    usage_error(run("show", "2206.06921"), "no publication matches")


def test_db_option_before_the_command_wins_over_the_environment(run, arxiv, tmp_path, db_path):
    other = tmp_path / "other.db"
    assert run("--db", str(other), "add", "2206.06921").exit_code == 0
    assert other.is_file()
    assert [r.split()[0] for r in lines(run("--db", str(other), "list"))] == ["rutar2024attainable"]
    assert not db_path.exists()


def test_pubdb_db_environment_variable_chooses_the_database(run, arxiv, tmp_path, monkeypatch):
    chosen = tmp_path / "from-env.db"
    monkeypatch.setenv("PUBDB_DB", str(chosen))
    run("add", "astro-ph/0601001")
    assert chosen.is_file()
    assert shown_key(run("show", "astro-ph/0601001")) == "gould2006frequency"


def test_default_database_is_db_pubdb_db_of_the_current_project(run, arxiv, tmp_path, monkeypatch):
    """More on where the library lives: tests/test_location.py."""
    monkeypatch.delenv("PUBDB_DB")
    monkeypatch.chdir(tmp_path)
    assert run("--db", "db/pubdb.db", "add", "2206.06921").exit_code == 0
    (tmp_path / "notes").mkdir()
    monkeypatch.chdir(tmp_path / "notes")
    assert [r.split()[0] for r in lines(run("list"))] == ["rutar2024attainable"]
