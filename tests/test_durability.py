"""Many processes on one database, processes killed mid-write, backups taken while
others write, damage found by `pubdb check`, databases from older pubdb versions:
nothing lost, nothing half-written."""

from __future__ import annotations

import json
import os
import shutil
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest
import sqlite_utils

from pubdb import migrations
from pubdb.library import Library
from pubdb.schema import SCHEMA_VERSION

PUBDB = str(Path(sys.executable).parent / "pubdb")
BIG = 40_000  # entries: an import of this size takes seconds, long enough to interrupt

pytestmark = pytest.mark.skipif(not Path(PUBDB).exists(), reason="pubdb script not installed")


def bib(prefix: str, count: int) -> str:
    """Distinct entries (own key, title, DOI) with accents and math, as real files have."""
    return "".join(
        f"@article{{{prefix}{n},\n"
        f'  author = {{M{{\\"u}}ller, Anna and {prefix.title()}, Bo{n % 97}}},\n'
        f'  title = {{{prefix} study {n} of $O(n \\log n)$ na{{\\"\\i}}ve methods}},\n'
        f"  journal = {{Journal of {prefix.title()}}},\n  year = {2000 + n % 25},\n"
        f"  doi = {{10.5555/{prefix}.{n}}},\n}}\n\n"
        for n in range(count)
    )


def write_bib(folder: Path, prefix: str, count: int) -> Path:
    path = folder / f"{prefix}.bib"
    path.write_text(bib(prefix, count), encoding="utf-8")
    return path


def pubdb(db: Path, *args: str, **options) -> subprocess.CompletedProcess:
    return subprocess.run(
        [PUBDB, "--db", str(db), *args], capture_output=True, text=True, timeout=120, **options
    )


def start(db: Path, *args: str) -> subprocess.Popen:
    return subprocess.Popen(
        [PUBDB, "--db", str(db), *args],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        start_new_session=True,  # its own process group: parse workers die with it
    )


def bibliographic_dump(db: Path) -> list[str]:
    with sqlite3.connect(db) as conn:
        return [line for line in conn.iterdump() if 'INTO "meta"' not in line]


def count(db: Path, table: str = "publications") -> int:
    with sqlite3.connect(db) as conn:
        return conn.execute(f"SELECT count(*) FROM {table}").fetchone()[0]


def wait_for(condition, timeout: float = 60.0, what: str = "condition") -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            pytest.fail(f"timed out waiting for {what}")
        time.sleep(0.01)


def kill(process: subprocess.Popen) -> None:
    os.killpg(process.pid, signal.SIGKILL)
    process.wait(10)


@pytest.fixture(scope="module")
def big_bib(tmp_path_factory) -> Path:
    return write_bib(tmp_path_factory.mktemp("big"), "big", BIG)


@pytest.fixture(scope="module")
def big_db(tmp_path_factory, big_bib) -> Path:
    db = tmp_path_factory.mktemp("bigdb") / "pubdb.db"
    assert pubdb(db, "import", str(big_bib)).returncode == 0
    return db


@pytest.fixture
def small_db(tmp_path) -> Path:
    db = tmp_path / "pubdb.db"
    result = pubdb(db, "import", str(write_bib(tmp_path, "base", 20)))
    assert result.returncode == 0, result.stderr
    return db


# -- concurrency ---------------------------------------------------------------------


def test_eight_writers_at_once_lose_nothing_and_never_see_a_lock(tmp_path, small_db, arxiv):
    importers = [write_bib(tmp_path, f"team{n}", 300) for n in range(5)]
    commands = [("import", str(path)) for path in importers]
    commands += [("edit", f"base{n}", "--set", f"note=Edited by writer {n}") for n in (3, 7)]
    commands.append(("add", "2206.06921", "1707.08567"))
    assert len(commands) == 8

    processes = [start(small_db, *command) for command in commands]
    results = [(process.wait(120), *process.communicate()) for process in processes]

    for (code, _, stderr), command in zip(results, commands, strict=True):
        assert code == 0, (command, stderr)
        assert "locked" not in stderr.lower()
    assert count(small_db) == 20 + 5 * 300 + 2
    with Library(small_db) as library:
        assert library.get("base3").note == "Edited by writer 3"
        assert library.get("base7").note == "Edited by writer 7"
        assert all(f.ok for f in library.check()[0])


# -- killed mid-write -----------------------------------------------------------------


def test_import_killed_midway_leaves_the_database_as_before(small_db, big_bib):
    before = bibliographic_dump(small_db)
    wal = Path(f"{small_db}-wal")
    process = start(small_db, "import", str(big_bib))
    # Pages of the open transaction spill into the WAL long before it commits.
    wait_for(lambda: wal.exists() and wal.stat().st_size > 2_000_000, what="the import writing")
    assert process.poll() is None, "the import ended before it could be interrupted"
    kill(process)

    assert bibliographic_dump(small_db) == before
    checked = pubdb(small_db, "check")
    assert checked.returncode == 0, checked.stdout
    assert pubdb(small_db, "import", str(big_bib)).returncode == 0  # and it still works
    assert count(small_db) == 20 + BIG


def test_export_killed_midway_leaves_the_previous_file(tmp_path, big_db):
    target = tmp_path / "out" / "all.bib"
    target.parent.mkdir()
    target.write_text("% the previous export\n", encoding="utf-8")
    (tmp_path / "out" / "notes.txt").write_text("mine\n", encoding="utf-8")

    def partial_export_written() -> bool:
        temporaries = list(target.parent.glob(".all.bib.*.tmp"))
        return bool(temporaries) and temporaries[0].stat().st_size > 200_000

    process = start(big_db, "export", "--bibtex", "-o", str(target))
    wait_for(partial_export_written, what="the export writing")
    assert process.poll() is None, "the export ended before it could be interrupted"
    kill(process)

    assert target.read_text(encoding="utf-8") == "% the previous export\n"
    leftovers = {p.name for p in target.parent.iterdir()} - {"all.bib", "notes.txt"}
    assert all(name.startswith(".all.bib.") and name.endswith(".tmp") for name in leftovers)
    assert (tmp_path / "out" / "notes.txt").read_text(encoding="utf-8") == "mine\n"


def test_export_replaces_only_the_named_file(tmp_path, small_db):
    folder = tmp_path / "out"
    folder.mkdir()
    (folder / "notes.txt").write_text("mine\n", encoding="utf-8")
    (folder / "cv.md").write_text("old\n", encoding="utf-8")
    assert (
        pubdb(small_db, "export", "--format", "markdown", "-o", str(folder / "cv.md")).returncode
        == 0
    )
    assert sorted(p.name for p in folder.iterdir()) == ["cv.md", "notes.txt"]
    assert "base study 3" in (folder / "cv.md").read_text(encoding="utf-8")
    assert (folder / "notes.txt").read_text(encoding="utf-8") == "mine\n"


# -- backup and check -----------------------------------------------------------------


def test_backup_while_another_process_imports_is_a_consistent_snapshot(tmp_path, small_db, big_bib):
    wal = Path(f"{small_db}-wal")
    process = start(small_db, "import", str(big_bib))
    wait_for(lambda: wal.exists() and wal.stat().st_size > 1_000_000, what="the import writing")
    copy = tmp_path / "backup" / "copy.db"
    result = pubdb(small_db, "backup", str(copy))
    assert process.wait(120) == 0

    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith("backed up ")
    with sqlite3.connect(copy) as conn:
        assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    assert count(copy) in (20, 20 + BIG)
    assert pubdb(copy, "check").returncode == 0


def test_backup_to_a_directory_is_a_one_line_error(tmp_path, small_db):
    result = pubdb(small_db, "backup", str(tmp_path))
    assert result.returncode == 2
    assert result.stderr.count("\n") == 1 and "is a directory" in result.stderr


def test_check_reports_a_healthy_database(small_db):
    result = pubdb(small_db, "check")
    assert result.returncode == 0
    for part in ("integrity", "foreign keys", "schema version", "search index", "orphan people"):
        assert part in result.stdout


def damage(db: Path, *statements: str) -> None:
    """Changes made behind pubdb's back (foreign keys off, no triggers bypassed)."""
    with sqlite3.connect(db) as conn:
        for statement in statements:
            conn.execute(statement)


def test_check_finds_a_stale_search_index_and_repair_rebuilds_it(small_db):
    damage(small_db, "DELETE FROM publications_fts WHERE rowid IN (1, 2)")
    found = pubdb(small_db, "check")
    assert found.returncode == 1
    assert "search index" in found.stdout and "2 publications out of date" in found.stdout
    repaired = pubdb(small_db, "check", "--repair")
    assert "fixed search index rebuilt" in repaired.stdout
    assert pubdb(small_db, "check").returncode == 0
    assert [p.citekey for p in Library(small_db).search("base study 1 naive")][:1] == ["base1"]


def test_check_finds_orphan_people_and_repair_removes_them(small_db):
    damage(
        small_db,
        "INSERT INTO people (name, name_key, created_at)"
        " VALUES ('Nobody Here', 'nobody here', 't')",
    )
    found = pubdb(small_db, "check")
    assert found.returncode == 1 and "1 without papers" in found.stdout
    assert "removed 1 orphan people" in pubdb(small_db, "check", "--repair").stdout
    assert pubdb(small_db, "check").returncode == 0


def test_check_finds_a_broken_link_it_cannot_repair(small_db):
    damage(small_db, "UPDATE authorships SET person_id = 999999 WHERE publication_id = 1")
    found = pubdb(small_db, "check")
    assert found.returncode == 1
    assert "foreign keys" in found.stdout and "authorships" in found.stdout
    assert pubdb(small_db, "check", "--repair").returncode == 1  # says so, deletes nothing
    assert count(small_db) == 20


# -- older and newer databases --------------------------------------------------------


def test_version_three_database_from_an_older_pubdb_migrates(tmp_path, small_db):
    """m004 only adds indexes: a current database without them is what pubdb 3 wrote."""
    old = tmp_path / "v3.db"
    shutil.copy(small_db, old)
    damage(
        old,
        "DROP INDEX idx_authorships_paper_person",
        "DROP INDEX idx_authorships_affiliation",
        "DELETE FROM _sqlite_migrations WHERE name = 'm004_network_indexes'",
        "PRAGMA user_version = 3",
    )
    listed = pubdb(old, "list", "--json")
    assert listed.returncode == 0, listed.stderr
    assert len(json.loads(listed.stdout)) == 20
    with sqlite3.connect(old) as conn:
        assert conn.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION
        indexes = {row[0] for row in conn.execute("SELECT name FROM sqlite_master")}
    assert {"idx_authorships_paper_person", "idx_authorships_affiliation"} <= indexes
    assert pubdb(old, "check").returncode == 0


def test_version_two_database_with_papers_and_people_migrates(tmp_path):
    db = tmp_path / "v2.db"
    conn = sqlite3.connect(db, isolation_level=None)
    migrations.migrations.apply(sqlite_utils.Database(conn), stop_before="m003_people")
    conn.execute("PRAGMA user_version = 2")
    conn.execute(
        "INSERT INTO publications (citekey, title, year, source, created_at, updated_at)"
        " VALUES ('boulle2022', 'Learning Green''s functions', 2022, 'bibtex', 't', 't')"
    )
    conn.execute(
        "INSERT INTO people (id, name, name_key, created_at) VALUES (5, ?, '', 't')",
        ("Nicolas Boullé",),
    )
    conn.execute(
        "INSERT INTO authorships (publication_id, position, person_id, name, given, family)"
        " VALUES (1, 0, 5, 'Boullé, Nicolas', 'Nicolas', 'Boullé')"
    )
    conn.close()

    listed = pubdb(db, "list", "--json")
    assert listed.returncode == 0, listed.stderr
    [record] = json.loads(listed.stdout)
    assert record["citekey"] == "boulle2022"
    assert "boulle2022" in pubdb(db, "search", "green boulle").stdout
    assert "boulle2022" in pubdb(db, "list", "--author", "N. Boulle").stdout  # m003 ran
    with sqlite3.connect(db) as check:
        assert check.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION
    assert pubdb(db, "check").returncode == 0
