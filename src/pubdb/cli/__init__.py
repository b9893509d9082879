"""The pubdb command line: options in, one library call, output out.

One module per command family, mirroring the packages below: papers (add, refresh,
edit, rm, merge), bibtex (import), reading (list, show, search), export (export,
styles), people (authors, author, coauthors, overlap, path), maintenance (backup,
check), serve (Datasette). Heavy modules (requests, bibtexparser, sqlite_utils,
datasette) load inside the commands that use them, so ``pubdb --help`` stays fast.
"""

from __future__ import annotations

from . import bibtex, export, maintenance, papers, people, reading, serve
from .group import cli

for _family in (papers, bibtex, reading, export, people, maintenance, serve):
    for _command in _family.COMMANDS:
        cli.add_command(_command)


def main() -> None:
    cli(prog_name="pubdb")


__all__ = ["cli", "main"]
