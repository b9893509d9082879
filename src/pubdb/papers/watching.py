"""Noticing that a library or a file changed, for exports kept up to date (``--watch``).

Polling, not inotify: the same on every system and file system (network folders,
containers), and cheap: one ``PRAGMA data_version`` and a ``stat`` per file each time.
A change is acted on once it has held for one interval, so a .aux that LaTeX is still
writing is read when it is complete, and a burst of changes gives one export.
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path
from typing import TYPE_CHECKING

from ..store.connection import data_version

if TYPE_CHECKING:
    import sqlite3

WATCH_INTERVAL = 0.5  # seconds between looks


def _file_state(path: Path) -> tuple[int, int, int] | None:
    try:
        info = os.stat(path)
    except OSError:
        return None
    return info.st_ino, info.st_size, info.st_mtime_ns


def _state(conn: sqlite3.Connection, library: Path, files: Iterable[Path]) -> tuple:
    return (data_version(conn), _file_state(library),
            tuple((path, _file_state(path)) for path in files))  # fmt: skip


def changes(
    conn: sqlite3.Connection,
    library: Path,
    files: Callable[[], Iterable[Path]],
    *,
    interval: float = WATCH_INTERVAL,
    sleep: Callable[[float], None] = time.sleep,
    stop: Callable[[], bool] | None = None,
) -> Iterator[None]:
    """Yield at once, then after each change of the library (a commit by another
    process, or the file replaced) or of one of ``files()`` (asked anew each time: a
    document may include more files) that has held for one ``interval``. Runs until
    ``stop()`` is true, or for ever."""
    last = _state(conn, library, files())
    yield
    pending = None
    while not (stop and stop()):
        sleep(interval)
        current = _state(conn, library, files())
        if current == last:
            pending = None
        elif current != pending:
            pending = current  # changed: look again before acting on it
        else:
            last, pending = current, None
            yield
