"""Files pubdb writes (exports, backups): written beside the target and renamed into
place, so an interrupted write leaves the previous file intact."""

from __future__ import annotations

import os
import sys
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TextIO

from .errors import UsageError


@contextmanager
def replaced_atomically(path: str | Path) -> Iterator[Path]:
    """A temporary path beside ``path``; renamed onto it when the block succeeds,
    removed when it fails. A symlink's target is replaced, not the link."""
    target = Path(path)
    if target.is_symlink():
        target = Path(os.path.realpath(target))
    if target.is_dir():
        raise UsageError(f"{target} is a directory; give a file name")
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        handle, name = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=target.parent)
        os.close(handle)
    except OSError as exc:
        raise UsageError(f"cannot write {target}: {exc.strerror}") from exc
    temporary = Path(name)
    try:
        yield temporary
        mode = target.stat().st_mode & 0o777 if target.exists() else 0o666 & ~_umask()
        os.chmod(temporary, mode)
        os.replace(temporary, target)
    except BaseException:
        temporary.unlink(missing_ok=True)
        raise


@contextmanager
def open_output(path: str | Path | None) -> Iterator[TextIO]:
    """Standard output for None or '-', else an atomically replaced file."""
    if path in (None, "-"):
        yield sys.stdout
        return
    with (
        replaced_atomically(path) as temporary,
        temporary.open("w", encoding="utf-8", newline="\n") as out,
    ):
        yield out
        out.flush()
        os.fsync(out.fileno())


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask
