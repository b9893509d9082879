"""Keeping the database healthy: backup and check."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import click

from .group import db_option, given_library, json_option, open_library


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
    with open_library(db_path, writes=repair) as library:
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


@click.command()
@json_option
@db_option
def info(as_json: bool, db_path: Path | None) -> None:
    """Which library commands use (and why), and what it holds.

    \b
    Example:
      pubdb info
      pubdb --db other.db info --json
    """
    from dataclasses import asdict

    from ..library import library_info
    from ..store.location import NO_LIBRARY_HINT

    found = library_info(given_library(db_path))
    if as_json:
        click.echo(json.dumps({**asdict(found), "path": str(found.path)}, indent=2))
        return
    click.echo(f"library: {found.path}")
    click.echo(f"from: {found.explanation}")
    if not found.exists:
        click.echo(f"does not exist yet {NO_LIBRARY_HINT}")
        return
    click.echo(f"schema: version {found.schema_version}")
    click.echo(f"publications: {found.publications}")
    click.echo(f"people: {found.people}")
    if found.read_only:
        click.echo("read-only: yes (reading commands work; writing ones are refused)")


COMMANDS = (
    backup,
    check,
    info,
)
