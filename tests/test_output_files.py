"""Where `export -o` writes: a regular file is replaced atomically; a device, a FIFO or
standard output is written in place (never replaced by a plain file); a missing folder
is refused; a write that fails (a full disk) is one line naming the file and the cause.

Devices are made with mknod beside the test (a copy of /dev/null or /dev/full, same
major/minor numbers), so no test touches the system's own /dev.
"""

from __future__ import annotations

import os
import resource
import signal
import stat
import subprocess
import sys
import threading
from pathlib import Path

import pytest

PUBDB = str(Path(sys.executable).parent / "pubdb")
ENTRIES = 12


def bib(count: int) -> str:
    return "".join(
        f"@article{{paper{n},\n  author = {{Ann Author{n} and Bob Builder}},\n"
        f"  title = {{Paper number {n} on sparse kernels}},\n  journal = {{J. Tests}},\n"
        f"  year = {{{2000 + n % 25}}},\n}}\n\n"
        for n in range(count)
    )


def make_library(run, folder: Path, count: int) -> None:
    source = folder / "refs.bib"
    source.write_text(bib(count), encoding="utf-8")
    result = run("import", str(source))
    assert result.exit_code == 0, result.output


@pytest.fixture
def library(run, tmp_path, db_path):
    make_library(run, tmp_path, ENTRIES)
    return db_path


@pytest.fixture
def large_library(run, tmp_path, db_path):
    """Exports larger than the 32 KiB of SQLite's shared-memory file, so that a file-size
    limit between the two fails the export and not the database."""
    make_library(run, tmp_path, 500)
    return db_path


def device(tmp_path: Path, name: str, minor: int) -> Path:
    """A character device like /dev/null (1, 3) or /dev/full (1, 7), made here."""
    path = tmp_path / name
    try:
        os.mknod(path, stat.S_IFCHR | 0o666, os.makedev(1, minor))
    except (PermissionError, OSError) as exc:
        pytest.skip(f"cannot make a device node here: {exc}")
    return path


def pubdb(db: Path, *args: str, **options) -> subprocess.CompletedProcess:
    env = {**os.environ, "PUBDB_DB": str(db)}
    return subprocess.run([PUBDB, *args], env=env, text=True, timeout=120, check=False, **options)


def one_line_error(result, *parts: str) -> None:
    stderr = result.stderr
    assert result.exit_code == 1 if hasattr(result, "exit_code") else result.returncode == 1
    assert stderr.startswith("pubdb: ") and stderr.count("\n") == 1, stderr
    assert "Traceback" not in stderr
    for part in parts:
        assert part in stderr, stderr


# -- item 1: what is not a regular file is written in place -------------------------


def test_export_to_a_null_device_keeps_the_device(run, library, tmp_path):
    null = device(tmp_path, "null", 3)
    result = run("export", "--bibtex", "-o", str(null))
    assert result.exit_code == 0, result.output
    assert stat.S_ISCHR(null.stat().st_mode), "the device was replaced by a plain file"
    assert os.listdir(tmp_path).count("null") == 1
    assert not [p for p in os.listdir(tmp_path) if p.endswith(".tmp")]


@pytest.mark.parametrize("fmt", ["bibtex", "markdown"])
def test_export_to_a_fifo_feeds_its_reader(run, library, tmp_path, fmt):
    fifo = tmp_path / "pipe"
    os.mkfifo(fifo)
    received: list[bytes] = []
    reader = threading.Thread(target=lambda: received.append(fifo.read_bytes()), daemon=True)
    reader.start()
    result = run("export", "--format", fmt, "-o", str(fifo))
    reader.join(10)
    assert result.exit_code == 0, result.output
    assert stat.S_ISFIFO(fifo.stat().st_mode), "the FIFO was replaced by a plain file"
    text = received[0].decode("utf-8")
    assert "Paper number 3 on sparse kernels" in text
    if fmt == "bibtex":
        assert text.count("@article{") == ENTRIES


def test_export_to_dev_stdout_writes_into_a_pipe(library):
    result = pubdb(library, "export", "--bibtex", "-o", "/dev/stdout", capture_output=True)
    assert result.returncode == 0, result.stderr
    assert result.stdout.count("@article{") == ENTRIES


def test_export_to_dev_stdout_appends_to_the_file_stdout_is(library, tmp_path):
    """`pubdb export -o /dev/stdout >> log`: the log keeps what it had; a rename onto
    /dev/stdout's target would have replaced it."""
    log = tmp_path / "log.txt"
    log.write_text("before\n", encoding="utf-8")
    with log.open("a", encoding="utf-8") as out:
        result = pubdb(library, "export", "--bibtex", "-o", "/dev/stdout", stdout=out,
                       stderr=subprocess.PIPE)  # fmt: skip
    assert result.returncode == 0, result.stderr
    text = log.read_text(encoding="utf-8")
    assert text.startswith("before\n@")
    assert text.count("@article{") == ENTRIES


def test_export_to_dash_writes_stdout(run, library):
    result = run("export", "--bibtex", "-o", "-")
    assert result.exit_code == 0
    assert result.stdout.count("@article{") == ENTRIES
    assert not Path("-").exists()


def test_export_to_a_regular_file_still_replaces_it_atomically(run, library, tmp_path):
    target = tmp_path / "all.bib"
    target.write_text("% old\n", encoding="utf-8")
    inode = target.stat().st_ino
    assert run("export", "--bibtex", "-o", str(target)).exit_code == 0
    assert target.read_text(encoding="utf-8").count("@article{") == ENTRIES
    assert target.stat().st_ino != inode  # a new file renamed into place


# -- item 6: a full disk is one line naming the file -----------------------------------


def test_export_to_a_full_device_is_one_line_naming_it(run, library, tmp_path):
    full = device(tmp_path, "full", 7)
    result = run("export", "--bibtex", "-o", str(full))
    one_line_error(result, f"cannot write {full}", "No space left on device")


@pytest.mark.parametrize("fmt", ["bibtex", "markdown"])
def test_export_onto_a_full_disk_keeps_the_previous_file(large_library, tmp_path, fmt):
    """The disk fills up under the temporary file: a file-size limit (RLIMIT_FSIZE, with
    SIGXFSZ ignored so the write fails with EFBIG as on a full disk) set in the child."""
    target = tmp_path / "out" / "all.txt"
    target.parent.mkdir()
    target.write_text("% the previous export\n", encoding="utf-8")

    def small_disk() -> None:
        signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
        resource.setrlimit(resource.RLIMIT_FSIZE, (40_000, 40_000))

    result = pubdb(large_library, "export", "--format", fmt, "-o", str(target),
                   capture_output=True, preexec_fn=small_disk)  # fmt: skip
    one_line_error(result, f"cannot write {target}", "File too large")
    assert target.read_text(encoding="utf-8") == "% the previous export\n"
    assert os.listdir(target.parent) == ["all.txt"]  # no temporary left behind


@pytest.mark.parametrize("command", [("export", "--bibtex"), ("list",)], ids=["export", "list"])
def test_standard_output_on_a_full_device_is_one_line(library, tmp_path, command):
    full = device(tmp_path, "full", 7)
    with full.open("w") as out:
        result = pubdb(library, *command, stdout=out, stderr=subprocess.PIPE)
    one_line_error(result, "standard output", "No space left on device")


# -- item 7: a missing folder is refused, not made -------------------------------------


@pytest.mark.parametrize(
    "target",
    ["new/deep/dir/x.bib", "new/x.bib", "refs.bib/x.bib"],
    ids=["deep", "one level", "under a file"],
)
def test_export_into_a_missing_folder_is_refused(run, library, tmp_path, target):
    before = sorted(p.relative_to(tmp_path) for p in tmp_path.rglob("*"))
    result = run("export", "--bibtex", "-o", target)
    assert result.exit_code == 2
    assert result.stderr.startswith(f"pubdb: cannot write {target}: folder ")
    assert result.stderr.count("\n") == 1
    assert sorted(p.relative_to(tmp_path) for p in tmp_path.rglob("*")) == before


def test_export_through_a_dangling_symlink_into_a_missing_folder_is_refused(run, library, tmp_path):
    link = tmp_path / "all.bib"
    link.symlink_to(tmp_path / "gone" / "deeper" / "all.bib")
    result = run("export", "--bibtex", "-o", str(link))
    assert result.exit_code == 2
    assert "folder" in result.stderr and "does not exist" in result.stderr
    assert not (tmp_path / "gone").exists()


def test_export_through_a_dangling_symlink_into_an_existing_folder_writes_its_target(
    run, library, tmp_path
):
    (tmp_path / "papers").mkdir()
    link = tmp_path / "all.bib"
    link.symlink_to(tmp_path / "papers" / "all.bib")
    assert run("export", "--bibtex", "-o", str(link)).exit_code == 0
    assert link.is_symlink()
    assert (tmp_path / "papers" / "all.bib").read_text().count("@article{") == ENTRIES


def test_backup_into_a_missing_folder_is_refused(run, library, tmp_path):
    result = run("backup", "nowhere/copy.db")
    assert result.exit_code == 2
    assert result.stderr.startswith("pubdb: cannot write nowhere/copy.db: folder ")
    assert not (tmp_path / "nowhere").exists()


def small_disk(limit: int = 40_000):
    """In the child: files may not grow past ``limit`` bytes (RLIMIT_FSIZE, SIGXFSZ
    ignored), so writes past it fail with EFBIG as they would on a full disk."""

    def apply() -> None:
        signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
        resource.setrlimit(resource.RLIMIT_FSIZE, (limit, limit))

    return apply


def test_backup_onto_a_full_disk_is_one_line_and_keeps_the_previous_copy(large_library, tmp_path):
    target = tmp_path / "copy.db"
    target.write_bytes(b"the previous backup")
    result = pubdb(large_library, "backup", str(target), capture_output=True,
                   preexec_fn=small_disk())  # fmt: skip
    one_line_error(result, f"cannot write {target}")
    assert target.read_bytes() == b"the previous backup"
    assert sorted(p.name for p in tmp_path.iterdir() if p.name.startswith(".copy")) == []


@pytest.mark.parametrize(
    ("entries", "limit"),
    [(2000, 40_000), (2000, 400_000), (15_000, 400_000)],
    ids=["while making the library", "when saving", "midway (SQLite's cache spills)"],
)
def test_import_onto_a_full_disk_is_one_line_and_leaves_no_library(tmp_path, entries, limit):
    source = tmp_path / "refs.bib"
    source.write_text(bib(entries), encoding="utf-8")
    db = tmp_path / "new" / "pubdb.db"
    db.parent.mkdir()
    result = pubdb(db, "import", str(source), capture_output=True,
                   preexec_fn=small_disk(limit))  # fmt: skip
    one_line_error(result, "could not save changes")
    assert list(db.parent.iterdir()) == []  # the library made for it is gone again
