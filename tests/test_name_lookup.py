"""One question, one answer: every command that takes a name resolves it the same way,
with the same suggestions (in the form listings use) and the same exit codes, and two
names of one person are said to be one person."""

from __future__ import annotations

import json

import pytest

from dbdump import bibliographic_dump

LIBRARY = """
@article{zb25, author = {Zekri, Oussama and Boull{\\'e}, Nicolas}, title = {One},
  journal = {J}, year = 2025}
@article{zj24, author = {Zekri, O. and Jelassi, S.}, title = {Two}, journal = {J}, year = 2024}
@article{jl22, author = {Jelassi, S. and Li, Yuanzhi}, title = {Three}, journal = {J},
  year = 2022}
@article{kl21, author = {Li, Kenneth and Boull{\\'e}, Nicolas}, title = {Four}, journal = {J},
  year = 2021}
"""


@pytest.fixture
def library(run, tmp_path, db_path):
    path = tmp_path / "library.bib"
    path.write_text(LIBRARY, encoding="utf-8")
    result = run("import", str(path))
    assert result.exit_code == 0, result.output
    return db_path


def name_commands(name: str) -> list[list[str]]:
    """Every command that takes a name, with ``name`` where the name goes."""
    return [
        ["authors", name],
        ["author", "show", name],
        ["author", "set", name, "--contact", "someone@example.org"],
        ["author", "merge", name, "Nicolas Boullé"],
        ["author", "merge", "Nicolas Boullé", name],
        ["author", "alias", name, "N. B."],
        ["author", "split", name, "--name", "Zekri, O."],
        ["author", "split", "Nicolas Boullé", "--paper", "zb25", "--into", name],
        ["coauthors", name],
        ["coauthors", "Nicolas Boullé", name, "--csv"],
        ["overlap", name, "Nicolas Boullé"],
        ["path", "Nicolas Boullé", name],
        ["list", "--author", name],
        ["export", "--author", name],
        ["export", "--format", "markdown", "--author", name],
    ]


COMMAND_IDS = [" ".join(c[:2]) + f"-{i}" for i, c in enumerate(name_commands("X"))]


@pytest.mark.parametrize("index", range(len(name_commands("X"))), ids=COMMAND_IDS)
@pytest.mark.parametrize(
    ("query", "line"),
    [
        pytest.param(
            "Zerki", "pubdb: no author matches 'Zerki'; did you mean Oussama Zekri?", id="typo"
        ),
        pytest.param(
            "Ousama Zekri",
            "pubdb: no author matches 'Ousama Zekri'; did you mean Oussama Zekri?",
            id="misspelt-given-name",
        ),
        pytest.param(
            "Jelasi",
            "pubdb: no author matches 'Jelasi'; did you mean S. Jelassi?",
            id="display-form-not-comma-form",
        ),
        pytest.param(
            "Li",
            "pubdb: author 'Li' is ambiguous: Kenneth Li (1 paper); Yuanzhi Li (1 paper);"
            " give a fuller name (or decide with `pubdb author merge/alias`)",
            id="ambiguous",
        ),
    ],
)
def test_every_name_taking_command_answers_alike(run, library, index, query, line):
    command = name_commands(query)[index]
    before = bibliographic_dump(library)
    result = run(*command)
    if command[0] == "authors" and "ambiguous" in line:
        # Listing what a name could mean is what `authors` is for.
        assert result.exit_code == 0, result.output
        listed = [row.split("  ")[0] for row in result.stdout.splitlines()]
        assert listed == ["Kenneth Li", "Yuanzhi Li"]
        return
    assert result.exit_code == 2, result.output
    assert result.stdout == ""
    assert result.stderr == line + "\n"
    assert bibliographic_dump(library) == before


@pytest.mark.parametrize(
    ("command", "line"),
    [
        pytest.param(
            ["overlap", "Zekri", "zekri"],
            "pubdb: 'Zekri' and 'zekri' both name Oussama Zekri: overlap needs two different"
            " people",
            id="overlap",
        ),
        pytest.param(
            ["path", "Zekri", "Zekri"],
            "pubdb: 'Zekri' and 'Zekri' both name Oussama Zekri: a path needs two different people",
            id="path",
        ),
        pytest.param(
            ["path", "O. Zekri", "Oussama Zekri"],
            "pubdb: 'O. Zekri' and 'Oussama Zekri' both name Oussama Zekri: a path needs two"
            " different people",
            id="path-two-forms",
        ),
        pytest.param(
            ["coauthors", "Zekri", "Jelassi", "Zekri, O."],
            "pubdb: 'Zekri' and 'Zekri, O.' both name Oussama Zekri: name each person once",
            id="coauthors",
        ),
        pytest.param(
            ["author", "merge", "Zekri", "O. Zekri"],
            "pubdb: 'Zekri' and 'O. Zekri' both name Oussama Zekri: they are one person already",
            id="merge",
        ),
        pytest.param(
            ["overlap", "Zekri"],
            "pubdb: overlap needs at least two people",
            id="overlap-one-name",
        ),
    ],
)
def test_two_names_of_one_person_are_said_to_be_one_person(run, library, command, line):
    before = bibliographic_dump(library)
    result = run(*command)
    assert result.exit_code == 2
    assert result.stderr == line + "\n"
    assert bibliographic_dump(library) == before


def test_authors_with_no_match_and_no_close_name(run, library):
    result = run("authors", "Quartermaine")
    assert result.exit_code == 2
    assert result.stderr == "pubdb: no author matches 'Quartermaine'\n"


def test_library_api_raises_the_same_errors(library):
    from pubdb import Library
    from pubdb.errors import UsageError

    with Library(library) as lib:
        for call in (
            lambda: lib.authors("Zerki"),
            lambda: lib.coauthors("Zerki"),
            lambda: lib.author_profile("Zerki"),
            lambda: list(lib.publications(author="Zerki")),
        ):
            with pytest.raises(UsageError, match="did you mean Oussama Zekri"):
                call()
        assert [p.name for p in lib.authors("Zekri")] == ["Oussama Zekri"]


def test_suggestions_name_each_person_once_in_display_form(run, library):
    result = run("coauthors", "Zekry")  # close to "Zekri, O.", "Zekri, Oussama" and "zekri"
    assert result.stderr == "pubdb: no author matches 'Zekry'; did you mean Oussama Zekri?\n"
    shown = json.loads(run("authors", "Zekri", "--json").stdout)
    assert shown[0]["variants"] == ["Zekri, Oussama", "Zekri, O."]
