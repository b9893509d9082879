"""Where the library lives: one rule for the CLI and for ``Library()``.

1. the path given (``--db``, or ``Library(path)``);
2. ``$PUBDB_DB``;
3. ``db/pubdb.db`` of a project: the current folder or the nearest folder above it
   that has one (as git looks for ``.git``);
4. ``pubdb.db`` in the per-user data folder (platformdirs: ``$XDG_DATA_HOME/pubdb`` or
   ``~/.local/share/pubdb`` on Linux, ``~/Library/Application Support/pubdb`` on macOS).

So ``pubdb list`` run from a paper's folder finds the user's library instead of making
an empty one there.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

PROJECT_LIBRARY = Path("db") / "pubdb.db"
NO_LIBRARY_HINT = "(create one with pubdb add or pubdb import)"


@dataclass(frozen=True)
class Location:
    """A library's path and why it was chosen: ``given``, ``environment``, ``project``
    or ``user``; ``around`` is the folder a project was looked for from."""

    path: Path
    origin: str
    around: Path | None = None

    @property
    def explanation(self) -> str:
        if self.origin == "given":
            return "--db"
        if self.origin == "environment":
            return "$PUBDB_DB"
        if self.origin == "project":
            return f"the project folder {self.path.parent.parent}"
        return (
            f"the per-user default (no project folder with {PROJECT_LIBRARY} around {self.around})"
        )


def locate(
    given: str | Path | None = None,
    *,
    environ: Mapping[str, str] | None = None,
    cwd: Path | None = None,
) -> Location:
    """The library to use, by the rule above; the file need not exist."""
    if given:
        return Location(Path(given), "given")
    from_env = (os.environ if environ is None else environ).get("PUBDB_DB")
    if from_env:
        return Location(Path(from_env), "environment")
    here = Path.cwd() if cwd is None else cwd
    for folder in (here, *here.parents):
        candidate = folder / PROJECT_LIBRARY
        if candidate.is_file():
            return Location(candidate, "project")
    return Location(user_library(), "user", around=here)


def user_library() -> Path:
    from platformdirs import user_data_path

    return user_data_path("pubdb", appauthor=False) / "pubdb.db"
