"""The NSF collaborators table (COA template, Table 4) from `pubdb coauthors --csv`:
full names and affiliations from every source that has them (arXiv, BibTeX, DOI
metadata, decisions made with `author set`), last-active dates, several PIs in one table."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

import pytest

from dbdump import bibliographic_dump

SEEDS_BIB = Path(__file__).resolve().parents[1] / "bib" / "seeds.bib"
HEADER = ["4", "Name:", "Organizational Affiliation", "Optional (email, Department)",
          "Last Active"]  # fmt: skip


def import_text(run, tmp_path, text: str, name: str = "library.bib") -> None:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    result = run("import", str(path))
    assert result.exit_code == 0, result.output


def table(run, *args: str) -> list[list[str]]:
    result = run("coauthors", *args, "--csv")
    assert result.exit_code == 0, result.output
    return list(csv.reader(io.StringIO(result.stdout)))


def set_author(run, *args: str) -> str:
    result = run("author", "set", *args)
    assert result.exit_code == 0, result.output
    return result.stdout


# -- the seeds: what a grant administrator runs ----------------------------------------


@pytest.fixture
def seeds(run):
    result = run("import", str(SEEDS_BIB))
    assert result.exit_code == 0, result.output


def test_seeds_table_has_full_names_and_affiliations_where_decided(run, seeds):
    set_author(run, "S. Kakade", "--name", "Sham Kakade", "--affiliation", "Harvard University",
               "--since", "2022")  # fmt: skip
    set_author(run, "J. Bruna", "--name", "Joan Bruna", "--affiliation", "New York University",
               "--contact", "Courant Institute")  # fmt: skip
    rows = table(run, "Samy Jelassi", "--months", "48", "--as-of", "2026-12-01")

    assert rows[0] == HEADER
    by_name = {row[1]: row for row in rows[1:]}
    assert by_name["Kakade, Sham"] == [
        "A:", "Kakade, Sham", "Harvard University", "", "12/31/2025"
    ]  # fmt: skip
    # Bruna's last paper with Jelassi is of 2022, month unknown: the end of 2022 is inside
    # the 48 months before December 2026.
    assert by_name["Bruna, Joan"] == [
        "A:", "Bruna, Joan", "New York University", "Courant Institute", "12/31/2022"
    ]  # fmt: skip
    assert by_name["Domingo-Enrich, C."][4] == "12/31/2023"
    assert all(row[0] == "A:" for row in rows[1:])
    families = [row[1].split(",")[0].lower() for row in rows[1:]]
    assert families == sorted(families)
    assert len(rows) - 1 == 31  # everyone who wrote with him from 2022 on


def test_unknown_month_is_the_end_of_its_year(run, seeds):
    """2022 papers are in the 48 months before 2026-12 (their Dec 31 is) and out of the
    48 months before 2027-01."""
    inside = {row[1] for row in table(run, "Samy Jelassi", "--months", "48",
                                      "--as-of", "2026-12-01")}  # fmt: skip
    outside = {row[1] for row in table(run, "Samy Jelassi", "--months", "48",
                                       "--as-of", "2027-01-15")}  # fmt: skip
    assert inside - outside == {
        "Bruna, J.", "Defazio, A.", "Ozuch, T.", "Sander, M.", "Venturi, L."
    }  # fmt: skip


def test_help_says_how_an_unknown_month_counts(run):
    text = " ".join(run("coauthors", "--help").stdout.split())
    assert "A paper whose month is unknown counts as the end of its year (12/31)" in text
    assert "--as-of" in text


def test_the_command_of_the_issue_runs_relative_to_today(run, seeds):
    rows = table(run, "Samy Jelassi", "--months", "48")
    assert rows[0] == HEADER
    assert all(row[0] == "A:" and row[4].endswith(("2022", "2023", "2024", "2025"))
               for row in rows[1:])  # fmt: skip


# -- several PIs, one table ----------------------------------------------------------

LAB = """
@article{p1, author = {Jelassi, Samy and Malach, Eran and Kakade, Sham}, title = {P1},
  journal = {J}, year = 2024, month = 5}
@article{p2, author = {Zekri, Oussama and Kakade, Sham}, title = {P2}, journal = {J},
  year = 2025, month = 2}
@article{p3, author = {Zekri, Oussama and Boull{\\'e}, Nicolas}, title = {P3}, journal = {J},
  year = 2023}
@article{p4, author = {Zekri, Oussama and Jelassi, Samy and Kakade, Sham}, title = {P4},
  journal = {J}, year = 2022, month = 3}
"""


def test_several_pis_give_one_table_naming_whose_coauthor(run, tmp_path):
    import_text(run, tmp_path, LAB)
    rows = table(run, "Samy Jelassi", "Oussama Zekri")
    assert rows == [
        [*HEADER, "Co-author of"],
        ["A:", "Boullé, Nicolas", "", "", "12/31/2023", "Oussama Zekri"],
        ["A:", "Jelassi, Samy", "", "", "03/31/2022", "Oussama Zekri"],
        ["A:", "Kakade, Sham", "", "", "02/28/2025", "Samy Jelassi; Oussama Zekri"],
        ["A:", "Malach, Eran", "", "", "05/31/2024", "Samy Jelassi"],
        ["A:", "Zekri, Oussama", "", "", "03/31/2022", "Samy Jelassi"],
    ]
    found = json.loads(run("coauthors", "Samy Jelassi", "Oussama Zekri", "--json").stdout)
    kakade = next(c for c in found if c["name"] == "Sham Kakade")
    assert (kakade["papers"], kakade["last_year"], kakade["last_active"]) == (3, 2025, "2025-02-28")
    assert kakade["coauthor_of"] == ["Samy Jelassi", "Oussama Zekri"]
    text = run("coauthors", "Samy Jelassi", "Oussama Zekri").stdout.splitlines()
    assert text[0].split() == [
        "Sham", "Kakade", "3", "papers", "last", "2025", "(with", "Samy", "Jelassi,",
        "Oussama", "Zekri)",
    ]  # fmt: skip


def test_one_pi_table_has_the_template_columns_only(run, tmp_path):
    import_text(run, tmp_path, LAB)
    assert table(run, "Oussama Zekri", "--since", "2023") == [
        HEADER,
        ["A:", "Boullé, Nicolas", "", "", "12/31/2023"],
        ["A:", "Kakade, Sham", "", "", "02/28/2025"],
    ]


def test_last_active_is_the_day_when_the_date_gives_it(run, tmp_path):
    import_text(run, tmp_path, LAB)
    result = run("edit", "p2", "--set", "date=2025-02-11")
    assert result.exit_code == 0, result.output
    assert table(run, "Oussama Zekri", "--since", "2025")[1] == [
        "A:", "Kakade, Sham", "", "", "02/11/2025"
    ]  # fmt: skip


@pytest.mark.parametrize(
    ("args", "message"),
    [
        pytest.param(["--as-of", "2026-12-01"], "--as-of dates the end of --months: give "
                     "--months too", id="as-of-without-months"),
        pytest.param(["--months", "48", "--as-of", "December"], "--as-of takes a date "
                     "YYYY-MM-DD or YYYY-MM, not 'December'", id="bad-date"),
        pytest.param(["--months", "48", "--as-of", "2026-02-30"], "--as-of takes a date "
                     "YYYY-MM-DD or YYYY-MM, not '2026-02-30'", id="no-such-day"),
        pytest.param(["--since", "2020", "--months", "12"], "give --since or --months, not both",
                     id="since-and-months"),
    ],
)  # fmt: skip
def test_bad_window_is_one_line_exit_2(run, tmp_path, args, message):
    import_text(run, tmp_path, LAB)
    result = run("coauthors", "Oussama Zekri", *args)
    assert result.exit_code == 2
    assert result.stderr == f"pubdb: {message}\n"


# -- affiliations: every source, and the latest one wins -----------------------------

SOURCES = """
@phdthesis{kakade2003thesis, author = {Kakade, Sham M.}, title = {On the Sample Complexity of
  Reinforcement Learning}, school = {University College London}, year = 2003}
@techreport{tr2010, author = {Kakade, Sham and Malach, Eran}, title = {A report},
  institution = {Toyota Technological Institute at Chicago}, year = 2010}
@article{aff2015, author = {Kakade, Sham and Jelassi, Samy}, title = {Placed},
  affiliation = {University of Washington and Princeton University}, journal = {J},
  year = 2015}
@article{aff2016, author = {Kakade, Sham and Jelassi, Samy and Malach, Eran}, title = {Vague},
  affiliation = {Somewhere and Elsewhere}, journal = {J}, year = 2016}
"""


def history(run, name: str) -> list[tuple[str, int | None, str, str | None]]:
    result = run("author", "show", name, "--json")
    assert result.exit_code == 0, result.output
    found = json.loads(result.stdout)["profile"]["affiliations"]
    return [(a["affiliation"], a["year"], a["source"], a["citekey"]) for a in found]


def test_bibtex_gives_affiliations_from_theses_reports_and_affiliation_fields(run, tmp_path):
    import_text(run, tmp_path, SOURCES)
    # Three places for three authors do not map to authors: not guessed.
    assert history(run, "Sham Kakade") == [
        ("University of Washington", 2015, "bibtex", "aff2015"),
        ("Toyota Technological Institute at Chicago", 2010, "bibtex", "tr2010"),
        ("University College London", 2003, "bibtex", "kakade2003thesis"),
    ]
    assert history(run, "Samy Jelassi") == [("Princeton University", 2015, "bibtex", "aff2015")]
    assert history(run, "Eran Malach") == [
        ("Toyota Technological Institute at Chicago", 2010, "bibtex", "tr2010")
    ]
    assert table(run, "Samy Jelassi")[1:] == [
        ["A:", "Kakade, Sham M.", "University of Washington", "", "12/31/2016"],
        ["A:", "Malach, Eran", "Toyota Technological Institute at Chicago", "", "12/31/2016"],
    ]
    exported = run("export", "--bibtex").stdout
    assert "school = {University College London}" in exported  # the fields stay as written
    assert "affiliation = {Somewhere and Elsewhere}" in exported


def test_the_latest_affiliation_wins_set_or_written(run, tmp_path):
    import_text(run, tmp_path, SOURCES)
    set_author(run, "Sham Kakade", "--affiliation", "Microsoft Research", "--since", "2012")
    assert table(run, "Samy Jelassi")[1][2] == "University of Washington"  # 2015 is later
    set_author(run, "Sham Kakade", "--affiliation", "Harvard University", "--since", "2022")
    assert table(run, "Samy Jelassi")[1][2] == "Harvard University"
    assert history(run, "Sham Kakade")[:3] == [
        ("Harvard University", 2022, "manual", None),
        ("University of Washington", 2015, "bibtex", "aff2015"),
        ("Microsoft Research", 2012, "manual", None),
    ]
    set_author(run, "Sham Kakade", "--affiliation", "Kempner Institute")  # current: no year
    assert table(run, "Samy Jelassi")[1][2] == "Kempner Institute"
    shown = run("author", "show", "Sham Kakade").stdout
    assert "  affiliation: Kempner Institute (current, set by you)" in shown
    assert "  affiliation: Harvard University (since 2022, set by you)" in shown
    assert "  affiliation: University of Washington (2015, BibTeX aff2015)" in shown

    set_author(run, "Sham Kakade", "--unset", "affiliation")  # forgets what was set only
    assert table(run, "Samy Jelassi")[1][2] == "University of Washington"


def test_arxiv_affiliations_are_dated_by_the_paper(run, arxiv):
    assert run("add", "astro-ph/0601001").exit_code == 0
    assert history(run, "Andrzej Udalski") == [
        ("Warsaw University Observatory", 2006, "arxiv", "gould2006frequency")
    ]


# -- names the table shows -----------------------------------------------------------


def test_preferred_name_names_the_person_everywhere_and_means_them_later(run, tmp_path):
    import_text(run, tmp_path, LAB.replace("Kakade, Sham", "Kakade, S."))
    out = set_author(run, "S. Kakade", "--name", "Sham M. Kakade")
    assert out.splitlines()[0].startswith("Sham M. Kakade")
    assert [row[1] for row in table(run, "Oussama Zekri")[1:]] == [
        "Boullé, Nicolas", "Jelassi, Samy", "Kakade, Sham M."
    ]  # fmt: skip
    assert "Sham M. Kakade" in run("export", "--format", "markdown", "--name-style", "full",
                                   "--author", "Oussama Zekri").stdout  # fmt: skip
    # A later paper written with the full name is his, and the decision stays.
    import_text(run, tmp_path, "@article{p5, author = {Sham M. Kakade and Oussama Zekri},"
                " title = {P5}, journal = {J}, year = 2026}", "later.bib")  # fmt: skip
    found = json.loads(run("authors", "Kakade", "--json").stdout)
    assert [(p["name"], p["papers"]) for p in found] == [("Sham M. Kakade", 4)]
    assert run("coauthors", "Sham M. Kakade").exit_code == 0

    set_author(run, "Sham M. Kakade", "--unset", "name")
    assert json.loads(run("authors", "Kakade", "--json").stdout)[0]["name"] == "Sham M. Kakade"


def test_decisions_follow_a_merge(run, tmp_path):
    import_text(run, tmp_path, LAB + "@article{p6, author = {Kakade, Shamu and Doe, Jane},"
                " title = {P6}, journal = {J}, year = 2021}")  # fmt: skip
    set_author(run, "Shamu Kakade", "--affiliation", "Harvard University", "--contact",
               "sham@example.org")  # fmt: skip
    assert run("author", "merge", "Sham Kakade", "Shamu Kakade").exit_code == 0
    row = table(run, "Jane Doe")[1]
    assert row == ["A:", "Kakade, Sham", "Harvard University", "sham@example.org", "12/31/2021"]


@pytest.mark.parametrize(
    ("args", "message"),
    [
        pytest.param(["--since", "2020"], "--since dates an --affiliation: give one",
                     id="since-alone"),
        pytest.param(["--affiliation", "X", "--since", "20"], "--since takes a year, not 20",
                     id="since-not-a-year"),
        pytest.param([], "nothing to set: give --name, --family, --affiliation or --contact",
                     id="nothing"),
        pytest.param(["--affiliation", " \t"], "an affiliation cannot be empty (use --unset)",
                     id="empty-affiliation"),
        pytest.param(["--unset", "email"], "--unset takes name, family, affiliation, contact,"
                     " not 'email'", id="unset-unknown"),
        pytest.param(["--contact", "x", "--unset", "contact"], "contact is both set and unset",
                     id="set-and-unset"),
        pytest.param(["--name", "Oussama Zekri"], "'Oussama Zekri' is already a name of Oussama"
                     " Zekri; if they are one person, use `pubdb author merge` first",
                     id="name-of-someone-else"),
    ],
)  # fmt: skip
def test_author_set_refuses_bad_input_changing_nothing(run, tmp_path, db_path, args, message):
    import_text(run, tmp_path, LAB)
    before = bibliographic_dump(db_path)
    result = run("author", "set", "Sham Kakade", *args)
    assert result.exit_code == 2
    assert result.stderr == f"pubdb: {message}\n"
    assert bibliographic_dump(db_path) == before


def test_author_set_json_and_library_api(run, tmp_path, db_path):
    import_text(run, tmp_path, LAB)
    result = run("author", "set", "Sham Kakade", "--contact", "sham@example.org", "--json")
    assert json.loads(result.stdout)["contact"] == "sham@example.org"

    from pubdb import Library

    with Library(db_path) as library:
        profile = library.set_author("Kakade", affiliation="Harvard University", since=2022)
        assert (profile.affiliation, profile.person.name) == ("Harvard University", "Sham Kakade")
        [kakade] = [c for c in library.coauthors(["Samy Jelassi"]) if c.family == "Kakade"]
        assert (kakade.affiliation, kakade.contact) == ("Harvard University", "sham@example.org")


def test_table_and_lines_from_hostile_affiliations_are_inert(run, tmp_path):
    import_text(
        run,
        tmp_path,
        "@article{evil, author = {Evil, Eve and Jelassi, Samy and Malach, Eran}, title = {E},"
        ' affiliation = {=HYPERLINK("http://example.org","x") and Princeton and'
        " Evil \x1b]0;pwned\x07 Lab}, journal = {J}, year = 2024}",
    )
    rows = table(run, "Samy Jelassi")
    assert rows[1][1:3] == ["Evil, Eve", '\'=HYPERLINK("http://example.org","x")']
    assert rows[2][1:3] == ["Malach, Eran", "Evil ]0;pwned Lab"]
    text = run("coauthors", "Samy Jelassi").stdout + run("author", "show", "Eran Malach").stdout
    assert "pwned" in text and "\x1b" not in text and "\x07" not in text
