"""Many processes on one database, processes killed mid-write, backups taken while
others write, damage found by `pubdb check`, databases from older pubdb versions:
nothing lost, nothing half-written.

Every test drives the installed `pubdb` script in real processes. Waits are on things
the processes do (the write-ahead log or a temporary file growing, a pipe closing),
never on the clock; the clock only bounds how long a wait may take.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import random
import shutil
import signal
import sqlite3
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
import sqlite_utils

from pubdb.store import migrations
from pubdb.store.schema import MIGRATION_NAMES, SCHEMA_VERSION

PUBDB = str(Path(sys.executable).parent / "pubdb")
BIG = 30_000  # entries: an import of this size takes seconds, long enough to interrupt
MEDIUM = 8_000  # entries: imported during a backup, exported while killed
TIMEOUT = 120  # seconds any one process may take, however loaded the machine

pytestmark = pytest.mark.skipif(not Path(PUBDB).exists(), reason="pubdb script not installed")

# -- realistic BibTeX, distinct per prefix -------------------------------------------

FAMILIES = ("M{\\\"u}ller", "Boull{\\'e}", "{\\O}deg{\\aa}rd", "Garc{\\'\\i}a", "Nguyen",
            "van der Berg", "Erd{\\H{o}}s", "Smith", "Ko{\\v{c}}i", "d'Ascoli")  # fmt: skip
GIVENS = ("Anna", "Jos{\\'e}", 'Zo{\\"e}', 'Bj{\\"o}rn', "Mei", "Sam", "{\\L}ukasz")
WORDS = "learning sparse kernel diffusion bayesian markov robust private graphs".split()


def bib(prefix: str, count: int) -> str:
    """Distinct entries (own key, title, DOI) with accented authors, math, @string
    macros and abstracts, as real files have. The same prefix gives the same text."""
    rng = random.Random(prefix)
    parts = [f'@string{{j{prefix} = "Journal of {prefix.title()}"}}\n\n']
    for n in range(count):
        authors = " and ".join(
            f"{rng.choice(FAMILIES)}, {rng.choice(GIVENS)}" for _ in range(rng.randint(1, 4))
        )
        extra = " ".join(rng.sample(WORDS, 3))
        fields = [
            f"author = {{{authors}}}",
            f'title = {{{prefix} study {n} of $O(n \\log n)$ na{{\\"\\i}}ve {extra}}}',
            f"journal = j{prefix}",
            f"year = {2000 + n % 25}",
            f"volume = {n % 40 + 1}",
            f"doi = {{10.5555/{prefix}.{n}}}",
        ]
        if n % 3 == 0:
            fields.append(f"abstract = {{We study {extra} in {rng.randint(2, 9)} settings.}}")
        parts.append(f"@article{{{prefix}{n},\n  " + ",\n  ".join(fields) + "\n}\n\n")
    return "".join(parts)


def write_bib(folder: Path, prefix: str, count: int) -> Path:
    path = folder / f"{prefix}.bib"
    path.write_text(bib(prefix, count), encoding="utf-8")
    return path


# -- processes ----------------------------------------------------------------------


def pubdb(db: Path, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [PUBDB, "--db", str(db), *args], capture_output=True, text=True, timeout=TIMEOUT
    )


@pytest.fixture
def start() -> Iterator[Callable[..., subprocess.Popen]]:
    """Start `pubdb` in its own process group (it and its parse workers can be signalled
    together, as a terminal's Ctrl-C does); whatever a failed test leaves is killed."""
    started: list[subprocess.Popen] = []

    def launch(db: Path, *args: str) -> subprocess.Popen:
        process = subprocess.Popen(
            [PUBDB, "--db", str(db), *args],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            start_new_session=True,
        )
        started.append(process)
        return process

    yield launch
    for process in started:  # the group too: a failed test may leave stopped workers
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, signal.SIGKILL)
        process.communicate(timeout=TIMEOUT)


def finish(process: subprocess.Popen) -> tuple[int, str, str]:
    """Exit code, stdout, stderr once the process and everything holding its pipes (its
    parse workers) has exited."""
    try:
        out, err = process.communicate(timeout=TIMEOUT)
    except subprocess.TimeoutExpired:
        pytest.fail(f"{process.args} (or a process it started) still runs after {TIMEOUT}s")
    return process.returncode, out, err


def wait_for(condition: Callable[[], bool], what: str, timeout: float = TIMEOUT) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            pytest.fail(f"timed out waiting for {what}")
        time.sleep(0.01)


def wal_past(db: Path, size: int) -> Callable[[], bool]:
    """Pages of an open write transaction spill into the WAL long before it commits."""
    wal = Path(f"{db}-wal")
    return lambda: wal.exists() and wal.stat().st_size > size


def freeze_midway(process: subprocess.Popen, unfinished: Callable[[], bool]) -> None:
    """Stop the process and its workers (SIGSTOP) and make sure what it does is still
    unfinished (for a database: a reader does not yet see its commit); a signal sent
    next lands in the middle of the work, not after it."""
    os.killpg(process.pid, signal.SIGSTOP)
    if process.poll() is not None or not unfinished():
        pytest.fail("the command finished before it could be interrupted; give it more work")


def committed(db: Path, sql: str) -> object:
    """What a reader sees now: only committed transactions (WAL readers never block)."""
    conn = sqlite3.connect(db)
    try:
        return conn.execute(sql).fetchone()[0]
    finally:
        conn.close()


# -- looking at a database from outside ---------------------------------------------


def snapshot(db: Path) -> dict[str, str]:
    """Schema, version and a digest of every table's rows (the `meta` table of request
    times aside), read with plain sqlite3: equal snapshots, equal databases."""
    with sqlite3.connect(db) as conn:
        tables = [
            row[0]
            for row in conn.execute(
                "SELECT name FROM sqlite_master WHERE type = 'table' AND name != 'meta'"
                " ORDER BY name"
            )
        ]
        state = {
            "user_version": str(conn.execute("PRAGMA user_version").fetchone()[0]),
            "schema": repr(conn.execute("SELECT * FROM sqlite_master ORDER BY name").fetchall()),
        }
        for table in tables:
            rows = sorted(map(repr, conn.execute(f'SELECT * FROM "{table}"')))
            state[table] = hashlib.sha256("\n".join(rows).encode()).hexdigest()
    return state


PUBLICATIONS = "SELECT count(*) FROM publications"


def count(db: Path, table: str = "publications") -> int:
    with sqlite3.connect(db) as conn:
        return conn.execute(f"SELECT count(*) FROM {table}").fetchone()[0]


def citekeys(db: Path) -> set[str]:
    with sqlite3.connect(db) as conn:
        return {row[0] for row in conn.execute("SELECT citekey FROM publications")}


def damage(db: Path, *statements: str) -> None:
    """Changes made behind pubdb's back: plain sqlite3, foreign keys off."""
    with sqlite3.connect(db) as conn:
        for statement in statements:
            conn.execute(statement)


@pytest.fixture(scope="module")
def big_bib(tmp_path_factory) -> Path:
    return write_bib(tmp_path_factory.mktemp("big"), "big", BIG)


@pytest.fixture(scope="module")
def medium_bib(tmp_path_factory) -> Path:
    return write_bib(tmp_path_factory.mktemp("medium"), "medium", MEDIUM)


@pytest.fixture(scope="module")
def exported_db(tmp_path_factory, medium_bib) -> Path:
    folder = tmp_path_factory.mktemp("exported")
    db = folder / "pubdb.db"
    result = pubdb(db, "import", str(medium_bib))
    assert result.returncode == 0, result.stderr
    return db


@pytest.fixture
def small_db(tmp_path) -> Path:
    db = tmp_path / "pubdb.db"
    result = pubdb(db, "import", str(write_bib(tmp_path, "base", 20)))
    assert result.returncode == 0, result.stderr
    return db


# -- concurrency ---------------------------------------------------------------------


def test_eight_writers_at_once_lose_nothing_and_never_see_a_lock(tmp_path, small_db, arxiv, start):
    teams = [f"team{n}" for n in range(4)]
    commands = [("import", str(write_bib(tmp_path, team, 300))) for team in teams]
    commands += [("edit", f"base{n}", "--set", f"note=Edited by writer {n}") for n in (3, 7)]
    commands += [("add", "2206.06921"), ("add", "1707.08567")]
    assert len(commands) == 8

    processes = [start(small_db, *command) for command in commands]
    results = [finish(process) for process in processes]

    for (code, _, stderr), command in zip(results, commands, strict=True):
        assert code == 0, (command, stderr)
        assert "locked" not in stderr.lower() and "busy" not in stderr.lower(), stderr
    expected = {f"base{n}" for n in range(20)} | {f"{t}{n}" for t in teams for n in range(300)}
    keys = citekeys(small_db)
    assert len(keys) == count(small_db) == 20 + 4 * 300 + 2
    assert expected <= keys
    for n in (3, 7):
        shown = json.loads(pubdb(small_db, "show", f"base{n}", "--json").stdout)
        assert shown["note"] == f"Edited by writer {n}"
    for arxiv_id in ("2206.06921", "1707.08567"):
        assert pubdb(small_db, "show", arxiv_id).returncode == 0
    checked = pubdb(small_db, "check")
    assert checked.returncode == 0, checked.stdout


def test_edits_of_one_record_at_once_all_survive(small_db, start):
    names = ["isbn", "series", "edition", "address", "howpublished", "school", "eprint", "key"]
    processes = [start(small_db, "edit", "base5", "--set", f"{n}=v-{n}") for n in names]
    for (code, _, stderr), name in zip(map(finish, processes), names, strict=True):
        assert code == 0, (name, stderr)
    shown = json.loads(pubdb(small_db, "show", "base5", "--json").stdout)
    assert {name: shown.get("fields", {}).get(name) for name in names} == {
        name: f"v-{name}" for name in names
    }
    assert set(names) <= set(shown["locked"])  # each edit survives a later refresh


def test_old_database_opened_by_many_processes_at_once_migrates_once(tmp_path, start):
    db = tmp_path / "v2.db"
    old_database(db, "m003_people")
    new = write_bib(tmp_path, "fresh", 5)
    commands = [("list",), ("search", "green"), ("import", str(new)), ("list", "--json")]
    commands += [("edit", "boulle2022", "--set", "note=seen"), ("check",)]

    processes = [start(db, *command) for command in commands]
    results = [finish(process) for process in processes]

    for (code, _, stderr), command in zip(results, commands, strict=True):
        assert code == 0, (command, stderr)
    with sqlite3.connect(db) as conn:
        assert conn.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION
        applied = [row[0] for row in conn.execute("SELECT name FROM _sqlite_migrations")]
    assert applied == list(MIGRATION_NAMES)  # each step once
    assert count(db) == len(OLD_RECORDS) + 5


# -- killed mid-write -----------------------------------------------------------------


@pytest.mark.parametrize("group", [True, False], ids=["process-group", "main-process-only"])
def test_import_killed_midway_leaves_the_database_as_before(
    tmp_path, small_db, big_bib, start, group, monkeypatch
):
    monkeypatch.setenv("PUBDB_WORKERS", "2")  # a big file is parsed by forked workers
    monkeypatch.setenv("PUBDB_SQLITE_CACHE_MB", "2")  # pages spill into the WAL midway
    before = snapshot(small_db)
    process = start(small_db, "import", str(big_bib))
    wait_for(wal_past(small_db, 2_000_000), "the import to write")
    freeze_midway(process, lambda: committed(small_db, PUBLICATIONS) == 20)
    children = Path(f"/proc/{process.pid}/task/{process.pid}/children")
    if children.exists():
        assert len(children.read_text().split()) == 2  # the workers are there to kill
    if group:
        os.killpg(process.pid, signal.SIGKILL)
    else:  # `kill -9 PID`: the parse workers must notice and exit on their own
        os.kill(process.pid, signal.SIGKILL)
        os.killpg(process.pid, signal.SIGCONT)
    code, _, _ = finish(process)  # returns once every holder of its pipes has exited
    assert code == -signal.SIGKILL

    assert snapshot(small_db) == before
    checked = pubdb(small_db, "check")
    assert checked.returncode == 0, checked.stdout
    more = pubdb(small_db, "import", str(write_bib(tmp_path, "after", 50)))
    assert more.returncode == 0, more.stderr  # and the database takes writes again
    assert count(small_db) == 20 + 50


def test_import_interrupted_with_ctrl_c_says_so_and_saves_nothing(
    small_db, big_bib, start, monkeypatch
):
    monkeypatch.setenv("PUBDB_WORKERS", "2")
    monkeypatch.setenv("PUBDB_SQLITE_CACHE_MB", "2")
    before = snapshot(small_db)
    process = start(small_db, "import", str(big_bib))
    wait_for(wal_past(small_db, 2_000_000), "the import to write")
    freeze_midway(process, lambda: committed(small_db, PUBLICATIONS) == 20)
    os.killpg(process.pid, signal.SIGINT)  # what Ctrl-C in a terminal sends
    os.killpg(process.pid, signal.SIGCONT)
    code, out, err = finish(process)

    assert code == 130
    assert out == ""
    # The last word is pubdb's. (Before it, parse workers that were busy may still print
    # their own KeyboardInterrupt: they should ignore SIGINT and leave it to the parent.)
    assert err.splitlines()[-1] == "pubdb: interrupted; nothing was saved from the unfinished step"
    assert snapshot(small_db) == before
    assert pubdb(small_db, "check").returncode == 0


def test_migration_killed_midway_leaves_the_old_database(tmp_path, start):
    db = tmp_path / "v2.db"
    old_database(db, "m003_people", extra=BIG)
    before = snapshot(db)
    process = start(db, "list", "--limit", "1")  # any command migrates first
    wait_for(wal_past(db, 3_000_000), "the migration to write")
    freeze_midway(process, lambda: committed(db, "PRAGMA user_version") == 2)
    os.killpg(process.pid, signal.SIGKILL)
    finish(process)

    assert snapshot(db) == before  # still version 2, every row as it was
    listed = pubdb(db, "list", "--limit", "1")  # migrates, this time to the end
    assert listed.returncode == 0, listed.stderr
    assert committed(db, "PRAGMA user_version") == SCHEMA_VERSION
    assert count(db) == len(OLD_RECORDS) + BIG
    assert count(db, "person_names") == 5000 + 5  # m003 ran in full this time
    shown = json.loads(pubdb(db, "show", "old12345", "--json").stdout)
    assert shown["title"] == "Old paper 12345"
    assert [a["name"] for a in shown["authors"]] == [f"Author{n}, Ann" for n in (2345, 2346, 2347)]
    checked = pubdb(db, "check")
    assert checked.returncode == 0, checked.stdout


def test_export_killed_midway_leaves_the_previous_file(tmp_path, exported_db, start):
    folder = tmp_path / "out"
    folder.mkdir()
    target = folder / "all.bib"
    target.write_text("% the previous export\n", encoding="utf-8")
    (folder / "notes.txt").write_text("mine\n", encoding="utf-8")

    def partial_export_written() -> bool:
        temporaries = list(folder.glob(".all.bib.*.tmp"))
        return bool(temporaries) and temporaries[0].stat().st_size > 200_000

    process = start(exported_db, "export", "--bibtex", "-o", str(target))
    wait_for(partial_export_written, "the export to write")
    freeze_midway(process, lambda: target.read_bytes() == b"% the previous export\n")
    os.killpg(process.pid, signal.SIGKILL)
    finish(process)

    assert target.read_text(encoding="utf-8") == "% the previous export\n"
    assert (folder / "notes.txt").read_text(encoding="utf-8") == "mine\n"
    leftovers = {p.name for p in folder.iterdir()} - {"all.bib", "notes.txt"}
    assert len(leftovers) == 1  # the half-written export: hidden, named as temporary
    assert all(name.startswith(".all.bib.") and name.endswith(".tmp") for name in leftovers)

    finished = pubdb(exported_db, "export", "--bibtex", "-o", str(target))  # and again
    assert finished.returncode == 0, finished.stderr
    assert target.read_text(encoding="utf-8").count("@article{") == MEDIUM


def test_export_replaces_only_the_named_file(tmp_path, small_db):
    folder = tmp_path / "out"
    folder.mkdir()
    (folder / "notes.txt").write_text("mine\n", encoding="utf-8")
    (folder / "cv.md").write_text("old\n", encoding="utf-8")
    os.chmod(folder / "cv.md", 0o640)
    result = pubdb(small_db, "export", "--format", "markdown", "-o", str(folder / "cv.md"))
    assert result.returncode == 0, result.stderr
    assert sorted(p.name for p in folder.iterdir()) == ["cv.md", "notes.txt"]
    assert "base study 3" in (folder / "cv.md").read_text(encoding="utf-8")
    assert (folder / "cv.md").stat().st_mode & 0o777 == 0o640  # its permissions kept
    assert (folder / "notes.txt").read_text(encoding="utf-8") == "mine\n"


def test_export_through_a_symlink_updates_the_file_it_points_to(tmp_path, small_db):
    """`bib/all.bib -> ~/papers/all.bib`: the link stays a link, its target is replaced."""
    real = tmp_path / "papers" / "all.bib"
    real.parent.mkdir()
    real.write_text("% old\n", encoding="utf-8")
    link = tmp_path / "bib" / "all.bib"
    link.parent.mkdir()
    link.symlink_to(real)

    result = pubdb(small_db, "export", "--bibtex", "-o", str(link))
    assert result.returncode == 0, result.stderr
    assert link.is_symlink() and link.resolve() == real.resolve()
    assert real.read_text(encoding="utf-8").count("@article{") == 20
    assert sorted(p.name for p in real.parent.iterdir()) == ["all.bib"]  # no temporaries
    assert sorted(p.name for p in link.parent.iterdir()) == ["all.bib"]


# -- backup and check -----------------------------------------------------------------


def test_backups_while_another_process_imports_are_consistent_snapshots(
    tmp_path, small_db, medium_bib, start
):
    folder = tmp_path / "backups"
    folder.mkdir()

    def backup() -> Path:
        copy = folder / f"copy{len(copies)}.db"
        result = pubdb(small_db, "backup", str(copy))
        assert result.returncode == 0, result.stderr
        assert result.stdout == f"backed up {small_db} to {copy}\n"
        copies.append(copy)
        return copy

    copies: list[Path] = []
    process = start(small_db, "import", str(medium_bib))
    wait_for(wal_past(small_db, 1_000_000), "the import to write")
    freeze_midway(process, lambda: committed(small_db, PUBLICATIONS) == 20)
    backup()  # while the import holds the write lock with pages in the WAL
    os.killpg(process.pid, signal.SIGCONT)
    while process.poll() is None:  # and while it runs on, up to and across its commit
        backup()
    code, _, stderr = finish(process)
    assert code == 0, stderr
    backup()

    assert sorted(p.name for p in folder.iterdir()) == sorted(c.name for c in copies)
    for copy in copies:  # each one plain, self-contained file: no -wal, no temporaries
        with sqlite3.connect(copy) as conn:
            assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
            assert conn.execute("PRAGMA journal_mode").fetchone()[0] == "delete"
        assert count(copy) in (20, 20 + MEDIUM), copy
    assert (count(copies[0]), count(copies[-1])) == (20, 20 + MEDIUM)
    for copy in (copies[0], copies[-1]):
        checked = pubdb(copy, "check")
        assert checked.returncode == 0, checked.stdout


def test_backup_to_a_directory_is_a_one_line_error(tmp_path, small_db):
    result = pubdb(small_db, "backup", str(tmp_path))
    assert result.returncode == 2
    assert result.stderr.count("\n") == 1 and "is a directory" in result.stderr


def test_check_reports_a_healthy_database(small_db):
    result = pubdb(small_db, "check")
    assert result.returncode == 0
    assert result.stderr == ""
    lines = result.stdout.splitlines()
    for part in ("integrity", "foreign keys", "schema version", "search index", "orphan people"):
        assert any(line.startswith(f"ok   {part}") for line in lines), result.stdout
    assert f"schema version: {SCHEMA_VERSION}" in result.stdout
    assert "search index: 20 indexed" in result.stdout


def test_check_finds_a_stale_search_index_and_repair_rebuilds_it(small_db):
    def found_by_title() -> set[str]:
        found = pubdb(small_db, "search", "base study naive", "--json")
        return {record["citekey"] for record in json.loads(found.stdout)}

    damage(small_db, "DELETE FROM publications_fts WHERE rowid IN (1, 2)")
    assert found_by_title() == {f"base{n}" for n in range(2, 20)}  # two lost to search
    found = pubdb(small_db, "check")
    assert found.returncode == 1
    assert "FAIL search index: 2 publications out of date" in found.stdout
    repaired = pubdb(small_db, "check", "--repair")
    assert repaired.returncode == 0
    assert "fixed search index rebuilt" in repaired.stdout
    assert pubdb(small_db, "check").returncode == 0
    assert found_by_title() == {f"base{n}" for n in range(20)}


def test_check_finds_orphan_people_and_repair_removes_them(small_db):
    damage(
        small_db,
        "INSERT INTO people (name, name_key, created_at)"
        " VALUES ('Nobody Here', 'nobody here', 't')",
    )
    found = pubdb(small_db, "check")
    assert found.returncode == 1 and "FAIL orphan people: 1 without papers" in found.stdout
    assert "removed 1 orphan people" in pubdb(small_db, "check", "--repair").stdout
    assert pubdb(small_db, "check").returncode == 0


def test_check_finds_an_author_who_does_not_exist_and_repair_fixes_only_the_rest(small_db):
    damage(
        small_db,
        "INSERT INTO authorships (publication_id, position, person_id, name, given, family)"
        " VALUES ((SELECT id FROM publications WHERE citekey = 'base0'), 9, 999999,"
        " 'Ghost, Gus', 'Gus', 'Ghost')",
    )
    found = pubdb(small_db, "check")
    assert found.returncode == 1
    assert "FAIL foreign keys: authorships row" in found.stdout
    assert "(of base0) -> people" in found.stdout  # which publication holds the bad link
    assert "FAIL search index: 1 publications out of date" in found.stdout  # its new author

    repaired = pubdb(small_db, "check", "--repair")
    assert "fixed search index rebuilt" in repaired.stdout  # what it can fix, it does
    assert repaired.returncode == 1  # the link it cannot: no guessing who Ghost is
    assert "ok   search index" in repaired.stdout
    assert "FAIL foreign keys" in repaired.stdout
    assert count(small_db) == 20 and count(small_db, "authorships") > 20  # nothing deleted


def test_check_reports_a_damaged_file_and_repair_leaves_it_alone(small_db):
    with sqlite3.connect(small_db) as conn:
        conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        page_size = conn.execute("PRAGMA page_size").fetchone()[0]
        root = conn.execute(
            "SELECT rootpage FROM sqlite_master WHERE name = 'idx_publications_year'"
        ).fetchone()[0]
    with open(small_db, "r+b") as file:  # a disk error in one index page
        file.seek((root - 1) * page_size)
        file.write(b"\xff" * 16)
    damaged = small_db.read_bytes()

    found = pubdb(small_db, "check")
    assert found.returncode == 1
    assert "Traceback" not in found.stderr
    assert found.stdout.startswith("FAIL integrity: ")
    repaired = pubdb(small_db, "check", "--repair")
    assert repaired.returncode == 1
    assert "fixed" not in repaired.stdout
    assert repaired.stderr.startswith("pubdb: not repaired: the database file itself is damaged")
    assert small_db.read_bytes() == damaged


# -- older databases ----------------------------------------------------------------

OLD_RECORDS = [
    # citekey, title, year, doi, arxiv id, authors (name, given, family, person id)
    ("boulle2022", "Learning Green's functions", 2022, "10.1137/21m1411234", None,
     [("Boullé, Nicolas", "Nicolas", "Boullé", 5), ("Townsend, Alex", "Alex", "Townsend", 6)]),
    ("oedegaard2019", "Hyperbolic tilings of the plane", 2019, None, None,
     [("Ødegård, Kari", "Kari", "Ødegård", 7)]),
    ("jelassi2022", "Vision transformers provably learn spatial structure", 2022, None,
     "2210.09221", [("Jelassi, Samy", "Samy", "Jelassi", 8), ("Boullé, N.", "N.", "Boullé", 5)]),
]  # fmt: skip


def old_database(path: Path, stop_before: str, *, extra: int = 0) -> None:
    """A database as an older pubdb left it: only the migrations before ``stop_before``,
    in WAL mode, holding OLD_RECORDS (and ``extra`` plain records) written as that
    version wrote them; for version 3 the data went in at version 2 and m003 moved it."""
    conn = sqlite3.connect(path, isolation_level=None)
    conn.execute("PRAGMA journal_mode = WAL")
    database = sqlite_utils.Database(conn)
    migrations.migrations.apply(database, stop_before="m003_people")
    conn.execute("BEGIN")
    for n, (key, title, year, doi, arxiv_id, authors) in enumerate(OLD_RECORDS, start=1):
        conn.execute(
            "INSERT INTO publications (id, citekey, entry_type, kind, title, year, doi,"
            " arxiv_id, source, created_at, updated_at)"
            " VALUES (?, ?, 'article', 'journal', ?, ?, ?, ?, 'bibtex', 't', 't')",
            (n, key, title, year, doi, arxiv_id),
        )
        for position, (name, given, family, person) in enumerate(authors):
            conn.execute(
                "INSERT OR IGNORE INTO people (id, name, given, family, name_key, created_at)"
                " VALUES (?, ?, ?, ?, '', 't')",
                (person, name, given, family),
            )
            conn.execute(
                "INSERT INTO authorships (publication_id, position, person_id, name, given,"
                " family) VALUES (?, ?, ?, ?, ?, ?)",
                (n, position, person, name, given, family),
            )
    first = len(OLD_RECORDS) + 1
    conn.executemany(
        "INSERT INTO people (id, name, given, family, name_key, created_at)"
        " VALUES (?, ?, ?, ?, '', 't')",
        [(100 + i, f"Author{i}, Ann", "Ann", f"Author{i}") for i in range(min(extra, 5000))],
    )
    conn.executemany(
        "INSERT INTO publications (id, citekey, title, year, source, created_at, updated_at)"
        " VALUES (?, ?, ?, ?, 'bibtex', 't', 't')",
        [(first + i, f"old{i}", f"Old paper {i}", 1990 + i % 30) for i in range(extra)],
    )
    conn.executemany(
        "INSERT INTO authorships (publication_id, position, person_id, name, given, family)"
        " VALUES (?, ?, ?, ?, ?, ?)",
        [
            (first + i, p, 100 + (i + p) % 5000, f"Author{(i + p) % 5000}, Ann", "Ann",
             f"Author{(i + p) % 5000}")
            for i in range(extra)
            for p in range(3)
        ],
    )  # fmt: skip
    conn.execute("COMMIT")
    conn.execute("PRAGMA user_version = 2")
    if stop_before != "m003_people":
        migrations.migrations.apply(database, stop_before=stop_before)
        conn.execute(f"PRAGMA user_version = {MIGRATION_NAMES.index(stop_before)}")
    conn.close()


def test_version_three_database_made_from_a_current_one_migrates(tmp_path, small_db):
    """m004 only adds indexes: a current database without them is what pubdb 3 wrote,
    search index and people included."""
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


@pytest.mark.parametrize(
    ("version", "stop_before"),
    [
        (2, "m003_people"),
        (3, "m004_network_indexes"),
        (4, "m005_people_affiliations"),
        (5, "m006_search_tokens"),
        (8, "m009_coauthor_graph"),
    ],
)
def test_older_database_with_papers_and_people_migrates_keeping_everything(
    tmp_path, version, stop_before
):
    db = tmp_path / f"v{version}.db"
    old_database(db, stop_before)
    with sqlite3.connect(db) as conn:
        assert conn.execute("PRAGMA user_version").fetchone()[0] == version

    listed = pubdb(db, "list", "--json")
    assert listed.returncode == 0, listed.stderr
    records = {record["citekey"]: record for record in json.loads(listed.stdout)}
    assert set(records) == {old[0] for old in OLD_RECORDS}
    for key, title, year, doi, arxiv_id, authors in OLD_RECORDS:
        record = records[key]
        assert (record["title"], record["year"]) == (title, year)
        assert (record.get("doi"), record.get("arxiv_id")) == (doi, arxiv_id)
        assert [a["name"] for a in record["authors"]] == [a[0] for a in authors]

    for query, key in [("green boulle", "boulle2022"), ("odegard tilings", "oedegaard2019"),
                       ("spatial jelassi", "jelassi2022")]:  # fmt: skip
        found = pubdb(db, "search", query, "--json")
        assert [r["citekey"] for r in json.loads(found.stdout)] == [key], query
    by_author = pubdb(db, "list", "--author", "N. Boulle").stdout  # m003's name variants
    assert "boulle2022" in by_author and "jelassi2022" in by_author
    with sqlite3.connect(db) as conn:
        assert conn.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION
        applied = [row[0] for row in conn.execute("SELECT name FROM _sqlite_migrations")]
    assert applied == list(MIGRATION_NAMES)
    checked = pubdb(db, "check")
    assert checked.returncode == 0, checked.stdout
