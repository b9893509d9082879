"""A library that cannot be written: reading commands work and write nothing (no switch
to WAL, no migration), writing commands say it is read-only in one line.

How read-only is made, honestly, although tests run as root (whom file permissions do
not stop):
- "read-only mount": the library's folder is bind-mounted read-only in a private mount
  namespace (`unshare -m` + `mount -o remount,bind,ro`), and pubdb runs inside it. The
  kernel refuses every write (EROFS), to root too; no -shm file can be made.
- "read-only file": the file is mode 0444 in a folder anyone may write, and pubdb runs
  as the unprivileged user nobody (`setpriv --reuid`).
Each is skipped with its reason where the machine cannot provide it.
"""

from __future__ import annotations

import os
import shutil
import sqlite3
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest

from pubdb.store.schema import SCHEMA_VERSION

PUBDB = str(Path(sys.executable).parent / "pubdb")
SEEDS = Path(__file__).resolve().parents[1] / "bib" / "seeds.bib"
NOBODY = 65534

_MOUNT_READ_ONLY = 'mount --bind "$0" "$0" && mount -o remount,bind,ro "$0" && exec "$@"'


def _works(command: list[str]) -> bool:
    try:
        return subprocess.run(command, capture_output=True, timeout=30).returncode == 0
    except (OSError, subprocess.SubprocessError):
        return False


def _can_mount_read_only() -> str | None:
    if not shutil.which("unshare"):
        return "unshare is not installed"
    with tempfile.TemporaryDirectory() as folder:
        probe = ["unshare", "-m", "sh", "-c", _MOUNT_READ_ONLY, folder, "sh", "-c",
                 f"! touch {folder}/x 2>/dev/null"]  # fmt: skip
        return None if _works(probe) else "no private read-only bind mount here"


def _can_run_as_nobody() -> str | None:
    if not shutil.which("setpriv"):
        return "setpriv is not installed"
    if os.geteuid() != 0:
        return "only root can switch to the user nobody"
    probe = ["setpriv", f"--reuid={NOBODY}", f"--regid={NOBODY}", "--clear-groups",
             PUBDB, "--help"]  # fmt: skip
    return None if _works(probe) else "pubdb cannot run as nobody here (permissions)"


class ReadOnly:
    """Runs pubdb where ``db`` cannot be written."""

    def __init__(self, kind: str, db: Path):
        self.kind, self.db = kind, db

    def prefix(self) -> list[str]:
        if self.kind == "read-only mount":
            return ["unshare", "-m", "sh", "-c", _MOUNT_READ_ONLY, str(self.db.parent)]
        return ["setpriv", f"--reuid={NOBODY}", f"--regid={NOBODY}", "--clear-groups"]

    def run(self, *args: str, program: list[str] | None = None) -> subprocess.CompletedProcess:
        env = {**os.environ, "PUBDB_DB": str(self.db), "PUBDB_ARXIV_URL": "http://127.0.0.1:9/"}
        return subprocess.run(
            [*self.prefix(), *(program or [PUBDB]), *args],
            capture_output=True, text=True, timeout=120, env=env, cwd=self.db.parent.parent,
        )  # fmt: skip


def writable(db: Path, *args: str) -> subprocess.CompletedProcess:
    env = {**os.environ, "PUBDB_DB": str(db)}
    return subprocess.run([PUBDB, *args], capture_output=True, text=True, timeout=120, env=env)


@pytest.fixture(scope="module")
def seeded_file() -> Iterator[Path]:
    """A library holding the seeds, closed cleanly (no -wal or -shm left)."""
    with tempfile.TemporaryDirectory() as folder:
        db = Path(folder) / "seeds.db"
        result = writable(db, "import", str(SEEDS))
        assert result.returncode == 0, result.stderr
        assert sorted(p.name for p in Path(folder).iterdir()) == ["seeds.db"]
        yield db


@pytest.fixture(params=["read-only mount", "read-only file"])
def read_only(request, seeded_file) -> Iterator[ReadOnly]:
    kind = request.param
    missing = _can_mount_read_only() if kind == "read-only mount" else _can_run_as_nobody()
    if missing:
        pytest.skip(missing)
    top = Path(tempfile.mkdtemp(prefix="pubdb-ro-", dir="/tmp"))  # not pytest's 0700 dir
    try:
        os.chmod(top, 0o755)
        folder = top / "library"
        folder.mkdir()
        db = folder / "pubdb.db"
        shutil.copyfile(seeded_file, db)
        if kind == "read-only file":
            os.chmod(folder, 0o777)
            os.chmod(db, 0o444)
        yield ReadOnly(kind, db)
    finally:
        shutil.rmtree(top)


READING = {
    "list": ("list",),
    "show": ("show", "jelassi2024repeat"),
    "show --json": ("show", "jelassi2024repeat", "--json"),
    "search": ("search", "transformers"),
    "export": ("export", "--bibtex"),
    "export a CV list": ("export", "--format", "markdown", "--author", "Samy Jelassi"),
    "coauthors": ("coauthors", "Samy Jelassi"),
    "authors": ("authors", "Li"),
    "path": ("path", "Samy Jelassi", "Yuanzhi Li"),
    "check": ("check",),
}


@pytest.mark.parametrize("args", READING.values(), ids=READING)
def test_reading_commands_work_and_write_nothing(read_only, seeded_file, args):
    before = read_only.db.read_bytes()
    result = read_only.run(*args)
    assert result.returncode == 0, result.stderr
    assert result.stderr == ""
    assert result.stdout == writable(seeded_file, *args).stdout
    assert read_only.db.read_bytes() == before


def test_info_says_read_only(read_only):
    result = read_only.run("info")
    assert result.returncode == 0, result.stderr
    assert "read-only: yes (reading commands work; writing ones are refused)" in result.stdout
    assert "publications: 23" in result.stdout


WRITING = {
    "add": ("add", "2206.06921"),
    "import": ("import", str(SEEDS)),
    "import --dry-run": ("import", "--dry-run", str(SEEDS)),
    "refresh": ("refresh",),
    "edit": ("edit", "jelassi2024repeat", "--set", "note=x"),
    "rm": ("rm", "jelassi2024repeat"),
    "merge": ("merge", "jelassi2024repeat", "jelassi2023length"),
    "author alias": ("author", "alias", "Samy Jelassi", "Samy J."),
    "check --repair": ("check", "--repair"),
}


@pytest.mark.parametrize("args", WRITING.values(), ids=WRITING)
def test_writing_commands_say_the_library_is_read_only(read_only, args):
    before = read_only.db.read_bytes()
    result = read_only.run(*args)
    assert result.returncode == 1
    assert result.stderr == (
        f"pubdb: {read_only.db} is read-only; this command changes the library"
        " (reading commands work)\n"
    )
    assert result.stdout == ""
    assert read_only.db.read_bytes() == before


def test_an_older_library_that_is_read_only_says_it_needs_upgrading(read_only):
    with sqlite3.connect(read_only.db) as conn:  # as root, before the test reads it
        conn.execute("PRAGMA user_version = 3")
    conn.close()
    result = read_only.run("list")
    assert result.returncode == 1
    assert result.stderr == (
        f"pubdb: {read_only.db} is from an older pubdb (schema version 3, now {SCHEMA_VERSION})"
        " and is"
        " read-only; open it once where it can be written to upgrade it\n"
    )


def test_unsaved_changes_in_a_read_only_folder_are_said_not_ignored(tmp_path):
    """A WAL file with changes not yet in the database, in a read-only folder: SQLite
    cannot open its -shm, and reading the file alone would silently miss them."""
    missing = _can_mount_read_only()
    if missing:
        pytest.skip(missing)
    folder = tmp_path / "library"
    folder.mkdir()
    db = folder / "pubdb.db"
    assert writable(db, "import", str(SEEDS)).returncode == 0
    writer = sqlite3.connect(db)
    writer.execute("PRAGMA wal_autocheckpoint = 0")
    writer.execute("UPDATE publications SET note = 'unsaved' WHERE citekey = 'jelassi2024repeat'")
    writer.commit()
    snapshot = tmp_path / "snapshot"
    snapshot.mkdir()
    shutil.copyfile(db, snapshot / "pubdb.db")
    shutil.copyfile(f"{db}-wal", snapshot / "pubdb.db-wal")
    writer.close()
    assert (snapshot / "pubdb.db-wal").stat().st_size > 0

    result = ReadOnly("read-only mount", snapshot / "pubdb.db").run("list")
    assert result.returncode == 1
    assert result.stderr == (
        f"pubdb: cannot read {snapshot / 'pubdb.db'}: its folder is read-only and"
        f" {snapshot / 'pubdb.db-wal'} holds changes not yet in it; open it once where it"
        " can be written\n"
    )


LIBRARY_SCRIPT = """
import sys
from pubdb import Library
from pubdb.errors import DatabaseError
with Library(sys.argv[1]) as library:
    print(library.read_only, library.count(), library.get("jelassi2024repeat").year)
    try:
        library.edit("jelassi2024repeat", [("note", "x")])
    except DatabaseError as error:
        print(error)
"""


def test_library_reads_a_read_only_file_and_refuses_writes(read_only):
    result = read_only.run(read_only.db.as_posix(), program=[sys.executable, "-c", LIBRARY_SCRIPT])
    assert result.returncode == 0, result.stderr
    assert result.stdout.splitlines() == [
        "True 23 2024",
        f"{read_only.db} is read-only; this command changes the library (reading commands work)",
    ]
