"""`pubdb import`: BibTeX files into the library."""

from __future__ import annotations

import sys
from pathlib import Path

import click

from .group import db_option, json_option, open_library, progress_bar


@click.command("import")
@click.argument("files", nargs=-1, required=True)
@click.option("--dry-run", is_flag=True, help="Report what would happen; write nothing.")
@click.option("--strict", is_flag=True, help="Import nothing if any entry is broken.")
@click.option(
    "--prefer",
    type=click.Choice(["existing", "incoming"]),
    default="existing",
    show_default=True,
    help="Which value wins when a merged field differs.",
)
@click.option("-v", "--verbose", is_flag=True, help="Also list added and unchanged entries.")
@json_option
@db_option
def import_(
    files: tuple[str, ...],
    dry_run: bool,
    strict: bool,
    prefer: str,
    verbose: bool,
    as_json: bool,
    db_path: Path | None,
) -> None:
    """Import BibTeX files, merging entries that are papers already in the library.

    Each entry is added (a new record), or merged into the record of the same
    paper, which is then updated (values replaced), filled (missing values only)
    or unchanged; a broken entry failed (file, line and reason on stderr).
    --json gives the same words.

    \b
    Example:
      pubdb import bib/seeds.bib
      pubdb import old.bib conference.bib --dry-run
    """
    import json

    from .terminal import import_lines, problem_line

    with (
        open_library(db_path, creates=True, dry_run=dry_run) as library,
        progress_bar("import") as progress,
    ):
        report = library.import_bibtex(
            files,
            dry_run=dry_run,
            strict=strict,
            prefer_incoming=prefer == "incoming",
            progress=progress,
        )
    if as_json:
        click.echo(json.dumps(report.to_dict(), ensure_ascii=False, indent=2))
        sys.exit(1 if report.failures else 0)
    for problem in report.failures:
        click.echo(f"error: {problem_line(problem)}", err=True)
    for problem in report.warnings:
        click.echo(f"warning: {problem_line(problem)}", err=True)
    for line in import_lines(report, verbose):
        click.echo(line)
    click.echo(report.summary)
    sys.exit(1 if report.failures else 0)


COMMANDS = (import_,)
