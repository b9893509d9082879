"""The SQLite layer: schema and migrations, refusing what it does not understand,
atomic writes, and behaviour under another writer's lock."""

from __future__ import annotations

import io
import sqlite3
import subprocess
import sys
import threading
import time

import pytest
import sqlite_utils

import pubdb.store.connection
from pubdb.errors import DatabaseError, UsageError
from pubdb.library import Library
from pubdb.models import Author, Publication
from pubdb.papers import adding
from pubdb.papers.importing import import_files
from pubdb.store import latest_schema, migrations
from pubdb.store import publications as store
from pubdb.store.connection import connect, get_meta, set_meta, write_transaction
from pubdb.store.schema import SCHEMA_VERSION

TABLES = {"publications", "people", "authorships", "arxiv_entries", "meta"}


def plain(path) -> sqlite3.Connection:
    """A connection that is not pubdb's: no pragmas, no migrations."""
    return sqlite3.connect(path, isolation_level=None)


def count(conn: sqlite3.Connection, table: str) -> int:
    return conn.execute(f"SELECT count(*) FROM {table}").fetchone()[0]


def dump(conn: sqlite3.Connection) -> list[str]:
    # The time of the last arXiv request is remembered even when a fetch fails (so the
    # next run still waits its turn); it is the one row a failing add may write.
    return [line for line in conn.iterdump() if "arxiv_last_request" not in line]


def insert_raw(conn: sqlite3.Connection, citekey: str, **values: str) -> None:
    row = {"citekey": citekey, "source": "manual", "created_at": "t", "updated_at": "t", **values}
    columns = ", ".join(row)
    marks = ", ".join("?" for _ in row)
    conn.execute(f"INSERT INTO publications ({columns}) VALUES ({marks})", list(row.values()))


def partial_schema(path, stop_before: str, version: int) -> None:
    """A database as an older pubdb left it: migrations up to ``stop_before``."""
    conn = plain(path)
    migrations.migrations.apply(sqlite_utils.Database(conn), stop_before=stop_before)
    conn.execute(f"PRAGMA user_version = {version}")
    conn.close()


def one_line_error(result, *words: str) -> None:
    assert result.exit_code == 1
    assert result.stdout == ""
    assert result.stderr.startswith("pubdb: ")
    assert result.stderr.count("\n") == 1
    for word in words:
        assert word in result.stderr


# -- a new database ------------------------------------------------------------------


def test_new_database_is_created_with_the_full_schema(tmp_path):
    path = tmp_path / "pubdb.db"
    conn = connect(path)
    tables = {row[0] for row in conn.execute("SELECT name FROM sqlite_master WHERE type='table'")}
    assert tables >= TABLES
    assert conn.execute("PRAGMA user_version").fetchone()[0] == migrations.LATEST_VERSION
    assert conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    assert conn.execute("PRAGMA foreign_keys").fetchone()[0] == 1
    assert (
        conn.execute("PRAGMA busy_timeout").fetchone()[0] == pubdb.store.connection.BUSY_TIMEOUT_MS
    )
    conn.close()
    assert path.is_file()


def schema_of(path) -> dict:
    with plain(path) as conn:
        return {
            "objects": conn.execute(
                "SELECT type, name, tbl_name, sql FROM sqlite_master ORDER BY type, name"
            ).fetchall(),
            "version": conn.execute("PRAGMA user_version").fetchone()[0],
            "applied": conn.execute(
                "SELECT migration_set, name FROM _sqlite_migrations ORDER BY id"
            ).fetchall(),
            "rows": {  # what a step put in its tables (a counter's first value)
                table: conn.execute(f'SELECT * FROM "{table}"').fetchall()
                for (table,) in conn.execute(
                    "SELECT name FROM sqlite_master WHERE type = 'table'"
                    " AND name != '_sqlite_migrations' AND sql NOT LIKE 'CREATE VIRTUAL%'"
                )
            },
        }


def test_new_database_from_the_script_has_the_schema_the_steps_build(tmp_path, monkeypatch):
    connect(tmp_path / "script.db").close()
    monkeypatch.setattr(pubdb.store.connection, "_create_latest", lambda conn: False)
    connect(tmp_path / "steps.db").close()
    assert schema_of(tmp_path / "script.db") == schema_of(tmp_path / "steps.db")
    assert len(schema_of(tmp_path / "script.db")["applied"]) == SCHEMA_VERSION


def test_new_database_does_not_load_sqlite_utils(tmp_path):
    code = (
        "import sys; from pubdb.store.connection import connect;"
        f" connect({str(tmp_path / 'new.db')!r}).close();"
        " print('sqlite_utils' in sys.modules)"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert done.stdout.strip() == "False", done.stderr


def test_latest_schema_script_is_current():
    conn = sqlite3.connect(":memory:", isolation_level=None)
    migrations.migrations.apply(sqlite_utils.Database(conn))
    assert latest_schema.MIGRATIONS == migrations.MIGRATION_NAMES, (
        "run `python -m pubdb.store.migrations` after adding a migration step"
    )
    assert list(latest_schema.STATEMENTS) == migrations.schema_statements(conn), (
        "run `python -m pubdb.store.migrations` after adding a migration step"
    )


def test_stale_script_falls_back_to_the_steps(tmp_path, monkeypatch):
    monkeypatch.setattr(latest_schema, "MIGRATIONS", latest_schema.MIGRATIONS[:-1])
    ran = []
    real_apply = migrations.migrations.apply
    monkeypatch.setattr(migrations.migrations, "apply", lambda db: ran.append(1) or real_apply(db))
    connect(tmp_path / "pubdb.db").close()
    assert ran == [1]
    assert schema_of(tmp_path / "pubdb.db")["version"] == SCHEMA_VERSION


@pytest.mark.parametrize(
    ("configured", "kib"),
    [(None, 64 * 1024), ("8", 8 * 1024), ("lots", 64 * 1024)],
    ids=["default-64MB", "PUBDB_SQLITE_CACHE_MB=8", "not-a-number-ignored"],
)
def test_an_import_gets_a_page_cache_that_holds_it(tmp_path, monkeypatch, configured, kib):
    if configured is None:
        monkeypatch.delenv("PUBDB_SQLITE_CACHE_MB", raising=False)
    else:
        monkeypatch.setenv("PUBDB_SQLITE_CACHE_MB", configured)
    conn = connect(tmp_path / "pubdb.db")
    default = conn.execute("PRAGMA cache_size").fetchone()[0]
    bib = tmp_path / "one.bib"
    bib.write_text("@misc{one, title = {One}, year = {2020}}\n", encoding="utf-8")
    import_files(conn, [bib])
    assert conn.execute("PRAGMA cache_size").fetchone()[0] == -kib  # negative: KiB
    assert default == -2000  # SQLite's own for everything else (exports stream)
    conn.close()


def test_a_missing_folder_is_refused_not_created(tmp_path):
    path = tmp_path / "a" / "b" / "pubdb.db"
    with pytest.raises(UsageError, match=f"folder {tmp_path / 'a' / 'b'} does not exist"):
        connect(path)
    assert not (tmp_path / "a").exists()


def test_the_users_folder_is_made_on_request(tmp_path):
    """Only for the per-user default library (store/location.py)."""
    path = tmp_path / "data" / "pubdb" / "pubdb.db"
    connect(path, make_folder=True).close()
    assert path.is_file()


def test_a_missing_file_is_created_only_on_request(tmp_path):
    folder = tmp_path / "empty"
    folder.mkdir()
    with pytest.raises(DatabaseError, match=r"no library at .*pubdb\.db"):
        connect(folder / "pubdb.db", create=False)
    assert list(folder.iterdir()) == []


def test_foreign_keys_are_declared(tmp_path):
    conn = connect(tmp_path / "pubdb.db")

    def keys(table):
        return {
            (row["table"], row["from"], row["on_delete"])
            for row in conn.execute(f"PRAGMA foreign_key_list({table})")
        }

    assert keys("authorships") == {
        ("publications", "publication_id", "CASCADE"),
        ("people", "person_id", "NO ACTION"),
    }
    assert keys("arxiv_entries") == {("publications", "publication_id", "CASCADE")}


def test_foreign_keys_are_enforced(tmp_path):
    conn = connect(tmp_path / "pubdb.db")
    with pytest.raises(sqlite3.IntegrityError):
        conn.execute(
            "INSERT INTO authorships (publication_id, position, person_id, name)"
            " VALUES (12345, 0, 67890, 'Nobody')"
        )
    with write_transaction(conn):
        pub_id = store.insert_publication(conn, Publication(citekey="a2020", source="manual"))
        store.save_arxiv_entry(conn, pub_id, "2206.06921", 3, "<entry/>")
        store.delete_publication(conn, pub_id)
    assert count(conn, "arxiv_entries") == 0  # ON DELETE CASCADE


@pytest.mark.parametrize(
    "column, value",
    [("citekey", "same2020"), ("doi", "10.1000/x"), ("arxiv_id", "2206.06921")],
)
def test_unique_columns_reject_duplicates(tmp_path, column, value):
    conn = connect(tmp_path / "pubdb.db")
    first = {"citekey": "first", column: value}
    second = {"citekey": "second", column: value}
    insert_raw(conn, **first)
    with pytest.raises(sqlite3.IntegrityError, match="UNIQUE"):
        insert_raw(conn, **second)
    assert count(conn, "publications") == 1


def test_reopening_does_not_run_migrations_again(tmp_path, monkeypatch):
    path = tmp_path / "pubdb.db"
    connect(path).close()
    with plain(path) as conn:
        applied = conn.execute("SELECT name, applied_at FROM _sqlite_migrations").fetchall()
    assert len(applied) == migrations.LATEST_VERSION

    def must_not_run(conn):
        raise AssertionError("migrations ran on a current database")

    monkeypatch.setattr(pubdb.store.connection, "_apply_migrations", must_not_run)
    connect(path).close()
    with plain(path) as conn:
        assert conn.execute("SELECT name, applied_at FROM _sqlite_migrations").fetchall() == (
            applied
        )


# -- databases this pubdb must refuse ------------------------------------------------


def newer_rollback_journal_db(path) -> None:
    conn = plain(path)
    conn.execute("CREATE TABLE future (x)")
    conn.execute("INSERT INTO future VALUES ('from a later pubdb')")
    conn.execute(f"PRAGMA user_version = {migrations.LATEST_VERSION + 1}")
    conn.close()


def newer_wal_db(path) -> None:
    connect(path).close()
    conn = plain(path)
    conn.execute(f"PRAGMA user_version = {migrations.LATEST_VERSION + 1}")
    conn.close()


@pytest.mark.parametrize("make", [newer_rollback_journal_db, newer_wal_db])
def test_newer_schema_is_refused_and_left_byte_for_byte(tmp_path, run, make):
    path = tmp_path / "future.db"
    make(path)
    before = path.read_bytes()
    with pytest.raises(DatabaseError, match="newer"):
        connect(path)
    one_line_error(run("list", "--db", str(path)), "newer", str(migrations.LATEST_VERSION + 1))
    assert path.read_bytes() == before


@pytest.mark.parametrize("version", [2, migrations.LATEST_VERSION])
def test_unknown_applied_migration_is_refused(tmp_path, version):
    path = tmp_path / "branch.db"
    if version == migrations.LATEST_VERSION:
        connect(path).close()
    else:
        partial_schema(path, "m003_people", version)
    with plain(path) as conn:
        conn.execute(
            "INSERT INTO _sqlite_migrations (migration_set, name, applied_at)"
            " VALUES ('pubdb', 'm099_from_elsewhere', '2030-01-01')"
        )
    with pytest.raises(DatabaseError, match="m099_from_elsewhere"):
        connect(path)
    with plain(path) as conn:
        assert conn.execute("PRAGMA user_version").fetchone()[0] == version
        assert count(conn, "_sqlite_migrations") == version + 1  # nothing more applied


def test_unopenable_path_is_a_user_facing_error(tmp_path, run):
    blocker = tmp_path / "not-a-folder"
    blocker.write_text("a file where a folder should be")
    path = blocker / "pubdb.db"
    with pytest.raises(UsageError, match=f"folder {blocker} is not a directory"):
        Library(path)
    one_line_error(run("list", "--db", str(path)), "no library at")
    result = run("import", "--db", str(path), "refs.bib")
    assert result.exit_code == 2
    assert result.stderr == (
        f"pubdb: cannot create a library at {path}: folder {blocker} is not a directory\n"
    )


def test_file_that_is_not_a_database_is_a_user_facing_error(tmp_path, run):
    path = tmp_path / "notes.db"
    path.write_bytes(b"these are my notes, not SQLite\n" * 100)
    before = path.read_bytes()
    one_line_error(run("list", "--db", str(path)), "not a database")
    assert path.read_bytes() == before


# -- older databases are migrated ----------------------------------------------------


def test_empty_file_is_migrated(tmp_path):
    path = tmp_path / "pubdb.db"
    path.touch()
    conn = connect(path)
    assert conn.execute("PRAGMA user_version").fetchone()[0] == migrations.LATEST_VERSION
    assert {r[0] for r in conn.execute("SELECT name FROM sqlite_master")} >= TABLES


def test_version_zero_database_keeps_its_unrelated_data(tmp_path):
    path = tmp_path / "pubdb.db"
    with plain(path) as conn:
        conn.execute("CREATE TABLE notes (body TEXT)")
        conn.execute("INSERT INTO notes VALUES ('keep me')")
    conn = connect(path)
    assert conn.execute("PRAGMA user_version").fetchone()[0] == migrations.LATEST_VERSION
    assert [tuple(row) for row in conn.execute("SELECT body FROM notes")] == [("keep me",)]
    insert_raw(conn, citekey="works2024")
    assert count(conn, "publications") == 1


def test_version_one_database_with_papers_is_migrated(tmp_path):
    path = tmp_path / "pubdb.db"
    partial_schema(path, "m002_search", 1)
    with plain(path) as conn:
        insert_raw(conn, citekey="oedegaard2019", title="Hyperbolic tilings")
        conn.execute(
            "INSERT INTO people (id, name, name_key, created_at) VALUES (7, ?, '', 't')",
            ("Ødegård, Kari",),
        )
        conn.execute(
            "INSERT INTO authorships (publication_id, position, person_id, name, given, family)"
            " VALUES (1, 0, 7, 'Kari Ødegård', 'Kari', 'Ødegård')"
        )
    with Library(path) as library:
        assert library.conn.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION
        [paper] = library.search("odegard")  # m002 indexed the existing paper
        assert paper.citekey == "oedegaard2019"
        assert [a.name for a in paper.authors] == ["Kari Ødegård"]
        assert [p.citekey for p in library.publications(author="K. Odegard")] == [
            "oedegaard2019"
        ]  # m003 recorded the existing name variant


def test_version_four_database_is_migrated_keeping_people_and_affiliations(tmp_path):
    """m005 adds decisions about people and dates every affiliation's source: those a
    version 4 database holds came from arXiv."""
    path = tmp_path / "pubdb.db"
    partial_schema(path, "m005_people_affiliations", 4)
    with plain(path) as conn:
        insert_raw(conn, citekey="gould2006", title="Hot Jupiters", year="2006", month="1")
        conn.execute(
            "INSERT INTO people (id, name, given, family, name_key, created_at)"
            " VALUES (3, 'Andrzej Udalski', 'Andrzej', 'Udalski', 'andrzej udalski', 't')"
        )
        conn.execute(
            "INSERT INTO authorships (publication_id, position, person_id, name, given, family,"
            " affiliation, name_key) VALUES (1, 0, 3, 'Andrzej Udalski', 'Andrzej', 'Udalski',"
            " 'Warsaw University Observatory', 'andrzej udalski')"
        )
        conn.execute(
            "INSERT INTO person_names (person_id, name, name_key, family_len, last_key)"
            " VALUES (3, 'Andrzej Udalski', 'andrzej udalski', 1, 'udalski')"
        )
    with Library(path) as library:
        assert library.conn.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION
        profile = library.author_profile("A. Udalski")
        assert [(a.affiliation, a.year, a.source) for a in profile.affiliations] == [
            ("Warsaw University Observatory", 2006, "arxiv")
        ]
        library.set_author("Andrzej Udalski", affiliation="University of Warsaw")
        assert library.author_profile("Udalski").affiliation == "University of Warsaw"


def test_version_six_database_is_migrated_to_keep_bibtex_strings(tmp_path):
    """m007 adds the @string/@preamble tables and each record's value expressions: a
    library made before it exports as before and then imports strings."""
    path = tmp_path / "pubdb.db"
    partial_schema(path, "m007_bibtex_strings", 6)
    with plain(path) as conn:
        insert_raw(conn, citekey="old2020", title="Before", latex='{"title": "Before {S}trings"}')
    bib = tmp_path / "new.bib"
    bib.write_text('@string{j = "Journal"}\n@article{new, title = {T}, journal = j}\n', "utf-8")
    with Library(path) as library:
        assert library.conn.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION
        assert library.get("old2020").expressions == {}
        library.import_bibtex([bib])
        out = io.StringIO()
        library.export_bibtex(out)
    assert "title = {Before {S}trings}" in out.getvalue()
    assert "@string{j = {Journal}}" in out.getvalue() and "journal = j," in out.getvalue()


# -- atomic writes -------------------------------------------------------------------


@pytest.mark.parametrize("error", [RuntimeError, KeyboardInterrupt])
def test_write_transaction_rolls_back_everything(tmp_path, error):
    conn = connect(tmp_path / "pubdb.db")
    before = list(conn.iterdump())
    with pytest.raises(error), write_transaction(conn):
        set_meta(conn, "k", "v")
        publication = Publication(citekey="half2020", source="manual", authors=[Author("A B")])
        pub_id = store.insert_publication(conn, publication)
        conn.execute(
            "INSERT INTO people (id, name, name_key, created_at) VALUES (1, 'A B', 'a b', 't')"
        )
        store.insert_authorships(conn, pub_id, [Author("A B", person_id=1)])
        raise error
    assert not conn.in_transaction
    assert list(conn.iterdump()) == before
    with write_transaction(conn):  # and the connection is usable afterwards
        set_meta(conn, "k", "v")
    assert get_meta(conn, "k") == "v"


def test_failing_add_leaves_the_database_unchanged(arxiv, db_path, monkeypatch):
    with Library(db_path) as library:
        library.add(["2206.06921"])
        before = dump(library.conn)
        original = adding.store_arxiv_record
        stored = []

        def fail_on_second(conn, record, *rest):
            if stored:
                raise RuntimeError("disk on fire")
            stored.append(record.id)
            return original(conn, record, *rest)

        monkeypatch.setattr(adding, "store_arxiv_record", fail_on_second)
        with pytest.raises(RuntimeError):
            library.add(["1707.08567", "2104.12255"])
        assert len(stored) == 1  # the first new paper was written, then undone
        assert dump(library.conn) == before


# -- another writer holds the lock ---------------------------------------------------


@pytest.fixture
def locked_db(db_path, monkeypatch):
    """A current database whose write lock another connection holds; short busy timeout."""
    connect(db_path).close()
    monkeypatch.setattr(pubdb.store.connection, "BUSY_TIMEOUT_MS", 150)
    other = sqlite3.connect(db_path, isolation_level=None, check_same_thread=False)
    other.execute("BEGIN IMMEDIATE")
    yield other
    if other.in_transaction:
        other.execute("ROLLBACK")
    other.close()


def test_write_transaction_on_a_locked_database_fails_clearly(db_path, locked_db):
    conn = connect(db_path)  # reading still works under a writer's lock (WAL)
    started = time.monotonic()
    with pytest.raises(DatabaseError, match="locked"), write_transaction(conn):
        set_meta(conn, "k", "v")
    assert time.monotonic() - started < 5
    locked_db.execute("ROLLBACK")
    assert get_meta(conn, "k") is None


def test_add_on_a_locked_database_raises_database_error(arxiv, db_path, locked_db):
    with Library(db_path) as library, pytest.raises(DatabaseError, match="locked"):
        library.add(["2206.06921"])
    locked_db.execute("ROLLBACK")
    with plain(db_path) as conn:
        assert count(conn, "publications") == 0


def test_add_on_a_locked_database_is_one_line_in_the_cli(arxiv, run, db_path, locked_db):
    result = run("add", "2206.06921")
    one_line_error(result, "locked")
    locked_db.execute("ROLLBACK")
    with plain(db_path) as conn:
        assert count(conn, "publications") == 0


def test_writer_waits_for_a_briefly_held_lock(db_path, monkeypatch):
    conn = connect(db_path)
    other = sqlite3.connect(db_path, isolation_level=None, check_same_thread=False)
    other.execute("BEGIN IMMEDIATE")
    other.execute("INSERT INTO meta VALUES ('other', 'first')")
    releaser = threading.Timer(0.3, lambda: other.execute("COMMIT"))
    started = time.monotonic()
    releaser.start()
    try:
        with write_transaction(conn):
            set_meta(conn, "mine", "second")
    finally:
        releaser.join()
        other.close()
    assert time.monotonic() - started >= 0.25
    assert dict(conn.execute("SELECT key, value FROM meta").fetchall()) == {
        "other": "first",
        "mine": "second",
    }


def test_none_is_still_stored_as_null(tmp_path):
    conn = connect(tmp_path / "pubdb.db")
    conn.execute("CREATE TEMP TABLE probe (value)")
    conn.executemany("INSERT INTO probe VALUES (?)", [(None,), ("",), (0,)])
    rows = conn.execute("SELECT value IS NULL, typeof(value) FROM probe")
    assert [tuple(row) for row in rows] == [
        (1, "null"),
        (0, "text"),
        (0, "integer"),
    ]
    conn.close()
