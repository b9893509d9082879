"""Writing output files atomically: a temporary file beside the target, then a rename,
so an interrupted export leaves the previous file intact."""

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
def open_output(path: str | Path | None) -> Iterator[TextIO]:
    """Standard output for None or '-', else an atomically replaced file."""
    if path in (None, "-"):
        yield sys.stdout
        return
    target = Path(path)
    if target.is_symlink():  # replace the file it points to, not the link itself
        target = Path(os.path.realpath(target))
    if target.is_dir():
        raise UsageError(f"{target} is a directory; give a file name")
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        handle, temporary = tempfile.mkstemp(
            prefix=f".{target.name}.", suffix=".tmp", dir=target.parent
        )
    except OSError as exc:
        raise UsageError(f"cannot write {target}: {exc.strerror}") from exc
    try:
        with os.fdopen(handle, "w", encoding="utf-8", newline="\n") as out:
            yield out
            out.flush()
            os.fsync(out.fileno())
        if target.exists():
            os.chmod(temporary, target.stat().st_mode & 0o777)
        else:
            os.chmod(temporary, 0o666 & ~_umask())
        os.replace(temporary, target)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask
