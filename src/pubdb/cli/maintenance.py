"""Keeping the database healthy: backup and check."""

from __future__ import annotations

import sys
from pathlib import Path

import click

from .group import db_option, open_library


@click.command()
@click.argument("target", type=click.Path())
@db_option
def backup(target: str, db_path: Path | None) -> None:
    """Copy the database to TARGET (SQLite online backup; safe while others write).

    \b
    Example:
      pubdb backup db/pubdb-2026-11-23.db
    """
    with open_library(db_path) as library:
        written = library.backup(target)
    click.echo(f"backed up {library.path} to {written}")


@click.command()
@click.option(
    "--repair",
    is_flag=True,
    help="Rebuild the search index and the co-author graph, drop orphan people.",
)
@db_option
def check(repair: bool, db_path: Path | None) -> None:
    """Check the database: integrity, foreign keys, search index, co-author graph,
    orphan people.

    \b
    Example:
      pubdb check
      pubdb check --repair
    """
    with open_library(db_path) as library:
        findings, repaired = library.check()
        damaged = not findings[0].ok  # integrity: repairs would write into a broken file
        if repair and not damaged and not all(f.ok for f in findings):
            findings, repaired = library.check(repair=True)
    for line in repaired:
        click.echo(f"fixed {line}")
    for finding in findings:
        click.echo(str(finding))
    if repair and damaged:
        click.echo(
            "pubdb: not repaired: the database file itself is damaged; restore a backup"
            " (or try sqlite3's .recover on a copy)",
            err=True,
        )
    sys.exit(0 if all(f.ok for f in findings) else 1)


COMMANDS = (
    backup,
    check,
)
