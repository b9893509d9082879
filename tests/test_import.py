"""`pubdb import`: BibTeX in, Unicode stored, TeX source given back on export; broken
entries and bad files reported by line; duplicates matched; real-world files whole."""

from __future__ import annotations

import io
import os
import re
import shutil
import sqlite3
import string
import subprocess
import tempfile
from dataclasses import dataclass
from pathlib import Path

import bibtexparser
import pytest
from click.testing import CliRunner
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st

from pubdb.cli import cli
from pubdb.library import Library
from pubdb.papers.reports import ACTIONS

# -- helpers ---------------------------------------------------------------------------


def write(name: str, text: str) -> str:
    """A file in the test's working directory (conftest chdirs to tmp_path)."""
    Path(name).write_text(text, encoding="utf-8")
    return name


def dump(db_path) -> str:
    with sqlite3.connect(db_path) as conn:
        return "\n".join(conn.iterdump())


def summary(result) -> str:
    return result.stdout.strip().splitlines()[-1]


def stderr_lines(result) -> list[str]:
    """What import said on stderr, but for the notice that it made the library."""
    return [
        line
        for line in result.stderr.splitlines()
        if line.strip() and not line.startswith("pubdb: created a new library at ")
    ]


def stored() -> dict:
    """Every publication in the test database, by citation key."""
    with Library() as library:
        return {p.citekey: p for p in library.publications()}


def bib_fields(text: str) -> dict[str, dict[str, str]]:
    """key -> {field name (lower case): value as written, delimiters included}."""
    library = bibtexparser.parse_string(text, parse_stack=[])
    assert not library.failed_blocks
    return {e.key: {f.key.lower(): f.value for f in e.fields} for e in library.entries}


def export(run, *db: str) -> str:
    result = run("export", "--bibtex", *db)
    assert result.exit_code == 0, result.stderr
    return result.stdout


# -- golden round trip -------------------------------------------------------------------

GOLDEN = r"""
@book{lamport1994,
  author = {Lamport, Leslie},
  title = {{\LaTeX}: A Document Preparation System},
  publisher = {Addison-Wesley},
  year = {1994},
}

@article{boulle2022,
  author = {Boull{\'e}, Nicolas and M{\"o}bius, August and Bj{\o}rn, Lars and Ma\l{}ecki, Jan},
  title = {A \log-linear bound at 10\% of $10^{21}$ operations},
  journal = {Journal of \AA{}ngstr{\"o}m Studies},
  year = {2022},
  volume = {3},
  pages = {1--10},
}

@inproceedings{caron2021,
  author = {Caron, {\'E}lodie and \c{C}elik, Mehmet and \v{S}emrl, Peter and Erd\H{o}s, Paul and
    Stra{\ss}er, Hans and Mar\'{\i}n, Ana},
  title = {{\TeX} Live and \emph{beyond}: ``quoted'' text---with dashes},
  booktitle = {Proceedings of the {TUG} Conference},
  year = {2021},
}
"""


def test_golden_file_is_stored_as_unicode(run):
    result = run("import", write("golden.bib", GOLDEN))
    assert result.exit_code == 0, result.stderr
    assert summary(result) == "3 added"
    records = stored()
    assert records["lamport1994"].title == "LaTeX: A Document Preparation System"
    boulle = records["boulle2022"]
    assert boulle.title == "A log-linear bound at 10% of $10^{21}$ operations"
    assert boulle.journal == "Journal of Ångström Studies"
    assert boulle.pages == "1–10"
    assert [a.family for a in boulle.authors] == ["Boullé", "Möbius", "Bjørn", "Małecki"]
    caron = records["caron2021"]
    assert caron.title == "TeX Live and beyond: “quoted” text—with dashes"
    assert [a.family for a in caron.authors] == [
        "Caron", "Çelik", "Šemrl", "Erdős", "Straßer", "Marín",
    ]  # fmt: skip
    assert caron.authors[0].given == "Élodie"


def test_golden_file_exports_each_field_as_written(run):
    run("import", write("golden.bib", GOLDEN))
    source, exported = bib_fields(GOLDEN), bib_fields(export(run))
    assert exported.keys() == source.keys()
    for key, fields in source.items():
        for name, value in fields.items():
            assert exported[key].get(name) == value, f"{key}.{name}"


def test_reimporting_the_same_file_skips_every_entry(run):
    path = write("golden.bib", GOLDEN)
    run("import", path)
    result = run("import", path)
    assert result.exit_code == 0
    assert summary(result) == "3 unchanged"
    assert len(stored()) == 3


PLAIN = """
@article{plain2020,
  author = {Doe, Jane},
  title = {Fine-Tuning BERT for Ångström-scale GPUs},
  journal = {Revue Française de Physique},
  publisher = {Éditions Unicode},
  year = {2020},
}
"""


def test_fields_without_tex_are_exported_as_written(run):
    """No braces added, no Unicode turned into TeX accents: the user's text comes back."""
    run("import", write("plain.bib", PLAIN))
    assert bib_fields(export(run))["plain2020"] == bib_fields(PLAIN)["plain2020"]


@pytest.mark.parametrize(
    ("line", "name", "value"),
    [
        pytest.param("year = {forthcoming}", "year", "{forthcoming}", id="year-in-words"),
        pytest.param("month = {Spring}", "month", "{Spring}", id="season-month"),
        pytest.param('month = "10~" # jan', "month", '"10~" # jan', id="day-and-month"),
        pytest.param("doi = {to-appear}", "doi", "{to-appear}", id="not-a-doi"),
        pytest.param("author+an = {1=equal}", "author+an", "{1=equal}", id="data-annotation"),
    ],
)
def test_fields_pubdb_cannot_interpret_are_kept(run, line, name, value):
    bib = f"@article{{odd,\n  author = {{Doe, Jane}},\n  title = {{Odd}},\n  {line},\n}}\n"
    result = run("import", write("odd.bib", bib))
    assert result.exit_code == 0, result.stderr
    assert bib_fields(export(run))["odd"].get(name) == value


def test_doi_shared_by_two_entries_of_one_file_keeps_both(run):
    bib = "".join(
        f"@article{{{key},\n  author = {{{author}}},\n  title = {{{title}}},\n"
        "  doi = {10.1000/same},\n  year = {2020},\n}\n\n"
        for key, author, title in (
            ("paper", "Doe, Jane", "The paper"),
            ("comment", "Roe, Rich", "A comment on the paper"),
        )
    )
    result = run("import", write("doi.bib", bib))
    assert summary(result) == "2 added"
    assert "doi.bib:8: its DOI is that of paper, an entry of the same file" in result.stderr
    exported = bib_fields(export(run))
    assert exported["paper"]["doi"] == exported["comment"]["doi"] == "{10.1000/same}"


def test_year_with_a_sorting_prefix(run):
    """xampl.bib's `{\\noopsort{1973c}}1981`: the year is 1981, exported as written."""
    bib = '@book{knuth,\n  title = {Seminumerical},\n  year = "{\\noopsort{1973c}}1981",\n}\n'
    run("import", write("knuth.bib", bib))
    assert stored()["knuth"].year == 1981
    assert bib_fields(export(run))["knuth"]["year"] == "{{\\noopsort{1973c}}1981}"


def test_multi_line_values_are_stored_on_one_line(run):
    bib = (
        "@article{wrapped,\n  author = {Winter,\n      Janene},\n"
        "  title = {A machine independent tape\n                 standard},\n}\n"
    )
    run("import", write("wrapped.bib", bib))
    record = stored()["wrapped"]
    assert record.title == "A machine independent tape standard"
    assert [a.name for a in record.authors] == ["Winter, Janene"]


# -- lossless: export, import into a fresh database, export ---------------------------------

LOSSLESS = r"""
@string{ack-bnb = "Barbara Beeton"}
@string{ack-nhfb = "Nelson H. F. Beebe"}
@string{j-TUGboat = "TUGboat"}

@article{Beeton:1980:EI,
  author = "Barbara Beeton",
  title = "Editor's introduction",
  journal = j-TUGboat,
  volume = "1",
  number = "1",
  pages = "3--3",
  month = oct,
  year = "1980",
  ISSN = "0896-3207",
  ISSN-L = "0896-3207",
  bibsource = "http://www.math.utah.edu/pub/tex/bib/index-table-t.html#tugboat",
  acknowledgement = ack-bnb # " and " # ack-nhfb,
  journal-URL = "http://www.tug.org/TUGboat/",
}

@article{Knuth:1980:TM,
  author = "Donald E. Knuth",
  title = "{\TeX} and {\METAFONT} at {Stanford}",
  journal = j-TUGboat,
  volume = "1",
  number = "1",
  pages = "4--5",
  year = "1980",
}

@techreport{doe2001report,
  author = {Doe, Jane},
  title = {A Report},
  institution = {MIT},
  type = {Memo},
  year = {2001},
  month = {January},
}

@unpublished{roe2001notes,
  author = {Roe, Richard},
  title = {Notes},
  note = {Draft},
  year = {2001},
  month = "1",
}

@manual{acme2003,
  title = {Manual},
  organization = {ACME},
  edition = {Third},
  year = {2003},
}
"""


def test_export_import_export_gives_identical_text(run, tmp_path):
    run("import", write("lossless.bib", LOSSLESS))
    first = export(run)
    fresh = str(tmp_path / "fresh.db")
    result = run("import", "--db", fresh, write("first.bib", first))
    assert summary(result) == "5 added"
    assert export(run, "--db", fresh) == first


def test_unknown_fields_and_entry_types_are_preserved(run):
    run("import", write("lossless.bib", LOSSLESS))
    exported = bib_fields(export(run))
    beeton = exported["Beeton:1980:EI"]
    assert beeton["issn-l"] == "{0896-3207}"
    assert beeton["journal-url"] == "{http://www.tug.org/TUGboat/}"
    assert beeton["bibsource"] == (
        "{http://www.math.utah.edu/pub/tex/bib/index-table-t.html#tugboat}"
    )
    assert exported["doe2001report"]["type"] == "{Memo}"
    assert exported["acme2003"]["organization"] == "{ACME}"
    types = {key: p.entry_type for key, p in stored().items()}
    assert types == {
        "Beeton:1980:EI": "article",
        "Knuth:1980:TM": "article",
        "doe2001report": "techreport",
        "roe2001notes": "unpublished",
        "acme2003": "manual",
    }


def test_string_macros_are_resolved_with_concatenation(run):
    run("import", write("lossless.bib", LOSSLESS))
    beeton = stored()["Beeton:1980:EI"]
    assert beeton.journal == "TUGboat"
    assert beeton.fields["acknowledgement"] == "Barbara Beeton and Nelson H. F. Beebe"


@pytest.mark.parametrize(
    ("written", "month", "exported"),
    [
        pytest.param("jan", 1, "jan", id="macro"),
        pytest.param("{January}", 1, "{January}", id="braced-name"),
        pytest.param('"1"', 1, "{1}", id="quoted-number"),
        pytest.param("{jan}", 1, "{jan}", id="braced-abbreviation"),
        pytest.param("{Sept.}", 9, "{Sept.}", id="abbreviation-with-dot"),
        pytest.param("dec", 12, "dec", id="december"),
    ],
)
def test_months_are_read_and_written_as_written(run, written, month, exported):
    """The month is understood (lists sort by it) but not rewritten: a style prints
    {jan} as 'jan' and jan as 'January'."""
    bib = f"@misc{{m,\n  title = {{Month}},\n  year = {{2001}},\n  month = {written},\n}}\n"
    run("import", write("month.bib", bib))
    assert stored()["m"].month == month
    assert bib_fields(export(run))["m"]["month"] == exported


def test_undefined_macro_is_imported_with_a_warning_naming_it(run):
    bib = "@article{u,\n  title = {Undefined},\n  journal = j-nowhere,\n  year = 2000,\n}\n"
    result = run("import", write("undefined.bib", bib))
    assert result.exit_code == 0
    assert stderr_lines(result) == [
        "warning: undefined.bib:1: undefined @string 'j-nowhere' in journal"
    ]
    assert "u" in stored()


# -- names -------------------------------------------------------------------------------

NAMES = [
    ("d'Ascoli, St{\\'e}phane", "Stéphane", "d'Ascoli"),
    ("Vanden-Eijnden, Eric", "Eric", "Vanden-Eijnden"),
    ("Domingo-Enrich, Carles", "Carles", "Domingo-Enrich"),
    ("van der Berg, Jr, Jan", "Jan", "van der Berg"),
    ("{Attia El Hili}, Yassine", "Yassine", "Attia El Hili"),
    ("Jean de la Fontaine", "Jean", "de la Fontaine"),
    ("Boull{\\'e}, Nicolas", "Nicolas", "Boullé"),
]


def test_names_are_split_into_given_and_family_with_particles(run):
    author = " and ".join(written for written, _, _ in NAMES)
    bib = f"@article{{names,\n  author = {{{author}}},\n  title = {{Names}},\n}}\n"
    run("import", write("names.bib", bib))
    authors = stored()["names"].authors
    assert [(a.given, a.family) for a in authors] == [(g, f) for _, g, f in NAMES]
    assert bib_fields(export(run))["names"]["author"] == "{" + author + "}"


# -- broken entries, --strict, --dry-run -------------------------------------------------

BROKEN = """\
@article{good1,
  author = {Doe, Jane},
  title = {Good one},
  year = {2020},
}

@article{broken1,
  author = {Doe, Jane},
  title = {Missing closing brace,
  year = {2020},
}

@article{good2,
  author = {Roe, Rich},
  title = {Good two},
  year = {2021},
}

@article{noequals,
  author {Doe},
}

@article{good3,
  title = {Good three},
  year = 2022,
}
"""
SEED = "@misc{seed,\n  title = {Already here},\n  year = {1999},\n}\n"


def test_broken_entries_are_reported_by_line_and_the_good_ones_import(run):
    result = run("import", write("broken.bib", BROKEN))
    assert result.exit_code == 1
    errors = stderr_lines(result)
    assert len(errors) == 2
    assert errors[0].startswith("error: broken.bib:7: ")
    assert errors[1].startswith("error: broken.bib:19: ")
    assert all(len(line.split(": ", 2)[2]) > 10 for line in errors)  # a reason follows
    assert summary(result) == "3 added, 2 failed"
    assert sorted(stored()) == ["good1", "good2", "good3"]


def test_strict_imports_nothing_when_an_entry_is_broken(run, db_path):
    run("import", write("seed.bib", SEED))
    before = dump(db_path)
    result = run("import", "--strict", write("broken.bib", BROKEN))
    assert result.exit_code == 1
    assert len(stderr_lines(result)) == 2
    assert summary(result) == "3 added, 2 failed (--strict: nothing imported)"
    assert dump(db_path) == before


def test_dry_run_writes_nothing_and_reports_the_same_counts(run, db_path):
    run("import", write("seed.bib", SEED))
    before = dump(db_path)
    dry = run("import", "--dry-run", write("broken.bib", BROKEN))
    assert dump(db_path) == before
    real = run("import", "broken.bib")
    assert dry.exit_code == real.exit_code == 1
    assert summary(dry) == summary(real) + " (dry run: nothing written)"
    assert dry.stderr == real.stderr
    assert len(stored()) == 4


# -- bad input ---------------------------------------------------------------------------


def make_directory():
    Path("papers.bib").mkdir()


def make_pdf():
    Path("paper.pdf").write_bytes(b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n1 0 obj\n<<>>\x00\x00endobj\n")


def make_latin1():
    text = "@article{m,\n  title = {Caf\xe9},\n  author = {M\xfcller, Hans},\n}\n"
    Path("latin1.bib").write_bytes(text.encode("latin-1"))


def make_letter():
    write("letter.txt", "Dear Jane,\n\nthe slides are attached; write to jo@example.org.\n")


def make_good():
    write("good.bib", "@misc{fresh,\n  title = {Fresh},\n  year = {2020},\n}\n")


@pytest.mark.parametrize(
    ("make", "args", "expected"),
    [
        pytest.param(None, ["missing.bib"], ["missing.bib", "No such file"], id="missing-file"),
        pytest.param(make_directory, ["papers.bib"], ["papers.bib", "directory"], id="directory"),
        pytest.param(make_pdf, ["paper.pdf"], ["paper.pdf", "not a BibTeX file"], id="pdf-bytes"),
        pytest.param(
            make_latin1, ["latin1.bib"], ["latin1.bib:2:", "UTF-8", "iconv"], id="latin-1"
        ),
        pytest.param(
            make_letter, ["letter.txt"], ["letter.txt", "no BibTeX entries"], id="not-bibtex"
        ),
        pytest.param(
            make_good, ["good.bib", "missing.bib"], ["missing.bib"], id="good-then-missing"
        ),
    ],
)
def test_bad_input_is_one_clear_line_and_changes_nothing(run, db_path, make, args, expected):
    run("import", write("seed.bib", SEED))
    before = dump(db_path)
    if make:
        make()
    result = run("import", *args)
    assert result.exit_code == 2
    lines = stderr_lines(result)
    assert len(lines) == 1, result.stderr
    assert all(fragment in lines[0] for fragment in expected), lines[0]
    assert dump(db_path) == before


def test_duplicate_key_in_one_file_fails_the_second_with_both_lines(run):
    bib = (
        "@article{smith2020,\n  title = {First},\n  year = {2020},\n}\n\n"
        "@article{smith2020,\n  title = {Second},\n  year = {2020},\n}\n"
    )
    result = run("import", write("dup.bib", bib))
    assert result.exit_code == 1
    assert stderr_lines(result) == ["error: dup.bib:6: duplicate key 'smith2020' (first at line 1)"]
    assert summary(result) == "1 added, 1 failed"
    assert [p.title for p in stored().values()] == ["First"]


def test_repeated_field_is_imported_with_a_warning_first_value_kept(run):
    bib = (
        "@article{rep,\n  author = {Doe, Jane},\n  title = {First title},\n"
        "  title = {Second title},\n  year = {2020},\n}\n"
    )
    result = run("import", write("rep.bib", bib))
    assert result.exit_code == 0
    assert stderr_lines(result) == ["warning: rep.bib:1: repeated field 'title': first kept"]
    assert stored()["rep"].title == "First title"


# -- matching ----------------------------------------------------------------------------

PREPRINT = r"""
@misc{zekri2024preprint,
  author = {Zekri, Oussama and Boull{\'e}, Nicolas},
  title = {Fine-tuning Discrete Diffusion Models},
  year = {2024},
  eprint = {2502.01384},
  archivePrefix = {arXiv},
  primaryClass = {cs.LG},
}
"""
CONFERENCE = r"""
@inproceedings{zekri2025iclr,
  author = {Zekri, Oussama and Boull{\'e}, Nicolas},
  title = {Fine-tuning Discrete Diffusion Models},
  booktitle = {International Conference on Learning Representations},
  year = {2025},
}
"""


@pytest.mark.parametrize(
    "files",
    [
        pytest.param([("pre.bib", PREPRINT), ("conf.bib", CONFERENCE)], id="preprint-first"),
        pytest.param([("conf.bib", CONFERENCE), ("pre.bib", PREPRINT)], id="conference-first"),
        pytest.param([("pre.bib", PREPRINT), ("conf.bib", CONFERENCE)], id="one-command"),
    ],
)
def test_preprint_and_conference_version_become_one_publication(run, request, files):
    paths = [write(name, text) for name, text in files]
    if request.node.callspec.id == "one-command":
        assert run("import", *paths).exit_code == 0
    else:
        for path in paths:
            assert run("import", path).exit_code == 0
    records = list(stored().values())
    assert len(records) == 1
    paper = records[0]
    assert paper.kind == "conference"
    assert paper.arxiv_id == "2502.01384"
    assert paper.venue == "International Conference on Learning Representations"
    assert paper.year == 2025
    other_key = {"zekri2024preprint", "zekri2025iclr"} - {paper.citekey}
    assert paper.fields["ids"] == other_key.pop()


def test_two_entries_of_one_file_stay_two_records(run):
    """A file's author cites each of its keys: a preprint and its conference version
    written in one file both come back (BibTeX knows nothing of `ids`)."""
    result = run("import", write("both.bib", PREPRINT + CONFERENCE))
    assert summary(result) == "2 added"
    assert sorted(stored()) == ["zekri2024preprint", "zekri2025iclr"]
    assert set(bib_fields(export(run))) == {"zekri2024preprint", "zekri2025iclr"}


def test_merge_is_reported_and_the_incoming_key_remembered(run):
    run("import", write("pre.bib", PREPRINT))
    result = run("import", write("conf.bib", CONFERENCE))
    assert summary(result) == "1 updated"
    line = next(line for line in result.stdout.splitlines() if line.startswith("updated"))
    assert "conf.bib:2" in line
    assert "zekri2025iclr -> zekri2024preprint" in line
    assert "filled" in line and "booktitle" in line
    assert stored()["zekri2024preprint"].fields["ids"] == "zekri2025iclr"


def test_entries_sharing_only_a_url_or_journal_stay_distinct(run):
    for key, title in (("doe2020a", "First paper"), ("doe2020b", "Second paper")):
        bib = (
            f"@article{{{key},\n  author = {{Doe, Jane}},\n  title = {{{title}}},\n"
            "  journal = {Journal of Things},\n  url = {https://example.org/proceedings},\n"
            "  year = {2020},\n}\n"
        )
        assert run("import", write(f"{key}.bib", bib)).exit_code == 0
    assert sorted(stored()) == ["doe2020a", "doe2020b"]


def editorial(key: str, extra: str = "") -> str:
    return (
        f"@article{{{key},\n  author = {{Beeton, Barbara}},\n"
        f"  title = {{Editor's introduction}},\n  journal = {{TUGboat}},\n"
        f"  year = {{1981}},\n{extra}}}\n"
    )


def test_same_title_year_and_author_in_one_file_stay_distinct(run):
    bib = "\n".join(
        editorial(f"Beeton:1981:EI{n}", f"  volume = {{2}},\n  number = {{{n}}},\n")
        for n in (1, 2, 3)
    ) + editorial("Beeton:1981:EIx")
    result = run("import", write("issues.bib", bib))
    assert summary(result) == "4 added"
    assert len(stored()) == 4


@pytest.mark.parametrize(
    ("incoming", "count"),
    [
        pytest.param("  volume = {3},\n", 2, id="different-volume"),
        pytest.param("  number = {2},\n", 2, id="different-number"),
        pytest.param("  pages = {7--8},\n", 2, id="different-pages"),
        pytest.param("  doi = {10.1000/other},\n", 2, id="different-doi"),
        pytest.param("  note = {Reprinted},\n", 1, id="nothing-contradicts"),
    ],
)
def test_across_files_merge_only_when_nothing_contradicts(run, incoming, count):
    existing = "  volume = {2},\n  number = {1},\n  pages = {1--2},\n  doi = {10.1000/tb2},\n"
    run("import", write("old.bib", editorial("old", existing)))
    result = run("import", write("new.bib", editorial("new", incoming)))
    assert result.exit_code == 0
    assert len(stored()) == count
    if count == 1:
        assert stored()["old"].note == "Reprinted"


def announcement(key: str, year: int, number: int, extra: str = "") -> str:
    return (
        f"@article{{{key},\n  author = {{Beeton, Barbara}},\n"
        f"  title = {{Official announcements}},\n  journal = {{TUGboat}},\n"
        f"  year = {{{year}}},\n  volume = {{{year - 1979}}},\n  number = {{{number}}},\n"
        f"{extra}}}\n"
    )


def test_a_large_title_group_is_searched_by_year_not_scanned(run, monkeypatch):
    """tugboat.bib's groups of hundreds: each entry of a second file is compared only
    with the group's members of its year, and merges with its own issue."""
    import pubdb.papers.matching as matching

    issues = [(year, number) for year in range(1981, 2021) for number in (1, 2, 3)]
    run("import", write("old.bib", "".join(announcement(f"old{y}-{n}", y, n) for y, n in issues)))
    compared = []
    contradicts = matching.contradicts
    monkeypatch.setattr(
        matching, "contradicts", lambda a, b: compared.append(1) or contradicts(a, b)
    )
    again = "".join(announcement(f"new{y}-{n}", y, n, "  note = {Seen},\n") for y, n in issues)
    result = run("import", write("new.bib", again))
    assert result.exit_code == 0, result.output
    records = stored()
    assert len(records) == len(issues)
    assert all(records[f"old{y}-{n}"].note == "Seen" for y, n in issues)
    assert len(compared) <= 3 * len(issues)  # a scan of the group: 120 x 120


SIAM_OLD = """@article{smith2020,
  author = {Smith, John},
  title = {Sparse solvers},
  journal = {SIAM Review},
  year = {2020},
}
"""
SIAM_NEW = """@article{smith2020b,
  author = {Smith, John},
  title = {Sparse solvers},
  journal = {SIAM Rev.},
  pages = {1--30},
  year = {2020},
}
"""


@pytest.mark.parametrize(
    ("prefer", "journal", "action"),
    [
        pytest.param([], "SIAM Review", "filled", id="existing-by-default"),
        pytest.param(["--prefer", "incoming"], "SIAM Rev.", "updated", id="prefer-incoming"),
    ],
)
def test_prefer_decides_conflicting_values(run, prefer, journal, action):
    run("import", write("old.bib", SIAM_OLD))
    result = run("import", *prefer, write("new.bib", SIAM_NEW))
    assert summary(result) == f"1 {action}"  # filled: pages only; updated: journal too
    paper = stored()["smith2020"]
    assert paper.journal == journal
    assert paper.pages == "1–30"  # filled either way
    assert paper.fields["ids"] == "smith2020b"


# -- arXiv ids ---------------------------------------------------------------------------


ARXIV_FIELDS = [  # (id, fields, arXiv id, version)
    ("eprint", "eprint = {2401.01234v2}, archivePrefix = {arXiv}", "2401.01234", 2),
    ("eprint-old-style", "eprint = {hep-th/9901001}, eprinttype = {arxiv}", "hep-th/9901001", None),
    ("arxiv-field", "arxiv = {2402.01234}", "2402.01234", None),
    ("abs-url", "url = {https://arxiv.org/abs/2403.01234v3}", "2403.01234", 3),
    ("pdf-url", "url = {https://arxiv.org/pdf/2404.01234.pdf}", "2404.01234", None),
    ("journal-text", "journal = {arXiv preprint arXiv:2405.01234}", "2405.01234", None),
    ("dblp-corr", "journal = {CoRR}, volume = {abs/2406.01234}", "2406.01234", None),
]


@pytest.mark.parametrize(
    ("fields", "arxiv_id", "version"), [pytest.param(*row[1:], id=row[0]) for row in ARXIV_FIELDS]
)
def test_arxiv_id_is_detected(run, fields, arxiv_id, version):
    bib = f"@article{{ax, author = {{Doe, Jane}}, title = {{Detected}}, year = 2024, {fields}}}\n"
    run("import", write("ax.bib", bib))
    paper = stored()["ax"]
    assert (paper.arxiv_id, paper.arxiv_version) == (arxiv_id, version)


def test_eprint_from_another_archive_is_not_an_arxiv_id(run):
    bib = "@misc{hal, title = {Hal}, year = 2024, eprint = {hal-0123}, archivePrefix = {HAL}}\n"
    run("import", write("hal.bib", bib))
    paper = stored()["hal"]
    assert paper.arxiv_id is None
    assert paper.fields["eprint"] == "hal-0123"


# -- real-world files --------------------------------------------------------------------

TUGBOAT_ENTRIES = 4839  # TeX Live 2022's tugboat.bib
_ENTRY = re.compile(r"^[ \t]*@[ \t]*(\w+)[ \t]*[{(]", re.MULTILINE)
FETCH_REALBIB = (
    "apt-get download texlive-bibtex-extra && dpkg -x texlive-bibtex-extra_*.deb x, then set"
    " PUBDB_REALBIB=x/usr/share/texlive/texmf-dist/bibtex/bib (scripts/fetch-realbib DIR"
    " does both and prints the value)"
)


def real_bib(relative: str) -> Path:
    """A real-world .bib file of TeX Live: under $PUBDB_REALBIB (its bibtex/bib folder,
    e.g. from scripts/fetch-realbib), else where the installed TeX Live's `kpsewhich`
    finds it (xampl.bib comes with bibtex); or skip saying how to get the files."""
    folder = os.environ.get("PUBDB_REALBIB")
    if folder:
        root = Path(folder)
        for candidate in (root / relative, root / Path(relative).name):
            if candidate.is_file():
                return candidate.resolve()
    found = kpsewhich(Path(relative).name)
    if found:
        return found
    where = f"not found under PUBDB_REALBIB={folder}" if folder else "PUBDB_REALBIB is not set"
    pytest.skip(f"{relative}: {where}; {FETCH_REALBIB}")


def kpsewhich(name: str) -> Path | None:
    """Where TeX Live's own file search finds ``name``, if TeX Live is installed."""
    if not shutil.which("kpsewhich"):
        return None
    done = subprocess.run(["kpsewhich", name], capture_output=True, text=True, timeout=60)
    path = Path(done.stdout.strip()) if done.returncode == 0 and done.stdout.strip() else None
    return path.resolve() if path and path.is_file() else None


def entries_in(path: Path) -> list[str]:
    """Entry types as written, @string/@preamble/@comment left out."""
    types = _ENTRY.findall(path.read_text(encoding="utf-8"))
    return [t for t in types if t.lower() not in ("string", "preamble", "comment")]


def keys_in(path: Path) -> set[str]:
    library = bibtexparser.parse_string(path.read_text(encoding="utf-8"), parse_stack=[])
    return {entry.key for entry in library.entries}


def assert_no_entry_lost(path: Path, db: str) -> None:
    """Every entry of the file is a stored record or named in a record's `ids`."""
    with Library(db) as library:
        records = list(library.publications())
    known = {p.citekey for p in records}
    for p in records:
        known.update(k.strip() for k in p.fields.get("ids", "").split(",") if k.strip())
    assert keys_in(path) - known == set()


def summary_counts(result) -> dict[str, int]:
    """{'added': 3, 'failed': 1} from '3 added, 1 failed' (a word absent counts 0)."""
    counts = {w: int(n) for n, w in re.findall(r"(\d+) (\w+(?: found)?)", summary(result))}
    return {word: counts.get(word, 0) for word in ACTIONS}


@pytest.mark.parametrize(
    "relative",
    [
        pytest.param("biblatex/biblatex/biblatex-examples.bib", id="biblatex-examples"),
        pytest.param("base/xampl.bib", id="xampl"),
    ],
)
def test_real_world_file_loses_no_entry(run, db_path, relative):
    path = real_bib(relative)
    result = run("import", str(path))
    assert result.exit_code == 0, result.stderr
    counts = summary_counts(result)
    assert counts["failed"] == 0
    matched = counts["updated"] + counts["filled"] + counts["unchanged"]
    assert counts["added"] + matched == len(entries_in(path))
    assert_no_entry_lost(path, str(db_path))


@pytest.fixture(scope="module")
def tugboat(tmp_path_factory):
    """tugboat.bib imported once for this module: (path, database, import result)."""
    path = real_bib("beebe/tugboat.bib")
    db = str(tmp_path_factory.mktemp("tugboat") / "pubdb.db")
    result = CliRunner().invoke(cli, ["import", "--db", db, str(path)], catch_exceptions=False)
    return path, db, result


def test_tugboat_every_entry_is_stored(tugboat):
    path, db, result = tugboat
    assert result.exit_code == 0, result.stderr[-2000:]
    assert len(entries_in(path)) == TUGBOAT_ENTRIES
    assert summary(result) == f"{TUGBOAT_ENTRIES} added"
    with Library(db) as library:
        assert library.count() == TUGBOAT_ENTRIES
    repeated = {line.split(": ")[1] for line in stderr_lines(result) if "repeated field" in line}
    assert len(repeated) == 2  # two entries, each imported with its warnings
    assert_no_entry_lost(path, db)


def test_tugboat_reimport_skips_everything(run, tugboat):
    path, db, _ = tugboat
    result = run("import", "--db", db, str(path))
    assert result.exit_code == 0
    assert summary(result) == f"{TUGBOAT_ENTRIES} unchanged"


def test_tugboat_export_parses_back_whole(run, tugboat):
    _, db, _ = tugboat
    exported = export(run, "--db", db)
    library = bibtexparser.parse_string(exported, parse_stack=[])
    assert library.failed_blocks == []
    assert len(library.entries) == TUGBOAT_ENTRIES


# -- property: export -> import into a fresh database -> export ------------------------------

LATIN = "áàâäãåæçéèêëíîïñóòôöõøœúùûüýÿßłŁŠšŽžČčŘřńśźżąęőűğşıİÅÆØÉÖÜ"
TYPES = ("article", "inproceedings", "incollection", "book", "misc", "techreport")
VENUE_FIELD = {"article": "journal", "inproceedings": "booktitle", "incollection": "booktitle"}
NOT_A_NAME = {"and", "others", "jr", "sr", "ii", "iii", "iv"}

word = st.text(string.ascii_letters + string.digits + LATIN, min_size=1, max_size=8)
special = st.sampled_from(["&", "%", "_", "#", "$", "R&D", "50%", "snake_case", "#1", "$5"])
phrase = st.lists(st.one_of(word, special), min_size=1, max_size=6).map(" ".join)
name_part = st.text(string.ascii_letters + LATIN, min_size=2, max_size=9).filter(
    lambda w: w.lower() not in NOT_A_NAME
)


@dataclass
class Entry:
    entry_type: str
    key: str
    title: str
    venue: str
    authors: list[tuple[str, str]]  # (family, given)
    year: int

    def bibtex(self) -> str:
        lines = [f"@{self.entry_type}{{{self.key},"]
        if self.authors:
            names = " and ".join(f"{family}, {given}" for family, given in self.authors)
            lines.append(f"  author = {{{names}}},")
        lines.append(f"  title = {{{tex(self.title)}}},")
        venue_field = VENUE_FIELD.get(self.entry_type, "publisher")
        lines.append(f"  {venue_field} = {{{tex(self.venue)}}},")
        lines.append(f"  year = {{{self.year}}},")
        return "\n".join([*lines, "}", ""])


def tex(plain: str) -> str:
    return re.sub(r"([&%_#$])", r"\\\1", plain)


entry = st.builds(
    Entry,
    entry_type=st.sampled_from(TYPES),
    key=st.from_regex(r"[a-z][a-z0-9_:-]{0,10}", fullmatch=True),
    title=phrase,
    venue=phrase,
    authors=st.lists(st.tuples(name_part, name_part), max_size=4),
    year=st.integers(1900, 2030),
)
# Distinct years: the order of same-year entries is tested on its own (LOSSLESS above).
entries = st.lists(entry, min_size=1, max_size=5, unique_by=(lambda e: e.key, lambda e: e.year))


def import_and_export(bib: str, directory: str, count: int) -> tuple[str, dict]:
    """Import into a fresh (in-memory) database; the export and the stored records."""
    path = Path(directory) / "in.bib"
    path.write_text(bib, encoding="utf-8")
    with Library(":memory:") as library:
        report = library.import_bibtex([path])
        assert (report.failures, report.count("added")) == ([], count)
        out = io.StringIO()
        library.export_bibtex(out)
        return out.getvalue(), {p.citekey: p for p in library.publications()}


def assert_stored_as_generated(records: dict, generated: list[Entry]) -> None:
    for e in generated:
        p = records[e.key]
        venue = p.journal if e.entry_type == "article" else p.booktitle or p.publisher
        assert (p.entry_type, p.title, venue, p.year) == (e.entry_type, e.title, e.venue, e.year)
        assert [(a.family, a.given) for a in p.authors] == e.authors


@settings(
    derandomize=True,
    max_examples=200,
    deadline=None,
    database=None,
    phases=[phase for phase in Phase if phase is not Phase.explain],  # explaining takes minutes
    suppress_health_check=[HealthCheck.too_slow],
)
@given(generated=entries)
def test_export_import_export_is_stable(generated):
    bib = "\n".join(e.bibtex() for e in generated)
    with tempfile.TemporaryDirectory() as directory:
        first, records = import_and_export(bib, directory, len(generated))
        assert_stored_as_generated(records, generated)
        second, records = import_and_export(first, directory, len(generated))
        assert second == first
        assert_stored_as_generated(records, generated)
