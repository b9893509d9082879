"""The BibTeX entry cache (migration m011): the default export reads each record's
stored entry while the record is unchanged and writes the others, and its output is
byte for byte what an export that writes every entry gives, after any change."""

from __future__ import annotations

import io
import json
import sqlite3
import sys
import tempfile
import threading
import time
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import pubdb.bibtex.writer
from pubdb.library import Library
from pubdb.papers.exporting import export_cached
from pubdb.store.connection import connect_read_only
from pubdb.store.schema import SCHEMA_VERSION

EDITOR = Path(__file__).resolve().with_name("fake_editor.py")

LIBRARY = r"""
@string{jgeom = {Journal of Geometry}}
@string{springer = "Springer"}

@article{abel2020flows,
  author = {Abel, Ann and Bloom, Bob},
  title = {Flows on {Riemannian} manifolds},
  journal = jgeom,
  year = 2020,
  month = mar,
  publisher = springer # { Verlag},
}

@article{abel2021flows,
  author = {Abel, A. and Bloom, Bob},
  title = {Flows on {Riemannian} manifolds, the sequel},
  journal = {J. Geom.},
  year = 2021,
  note = {Extended version},
}

@inproceedings{crane2021nets,
  author = {Crane, Cy and Abel, Ann},
  title = {Nets},
  crossref = {proc2021},
  pages = {1--9},
}

@proceedings{proc2021,
  title = {Proceedings of Things},
  booktitle = {Proceedings of Things},
  year = 2021,
  editor = {Dee, Dan},
}

@misc{bloom2022,
  author = {Bloom, B. and Ives, Ivy and {The Flow Collaboration}},
  title = {On \LaTeX\ and $x^2$ \input{/etc/passwd}},
  year = 2022,
  howpublished = {\url{https://example.org/x}},
}
"""

ARXIV_PAPER = "2104.12255"


def cached_rows(db_path: Path) -> int:
    conn = sqlite3.connect(db_path)
    try:
        return conn.execute("SELECT count(*) FROM bibtex_entries").fetchone()[0]
    finally:
        conn.close()


def publications(db_path: Path) -> int:
    conn = sqlite3.connect(db_path)
    try:
        return conn.execute("SELECT count(*) FROM publications").fetchone()[0]
    finally:
        conn.close()


def written_now(db_path: Path) -> str:
    """The export with every entry written now, no cache read or stored."""
    with Library(db_path) as library:
        out = io.StringIO()
        export_cached(library.conn, out, cache=False)
        return out.getvalue()


def exported(run, db_path: Path, *options: str) -> str:
    target = db_path.parent / "out.bib"
    result = run("--db", str(db_path), "export", "--bibtex", *options, "-o", str(target))
    assert result.exit_code == 0, result.output
    return target.read_text(encoding="utf-8")


class FormatSpy:
    """Counts the entries an export writes anew (not read from the cache)."""

    def __init__(self, monkeypatch):
        self.calls = 0
        real = pubdb.bibtex.writer.format_entry

        def counting(*args):
            self.calls += 1
            return real(*args)

        monkeypatch.setattr(pubdb.bibtex.writer, "format_entry", counting)


def assert_faithful(run, db_path: Path, spy: FormatSpy | None = None) -> str:
    """Two exports (the first stores what it writes, the second reads it all from the
    cache) both equal to the export written entry by entry."""
    expected = written_now(db_path)
    assert exported(run, db_path) == expected
    assert cached_rows(db_path) == publications(db_path)
    if spy is not None:
        spy.calls = 0
    assert exported(run, db_path) == expected
    if spy is not None:
        assert spy.calls == 0, "the second export wrote entries again"
    return expected


@pytest.fixture
def library(run, db_path, tmp_path, arxiv) -> Path:
    (tmp_path / "lib.bib").write_text(LIBRARY, encoding="utf-8")
    assert run("import", str(tmp_path / "lib.bib")).exit_code == 0
    assert run("add", ARXIV_PAPER).exit_code == 0
    assert publications(db_path) == 6
    return db_path


def publish(arxiv) -> None:  # as tests/test_library_ops.py does
    """The arXiv stand-in now answers with a new version carrying a DOI and journal ref."""
    entry = arxiv.entries[ARXIV_PAPER]
    entry = entry.replace(f"{ARXIV_PAPER}v1".encode(), f"{ARXIV_PAPER}v2".encode())
    arxiv.entries[ARXIV_PAPER] = entry.replace(
        b"</entry>",
        b"<arxiv:doi>10.1000/XYZ.123</arxiv:doi>"
        b"<arxiv:journal_ref>Proc. ICML 2022</arxiv:journal_ref></entry>",
    )


def reimport(tmp_path: Path, old: str, new: str) -> tuple[str, ...]:
    changed = tmp_path / "lib.bib"
    changed.write_text(LIBRARY.replace(old, new), encoding="utf-8")
    return ("import", str(changed))


CHANGES = {
    "edit --set note": lambda t, a: [("edit", "abel2020flows", "--set", "note=Seen on TV")],
    "edit --unset": lambda t, a: [("edit", "crane2021nets", "--unset", "pages")],
    "edit --set authors": lambda t, a: [
        ("edit", "bloom2022", "--set", "authors=B. Bloom and Ivy Ives and Cy Crane")
    ],
    "authors for a record that had none": lambda t, a: [
        ("edit", "proc2021", "--set", "authors=Dan Dee")
    ],
    "edit --set equal": lambda t, a: [("edit", "abel2020flows", "--set", "equal=1,2")],
    "edit --set citekey": lambda t, a: [("edit", "bloom2022", "--set", "citekey=bloom2022on")],
    "edit --set selected": lambda t, a: [("edit", "bloom2022", "--set", "selected=true")],
    "edit --set crossref": lambda t, a: [
        ("edit", "abel2021flows", "--set", "crossref=proc2021", "--force")
    ],
    "date change": lambda t, a: [("edit", ARXIV_PAPER, "--set", "date=2020-02-11")],
    "year change": lambda t, a: [("edit", ARXIV_PAPER, "--set", "year=2019")],
    "edit via BibTeX": lambda t, a: [("edit", "crane2021nets")],
    "rm": lambda t, a: [("rm", "proc2021")],
    "rm then add reuses the id": lambda t, a: [
        ("rm", ARXIV_PAPER),
        ("import", str(_write(t, "new.bib", "@misc{zed2023, title = {Zed}, year = 2023}"))),
    ],
    "merge with absorbed keys": lambda t, a: [("merge", "abel2020flows", "abel2021flows")],
    "author merge": lambda t, a: [("author", "merge", "Ann Abel", "Cy Crane")],
    "author alias": lambda t, a: [("author", "alias", "Bob Bloom", "B. Bloom")],
    "author split": lambda t, a: [("author", "split", "Bob Bloom", "--name", "B. Bloom")],
    "author set --family": lambda t, a: [
        ("author", "set", "Quan Thoi Minh Nguyen", "--family", "Thoi Minh Nguyen")
    ],
    "author set --name": lambda t, a: [("author", "set", "Ann Abel", "--name", "Annie Abel")],
    "refresh from arXiv": lambda t, a: publish(a) or [("refresh",)],
    "re-import updating a record": lambda t, a: [
        reimport(t, "pages = {1--9},", "pages = {1--9},\n  doi = {10.1/nets},")
    ],
    "re-import changing a @string": lambda t, a: [
        reimport(t, "{Journal of Geometry}", "{J. of Geometry}")
    ],
}


# Changes to who a written name is (not to how it is written), and to a date whose
# year and month are already written: the entries stay the same.
UNSEEN = ("author merge", "author alias", "author split", "author set --name", "date change")


def _write(folder: Path, name: str, text: str) -> Path:
    (folder / name).write_text(text, encoding="utf-8")
    return folder / name


@pytest.mark.parametrize("change", CHANGES.values(), ids=CHANGES)
def test_export_after_a_change_equals_the_export_written_anew(
    run, library, tmp_path, arxiv, monkeypatch, change
):
    steps = tmp_path / "edits.json"
    steps.write_text(json.dumps([["{Nets}", "{Neural nets}"]]))
    monkeypatch.setenv("EDITOR", f"{sys.executable} {EDITOR}")
    monkeypatch.setenv("PUBDB_TEST_EDITS", str(steps))
    spy = FormatSpy(monkeypatch)
    before = assert_faithful(run, library, spy)
    for command in change(tmp_path, arxiv):
        result = run(*command)
        assert result.exit_code == 0, (command, result.output)
    after = assert_faithful(run, library, spy)
    if change not in (CHANGES[name] for name in UNSEEN):
        assert after != before  # the change shows in the entries


def test_a_changed_record_alone_is_written_again(run, library, monkeypatch):
    spy = FormatSpy(monkeypatch)
    assert_faithful(run, library)
    assert run("edit", "abel2020flows", "--set", "note=Seen on TV").exit_code == 0
    spy.calls = 0
    text = exported(run, library)
    assert spy.calls == 1
    assert "  note = {Seen on TV}," in text


def test_options_other_than_the_default_bypass_the_cache(run, library, monkeypatch):
    assert_faithful(run, library)
    conn = sqlite3.connect(library)
    conn.execute("UPDATE bibtex_entries SET entry = 'not what the writer writes'")
    conn.commit()
    conn.close()
    for options in (["--expand-strings"], ["--al-folio"], ["--selected"]):
        assert "not what the writer writes" not in exported(run, library, *options)
    assert "not what the writer writes" in exported(run, library)  # default: cached
    assert run("check", "--repair").exit_code == 0
    assert_faithful(run, library)


def test_an_author_filter_reads_the_cache(run, library, monkeypatch):
    assert_faithful(run, library)
    spy = FormatSpy(monkeypatch)
    mine = exported(run, library, "--author", "Ann Abel")
    assert spy.calls == 0
    with Library(library) as lib:
        out = io.StringIO()
        export_cached(lib.conn, out, person_id=lib.resolve_author("Ann Abel"), cache=False)
    assert mine == out.getvalue()
    assert "@article{abel2020flows," in mine and "bloom2022" not in mine


def test_another_pubdb_version_never_reads_an_entry(run, library, monkeypatch):
    assert_faithful(run, library)
    conn = sqlite3.connect(library)
    conn.execute("UPDATE bibtex_entries SET entry = 'stale'")
    conn.commit()
    conn.close()
    monkeypatch.setattr("pubdb.version.__version__", "99.0")
    assert "stale" not in exported(run, library)
    assert cached_rows(library) == publications(library)  # now under 99.0


def test_a_changed_writer_never_reads_an_entry_of_the_old_one(run, library, monkeypatch):
    """A developer's change to the code that writes entries, without a new version."""
    from pubdb.papers import exporting

    assert_faithful(run, library)
    conn = sqlite3.connect(library)
    conn.execute("UPDATE bibtex_entries SET entry = 'stale'")
    conn.commit()
    conn.close()
    monkeypatch.setattr(exporting, "_writer_digest", lambda: "changed-writer")
    assert "stale" not in exported(run, library)


def test_the_writer_digest_covers_the_writer_and_the_defusing():
    from pubdb.papers.exporting import _WRITER_CODE, _writer_digest

    assert "bibtex/*.py" in _WRITER_CODE and "tex/*.py" in _WRITER_CODE
    assert len(_writer_digest()) == 16


def test_a_writer_during_export_never_gets_a_stale_entry_cached(run, library, monkeypatch):
    """A record edited (and committed) by another pubdb after export read it: export
    writes what it read, and does not keep it as the record's entry."""
    real_write = pubdb.bibtex.writer.write_entries

    def edit_meanwhile(entries, *rest):
        def editing():
            for number, entry in enumerate(entries):
                if number == 1:
                    with Library(library) as other:
                        other.edit("abel2020flows", [("note", "Edited meanwhile")])
                yield entry

        return real_write(editing(), *rest)

    monkeypatch.setattr(pubdb.bibtex.writer, "write_entries", edit_meanwhile)
    first = exported(run, library)
    monkeypatch.setattr(pubdb.bibtex.writer, "write_entries", real_write)
    assert "Edited meanwhile" not in first  # the snapshot export read
    assert cached_rows(library) == publications(library) - 1
    assert "Edited meanwhile" in assert_faithful(run, library)


def test_export_does_not_wait_long_for_a_busy_writer(run, library, monkeypatch):
    monkeypatch.setattr("pubdb.store.entry_cache.STORE_WAIT_MS", 200)
    holder = sqlite3.connect(library, isolation_level=None)
    holder.execute("BEGIN IMMEDIATE")
    try:
        started = time.monotonic()
        text = exported(run, library)
        assert time.monotonic() - started < 10
        assert cached_rows(library) == 0  # left to the next export
    finally:
        holder.execute("ROLLBACK")
        holder.close()
    assert text == assert_faithful(run, library)


def test_concurrent_edits_and_exports_stay_faithful(run, library):
    """A writer editing records in a loop while exports run: every export is one
    consistent state, and once the writer stops the cache gives the written export."""
    stop = threading.Event()

    def keep_editing():
        number = 0
        with Library(library) as other:
            while not stop.is_set():
                number += 1
                other.edit("crane2021nets", [("note", f"Edit {number}")])
                other.edit("abel2020flows", [("pages", f"{number}--{number + 1}")])

    writer = threading.Thread(target=keep_editing)
    writer.start()
    try:
        for _ in range(8):
            exported(run, library)
    finally:
        stop.set()
        writer.join()
    assert_faithful(run, library)


def test_a_read_only_library_reads_the_cache_and_stores_nothing(run, library):
    assert_faithful(run, library)
    assert run("edit", "abel2020flows", "--set", "note=Seen on TV").exit_code == 0
    expected = written_now(library)
    conn = connect_read_only(library)
    try:
        out = io.StringIO()
        export_cached(conn, out)
        assert out.getvalue() == expected
        entries = conn.execute("SELECT count(*) FROM bibtex_entries").fetchone()[0]
        assert entries == publications(library)  # the edited one's stale row, not renewed
        stale = conn.execute(
            "SELECT count(*) FROM bibtex_entries c JOIN publications p"
            " ON p.id = c.publication_id AND p.revision != c.revision"
        ).fetchone()[0]
        assert stale == 1
    finally:
        conn.close()


DAMAGE = {
    "entry text": "UPDATE bibtex_entries SET entry = replace(entry, 'Nets', 'Nuts')",
    "crossref flag": "UPDATE bibtex_entries SET crossref = 1 - crossref",
}


@pytest.mark.parametrize("damage", DAMAGE.values(), ids=DAMAGE)
def test_check_finds_and_repair_forgets_a_wrong_entry(run, library, damage):
    expected = assert_faithful(run, library)
    assert "ok   BibTeX entry cache: 6 entries current" in run("check").stdout
    conn = sqlite3.connect(library)
    conn.execute(damage)
    conn.commit()
    conn.close()
    result = run("check")
    assert result.exit_code == 1
    assert "FAIL BibTeX entry cache: " in result.stdout
    repaired = run("check", "--repair")
    assert "BibTeX entry cache: " in repaired.stdout and "forgotten" in repaired.stdout
    assert "ok   BibTeX entry cache" in run("check").stdout
    assert exported(run, library) == expected


def test_a_database_of_the_previous_version_migrates_and_exports(run, library, tmp_path):
    expected = assert_faithful(run, library)
    conn = sqlite3.connect(library)
    for trigger in ("publications_revision_update", "authorships_revision_update",
                    "authorships_revision_delete"):  # fmt: skip
        conn.execute(f"DROP TRIGGER {trigger}")
    conn.execute("DROP TABLE bibtex_entries")
    conn.execute("DROP TABLE publication_revisions")
    conn.execute("ALTER TABLE publications DROP COLUMN revision")
    conn.execute("DELETE FROM _sqlite_migrations WHERE name = 'm011_bibtex_entry_cache'")
    conn.execute(f"PRAGMA user_version = {SCHEMA_VERSION - 1}")
    conn.commit()
    conn.close()
    assert exported(run, library) == expected
    assert cached_rows(library) == publications(library)
    assert run("edit", "abel2020flows", "--set", "note=Later").exit_code == 0
    assert "Later" in assert_faithful(run, library)


# -- property: any sequence of changes -------------------------------------------------

OPERATIONS = [
    ("edit", "abel2020flows", "--set", "note=One"),
    ("edit", "abel2020flows", "--set", "note=Two"),
    ("edit", "crane2021nets", "--set", "title=Nets of {Things}"),
    ("edit", "bloom2022", "--set", "authors=Ivy Ives and B. Bloom"),
    ("edit", "bloom2022", "--set", "date=2023-05-01"),
    ("edit", "abel2021flows", "--set", "equal=1,2"),
    ("edit", "proc2021", "--set", "authors=Dan Dee"),
    ("edit", "abel2021flows", "--unset", "note"),
    ("rm", "proc2021"),
    ("rm", "bloom2022"),
    ("merge", "abel2020flows", "abel2021flows"),
    ("author", "merge", "Ann Abel", "Cy Crane"),
    ("author", "alias", "Bob Bloom", "B. Bloom"),
    ("author", "split", "Bob Bloom", "--name", "B. Bloom"),
    ("author", "set", "Ivy Ives", "--family", "Ives"),
    ("import", "{lib}"),
    ("import", "{changed}"),
    ("export",),
]


@settings(
    max_examples=30,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)
@given(st.lists(st.sampled_from(range(len(OPERATIONS))), min_size=1, max_size=6))
def test_any_sequence_of_changes_keeps_export_faithful(run, tmp_path, sequence):
    with tempfile.TemporaryDirectory(dir=tmp_path) as folder:
        folder = Path(folder)
        db = folder / "lib.db"
        lib = _write(folder, "lib.bib", LIBRARY)
        changed = _write(folder, "changed.bib", LIBRARY.replace("Springer", "Springer-Verlag"))
        assert run("--db", str(db), "import", str(lib)).exit_code == 0
        exported(run, db)
        for index in sequence:
            files = {"{lib}": str(lib), "{changed}": str(changed)}
            command = [files.get(part, part) for part in OPERATIONS[index]]
            if command == ["export"]:
                exported(run, db)
                continue
            run("--db", str(db), *command)  # a step may fail (a key already gone)
            assert exported(run, db) == written_now(db)
        assert_faithful(run, db)


def test_authors_inserted_for_a_record_that_had_none_renew_its_entry(run, library):
    """At the store: a paper's first authorships, with no change to its row."""
    from pubdb.models import Author
    from pubdb.store.connection import write_transaction
    from pubdb.store.publications import find_id, insert_authorships

    assert_faithful(run, library)
    with Library(library) as lib, write_transaction(lib.conn):
        pub_id = find_id(lib.conn, "citekey", "proc2021")
        person = lib.resolve_author("Ivy Ives")
        insert_authorships(lib.conn, pub_id, [Author("Ivy Ives", "Ivy", "Ives", person)])
    assert "Ives, Ivy" in assert_faithful(run, library).split("@proceedings{proc2021,")[1]
