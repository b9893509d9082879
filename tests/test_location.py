"""Which library a command uses: `--db`, then `$PUBDB_DB`, then `db/pubdb.db` of the
project folder around the current directory (looked for upward, as git looks for
`.git`), then one library per user (platformdirs' user data folder, pointed here at a
temporary XDG_DATA_HOME). A reading command never creates a library; a command that
creates one says so; a missing folder is never created for an explicit path."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from pubdb.store.schema import SCHEMA_VERSION

SEEDS = Path(__file__).resolve().parents[1] / "bib" / "seeds.bib"
NO_LIBRARY = "(create one with pubdb add or pubdb import)"


@pytest.fixture
def home(tmp_path, monkeypatch) -> Path:
    """No $PUBDB_DB; the per-user data folder under tmp_path/data; the current
    directory a paper's folder with nothing pubdb in it."""
    monkeypatch.delenv("PUBDB_DB")
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "data"))
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    folder = tmp_path / "home" / "papers" / "2025-draft"
    folder.mkdir(parents=True)
    monkeypatch.chdir(folder)
    return tmp_path


def user_library(home: Path) -> Path:
    return home / "data" / "pubdb" / "pubdb.db"


def everything_under(folder: Path) -> list[str]:
    return sorted(str(p.relative_to(folder)) for p in folder.rglob("*"))


def keys(result) -> list[str]:
    assert result.exit_code == 0, result.output
    return [row.split()[0] for row in result.stdout.splitlines()]


# -- the per-user library ------------------------------------------------------------


def test_without_a_project_the_library_is_the_users(run, home, monkeypatch):
    result = run("import", str(SEEDS))
    assert result.exit_code == 0, result.output
    assert result.stderr.startswith(f"pubdb: created a new library at {user_library(home)}\n")
    assert user_library(home).is_file()
    # From any other folder, the same library.
    monkeypatch.chdir(home)
    assert len(keys(run("list"))) == 23
    assert run("import", str(SEEDS)).stderr == ""  # created once, said once


def test_export_from_a_papers_folder_finds_the_users_library(run, home, monkeypatch):
    """Issue 14: `pubdb list` run from a paper's folder silently made an empty library
    there, and `export --author "Samy Jelassi"` then said "no author matches"."""
    monkeypatch.chdir(home / "home")
    assert run("import", str(SEEDS)).exit_code == 0
    monkeypatch.chdir(home / "home" / "papers" / "2025-draft")
    assert run("list").exit_code == 0
    result = run("export", "--format", "markdown", "--author", "Samy Jelassi")
    assert result.exit_code == 0, result.stderr
    assert result.stdout.startswith("# Publications of S. Jelassi")
    assert not (home / "home" / "papers" / "2025-draft" / "db").exists()


READING = {
    "list": ("list",),
    "show": ("show", "jelassi2024repeat"),
    "search": ("search", "transformers"),
    "export": ("export", "--bibtex"),
    "export a list": ("export", "--format", "markdown"),
    "coauthors": ("coauthors", "Samy Jelassi"),
    "authors": ("authors",),
    "author show": ("author", "show", "Jelassi"),
    "overlap": ("overlap", "Samy Jelassi", "Yuanzhi Li"),
    "path": ("path", "Samy Jelassi", "Yuanzhi Li"),
    "check": ("check",),
    "backup": ("backup", "copy.db"),
}
WRITING = {
    "refresh": ("refresh",),
    "edit": ("edit", "jelassi2024repeat", "--set", "note=x"),
    "rm": ("rm", "jelassi2024repeat"),
    "merge": ("merge", "jelassi2024repeat", "jelassi2023length"),
    "author merge": ("author", "merge", "Samy Jelassi", "S. Jelassi"),
    "author alias": ("author", "alias", "Samy Jelassi", "Samy J."),
    "author split": ("author", "split", "Samy Jelassi", "--name", "S. Jelassi"),
    "check --repair": ("check", "--repair"),
}


@pytest.mark.parametrize("args", [*READING.values(), *WRITING.values()], ids=[*READING, *WRITING])
def test_a_command_that_needs_a_library_never_creates_one(run, home, args):
    before = everything_under(home)
    result = run(*args)
    assert result.exit_code == 1
    assert result.stderr == f"pubdb: no library at {user_library(home)} {NO_LIBRARY}\n"
    assert everything_under(home) == before


@pytest.mark.parametrize("args", [*READING.values()], ids=[*READING])
def test_an_explicit_path_that_does_not_exist_is_not_created_either(run, home, args):
    before = everything_under(home)
    result = run("--db", "other.db", *args)
    assert result.exit_code == 1
    assert result.stderr == f"pubdb: no library at other.db {NO_LIBRARY}\n"
    assert everything_under(home) == before


# -- a project folder ------------------------------------------------------------------


@pytest.fixture
def project(run, home) -> Path:
    """~/thesis/db/pubdb.db holding the seeds, made with an explicit --db."""
    root = home / "home" / "thesis"
    (root / "db").mkdir(parents=True)
    (root / "chapters" / "two").mkdir(parents=True)
    result = run("--db", str(root / "db" / "pubdb.db"), "import", str(SEEDS))
    assert result.exit_code == 0, result.output
    assert result.stderr == f"pubdb: created a new library at {root / 'db' / 'pubdb.db'}\n"
    return root


@pytest.mark.parametrize("where", [".", "chapters", "chapters/two", "db"])
def test_inside_a_project_its_library_is_used(run, project, home, monkeypatch, where):
    monkeypatch.chdir(project / where)
    assert len(keys(run("list"))) == 23
    result = run("add", "--doi", "10.1145/3368089.3409741")  # doi.org is unreachable here
    assert result.exit_code == 1
    assert not user_library(home).exists()


def test_outside_the_project_the_users_library_is_used(run, project, home, monkeypatch):
    monkeypatch.chdir(home / "home")
    result = run("list")
    assert result.exit_code == 1
    assert f"no library at {user_library(home)}" in result.stderr


def test_a_db_folder_without_pubdb_db_is_not_a_project(run, home, monkeypatch):
    (home / "home" / "papers" / "db").mkdir()
    assert run("import", str(SEEDS)).exit_code == 0
    assert user_library(home).is_file()
    assert list((home / "home" / "papers" / "db").iterdir()) == []


def test_pubdb_db_and_the_db_option_win_over_the_project(run, project, home, monkeypatch):
    monkeypatch.chdir(project / "chapters")
    elsewhere = home / "elsewhere.db"
    monkeypatch.setenv("PUBDB_DB", str(elsewhere))
    assert run("list").stderr == f"pubdb: no library at {elsewhere} {NO_LIBRARY}\n"
    assert len(keys(run("--db", str(project / "db" / "pubdb.db"), "list"))) == 23
    assert len(keys(run("list", "--db", str(project / "db" / "pubdb.db")))) == 23


# -- saying which library is in use ------------------------------------------------------


def test_info_names_the_library_and_what_it_holds(run, project, monkeypatch):
    monkeypatch.chdir(project / "chapters" / "two")
    result = run("info")
    assert result.exit_code == 0, result.output
    assert result.stdout.splitlines() == [
        f"library: {project / 'db' / 'pubdb.db'}",
        f"from: the project folder {project}",
        f"schema: version {SCHEMA_VERSION}",
        "publications: 23",
        "people: 55",
    ]
    as_json = json.loads(run("info", "--json").stdout)
    assert as_json["path"] == str(project / "db" / "pubdb.db")
    assert as_json["exists"] is True
    assert (as_json["publications"], as_json["people"]) == (23, 55)


def test_info_without_a_library_says_where_one_would_be(run, home):
    before = everything_under(home)
    result = run("info")
    assert result.exit_code == 0, result.output
    assert result.stdout.splitlines() == [
        f"library: {user_library(home)}",
        f"from: the per-user default (no project folder with db/pubdb.db around {Path.cwd()})",
        f"does not exist yet {NO_LIBRARY}",
    ]
    assert everything_under(home) == before


@pytest.mark.parametrize(
    ("setting", "origin"),
    [("env", "$PUBDB_DB"), ("option", "--db")],
)
def test_info_says_where_the_choice_came_from(run, home, monkeypatch, setting, origin):
    chosen = home / "chosen.db"
    if setting == "env":
        monkeypatch.setenv("PUBDB_DB", str(chosen))
        result = run("info")
    else:
        result = run("--db", str(chosen), "info")
    assert result.stdout.splitlines()[:2] == [f"library: {chosen}", f"from: {origin}"]


def test_version_names_the_library(run, project, monkeypatch):
    from pubdb.version import __version__

    monkeypatch.chdir(project)
    result = run("--version")
    assert result.stdout == (
        f"pubdb, version {__version__}\nlibrary: {project / 'db' / 'pubdb.db'}\n"
    )


# -- item 7: a missing folder is never created for an explicit path ---------------------


@pytest.mark.parametrize("how", ["--db", "PUBDB_DB"])
def test_a_new_library_in_a_missing_folder_is_refused(run, home, monkeypatch, how):
    target = home / "nonexistent" / "dir" / "x.db"
    before = everything_under(home)
    if how == "--db":
        result = run("--db", str(target), "import", str(SEEDS))
    else:
        monkeypatch.setenv("PUBDB_DB", str(target))
        result = run("import", str(SEEDS))
    assert result.exit_code == 2
    assert result.stderr == (
        f"pubdb: cannot create a library at {target}: folder {target.parent} does not exist\n"
    )
    assert everything_under(home) == before


def test_a_new_library_through_a_dangling_symlink_into_a_missing_folder_is_refused(run, home):
    link = home / "lib.db"
    link.symlink_to(home / "gone" / "deeper" / "lib.db")
    result = run("--db", str(link), "import", str(SEEDS))
    assert result.exit_code == 2
    assert "folder" in result.stderr and "does not exist" in result.stderr
    assert not (home / "gone").exists()


def test_the_users_data_folder_is_made_when_needed(run, home):
    assert not (home / "data").exists()
    assert run("import", str(SEEDS)).exit_code == 0
    assert user_library(home).is_file()


# -- the library from Python ---------------------------------------------------------------


def test_library_without_a_path_finds_the_same_file(run, project, monkeypatch):
    from pubdb import Library

    monkeypatch.chdir(project / "chapters")
    with Library() as library:
        assert library.path == project / "db" / "pubdb.db"
        assert library.count() == 23


def test_library_with_a_path_still_creates_it(tmp_path):
    from pubdb import Library

    with Library(tmp_path / "new.db") as library:
        assert library.count() == 0
    assert (tmp_path / "new.db").is_file()
    assert os.path.getsize(tmp_path / "new.db") > 0
