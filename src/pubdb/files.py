"""Files pubdb writes (exports, backups).

A regular file is written beside the target and renamed into place, so an interrupted
write leaves the previous file intact. What is not a regular file — a device such as
/dev/null, a FIFO, standard output as /dev/stdout or /dev/fd/1 — is written where it
is: renaming a new file onto it would replace the device or leave the reader with
nothing. A folder that does not exist is refused, never created, and every failed write
is one line naming the file and the cause.
"""

from __future__ import annotations

import filecmp
import os
import re
import stat
import sys
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass
from pathlib import Path
from typing import TextIO

from .errors import FileError, UsageError

# Paths that name an open descriptor of this process: opening them anew would truncate
# what the shell redirected (`>> log`), so the descriptor itself is written.
_OWN_DESCRIPTOR = re.compile(r"^/(?:dev/fd|proc/(?:self|thread-self)/fd)/(\d+)$")
_STANDARD = {"/dev/stdin": 0, "/dev/stdout": 1, "/dev/stderr": 2}
_ANY_DESCRIPTOR = re.compile(r"^/proc/\d+/fd/\d+$")


def cannot_write(path: str | Path, exc: OSError) -> FileError:
    return FileError(f"cannot write {path}: {exc.strerror or exc}")


def _link_chain(path: str | Path) -> list[str]:
    """The path and every symlink hop after it (at most 40, as the kernel allows)."""
    current = os.path.abspath(path)
    chain = [current]
    for _ in range(40):
        try:
            target = os.readlink(current)
        except OSError:
            break
        current = os.path.normpath(os.path.join(os.path.dirname(current), target))
        chain.append(current)
    return chain


def _descriptor(chain: list[str]) -> int | None:
    """The descriptor number a path of this process names (/dev/stdout is 1)."""
    for hop in chain:
        if hop in _STANDARD:
            return _STANDARD[hop]
        if match := _OWN_DESCRIPTOR.match(hop):
            return int(match[1])
    return None


def written_in_place(path: str | Path) -> bool:
    """True for what must not be replaced by a new file: devices, FIFOs, sockets and
    open descriptors (/dev/stdout, /proc/self/fd/1), also through symlinks."""
    chain = _link_chain(path)
    if _descriptor(chain) is not None or any(_ANY_DESCRIPTOR.match(hop) for hop in chain):
        return True
    try:
        mode = os.stat(path).st_mode
    except OSError:
        return False
    return not (stat.S_ISREG(mode) or stat.S_ISDIR(mode))


def _existing_folder(target: Path, named: str | Path) -> None:
    """Refuse a target whose folder is missing (as cp and pandoc do): a typo in a path
    must not leave a tree of new folders behind."""
    if target.is_dir():
        raise UsageError(f"{target} is a directory; give a file name")
    folder = target.parent
    if not folder.is_dir():
        what = "is not a directory" if folder.exists() else "does not exist"
        raise UsageError(f"cannot write {named}: folder {folder} {what}")


def output_folder(path: str | Path) -> Path:
    """The folder an export fills with files (``--format hugo -o DIR``): made when
    missing, as ``mkdir DIR`` would, so its parent must exist; a file there is refused."""
    folder = Path(path)
    if folder.exists() and not folder.is_dir():
        raise UsageError(f"{folder} is not a directory; give a folder to write into")
    parent = folder.parent
    if not parent.is_dir():
        what = "is not a directory" if parent.exists() else "does not exist"
        raise UsageError(f"cannot write {path}: folder {parent} {what}")
    make_folder(folder, path)
    return folder


def make_folder(folder: Path, named: str | Path) -> Path:
    """One folder made (if missing) inside a folder that exists."""
    try:
        folder.mkdir(exist_ok=True)
    except OSError as exc:
        raise cannot_write(named, exc) from None
    return folder


@dataclass
class Written:
    """How a write ended: ``changed`` is False when the file already held exactly
    these bytes and was left as it was (same modification time: make and latexmk see
    no change)."""

    changed: bool = True


def _same_content(new: Path, old: Path) -> bool:
    return old.is_file() and filecmp.cmp(new, old, shallow=False)


@contextmanager
def replaced_atomically(
    path: str | Path, *, keep_unchanged: bool = False, written: Written | None = None
) -> Iterator[Path]:
    """A temporary path beside ``path``; renamed onto it when the block succeeds,
    removed when it fails. A symlink's target is replaced, not the link. With
    ``keep_unchanged``, a target that already holds the same bytes is left untouched
    (``written.changed`` says which)."""
    target = Path(path)
    if target.is_symlink():
        target = Path(os.path.realpath(target))
    _existing_folder(target, path)
    try:
        handle, name = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=target.parent)
        os.close(handle)
    except OSError as exc:
        raise cannot_write(path, exc) from None
    temporary = Path(name)
    try:
        yield temporary
        if keep_unchanged and _same_content(temporary, target):
            temporary.unlink()
            if written is not None:
                written.changed = False
            return
        mode = target.stat().st_mode & 0o777 if target.exists() else 0o666 & ~_umask()
        os.chmod(temporary, mode)
        os.replace(temporary, target)
        if written is not None:
            written.changed = True
    except OSError as exc:
        temporary.unlink(missing_ok=True)
        if isinstance(exc, BrokenPipeError):
            raise
        raise cannot_write(path, exc) from None
    except BaseException:
        temporary.unlink(missing_ok=True)
        raise


@contextmanager
def open_output(path: str | Path | None, *, written: Written | None = None) -> Iterator[TextIO]:
    """Standard output for None or '-'; a device, FIFO or descriptor written in place;
    else an atomically replaced file, left untouched when it already holds the same
    bytes (``written.changed`` says so). A failed write raises FileError naming it."""
    if path in (None, "-"):
        yield from _guarded(sys.stdout, "standard output")
    elif written_in_place(path):
        yield from _guarded(_open_in_place(path), path, close=True)
    else:
        with replaced_atomically(path, keep_unchanged=True, written=written) as temporary:
            try:
                out = temporary.open("w", encoding="utf-8", newline="\n")
            except OSError as exc:
                raise cannot_write(path, exc) from None
            yield from _guarded(out, path, close=True, sync=True)


def _open_in_place(path: str | Path) -> TextIO:
    descriptor = _descriptor(_link_chain(path))
    try:  # no O_CREAT: the device or FIFO is there, and nothing else is made
        handle = os.open(path, os.O_WRONLY) if descriptor is None else os.dup(descriptor)
    except OSError as exc:
        raise cannot_write(path, exc) from None
    return os.fdopen(handle, "w", encoding="utf-8", newline="\n")


def _guarded(
    out: TextIO, name: str | Path, *, close: bool = False, sync: bool = False
) -> Iterator[TextIO]:
    """Yield ``out`` (for a @contextmanager); flush it, and turn any OSError of the
    writes into one FileError naming the file."""
    try:
        yield out
        out.flush()
        if sync:
            os.fsync(out.fileno())
    except BrokenPipeError:
        raise
    except OSError as exc:
        raise cannot_write(name, exc) from None
    finally:
        if close:
            with suppress(OSError):  # a failed write already says so
                out.close()


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask
