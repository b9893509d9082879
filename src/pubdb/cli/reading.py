"""Commands that read the library: list, show, search."""

from __future__ import annotations

import shutil
import sys
from pathlib import Path

import click

from ..errors import UsageError
from .group import db_option, json_option, open_library


@click.command()
@click.argument("query", nargs=-1, required=True)
@click.option("--limit", type=click.IntRange(min=1), help="At most this many results.")
@json_option
@db_option
def search(query: tuple[str, ...], limit: int | None, as_json: bool, db_path: Path | None) -> None:
    """Full-text search over titles, authors, venues and abstracts, best first.

    Accents and case do not matter: `nunez` finds Núñez, `odegard` Ødegård.

    \b
    Example:
      pubdb search discrete diffusion
      pubdb search jelassi transformers --json
    """
    from .terminal import json_records, publication_rows

    with open_library(db_path) as library:
        found = library.search(" ".join(query), limit=limit)
    if as_json:
        click.echo("".join(json_records(found)))
        return
    width = shutil.get_terminal_size().columns if sys.stdout.isatty() else None
    for row in publication_rows(found, width):
        click.echo(row)


@click.command("list")
@click.option("--author", help="Only this author's publications.")
@click.option("--limit", type=click.IntRange(min=0), help="At most this many records.")
@json_option
@db_option
def list_(author: str | None, limit: int | None, as_json: bool, db_path: Path | None) -> None:
    """List publications, newest first.

    \b
    Example:
      pubdb list --author "S. Jelassi"
      pubdb list --json > all.json
    """
    from .terminal import json_records, publication_rows

    with open_library(db_path) as library:
        publications = library.publications(author=author, limit=limit)
        if as_json:
            for chunk in json_records(publications):
                click.echo(chunk, nl=False)
            click.echo()
            return
        width = shutil.get_terminal_size().columns if sys.stdout.isatty() else None
        for row in publication_rows(publications, width):
            click.echo(row)


@click.command()
@click.argument("reference")
@click.option("--raw", is_flag=True, help="Print the arXiv Atom entry as fetched.")
@json_option
@db_option
def show(reference: str, raw: bool, as_json: bool, db_path: Path | None) -> None:
    """Show every stored field of one publication (by key, arXiv id or DOI).

    \b
    Example:
      pubdb show 2502.01384
      pubdb show zekri2025finetuning --json
    """
    import json

    from .terminal import show_lines

    with open_library(db_path) as library:
        publication = library.get(reference)
        if raw:
            xml = library.arxiv_xml(reference)
            if xml is None:
                raise UsageError(f"{publication.citekey} has no stored arXiv entry")
            click.echo(xml)
        elif as_json:
            click.echo(json.dumps(publication.to_dict(), ensure_ascii=False, indent=2))
        else:
            for line in show_lines(publication):
                click.echo(line)


COMMANDS = (
    list_,
    show,
    search,
)
