"""Commands that read the library: list, show, search."""

from __future__ import annotations

from pathlib import Path

import click

from ..errors import UsageError
from .group import db_option, json_option, open_library

EMPTY_HINT = (
    "pubdb: the library is empty; add papers with `pubdb add 2502.01384` or `pubdb import refs.bib`"
)


class QueryCommand(click.Command):
    """Arguments starting with '-' that are not options are query words: in
    `pubdb search diffusion -zekri`, '-zekri' excludes a word (click would read it as
    the options -z -e -k -r -i)."""

    def parse_args(self, ctx: click.Context, args: list[str]) -> list[str]:
        with_value, flags = set(), set()
        for param in self.get_params(ctx):
            if isinstance(param, click.Option):
                names = param.opts + param.secondary_opts
                (flags if param.is_flag else with_value).update(names)
        options, words = [], []
        position = 0
        while position < len(args):
            arg = args[position]
            if arg == "--":
                words += args[position + 1 :]
                break
            if arg in flags:
                options.append(arg)
            elif arg.split("=", 1)[0] in with_value:
                options.append(arg)
                if "=" not in arg and position + 1 < len(args):
                    position += 1
                    options.append(args[position])
            else:
                words.append(arg)
            position += 1
        return super().parse_args(ctx, [*options, "--", *words])


@click.command(cls=QueryCommand)
@click.argument("query", nargs=-1, required=True)
@click.option("--limit", type=click.IntRange(min=1), help="At most this many results.")
@json_option
@db_option
def search(query: tuple[str, ...], limit: int | None, as_json: bool, db_path: Path | None) -> None:
    """Full-text search over titles, authors, venues and abstracts, best first.

    Words are found as typed or decoded from TeX, whatever the accents and case
    (nunez finds Núñez; μP, muP and $\\mu$P find one another; C++ and R&D are
    words). Records with the words in their title come first.

    \b
      "a b"                these words in this order
      author:NAME          title:, venue:, abstract: likewise; quote several words
      2024, year:2023..2025, year:..2019, key:jelassi2024
      -WORD, -author:NAME  without it
    Example:
      pubdb search discrete diffusion
      pubdb search 'author:"Samy Jelassi"' transformers year:2023..2025
      pubdb search jelassi 2024 --json
    """
    from ..store.search_query import join_arguments
    from .terminal import clip, json_records, output_width, publication_rows

    with open_library(db_path) as library:
        found = library.search(join_arguments(query), limit=limit)
        empty = not found and library.count() == 0
    if as_json:
        click.echo("".join(json_records(found)))
        return
    for row in publication_rows(found, output_width()):
        click.echo(row)
    if not found:
        typed = clip(join_arguments(query), 200)
        hint = EMPTY_HINT if empty else f"pubdb: nothing matches {typed!r}"
        click.echo(hint, err=True)


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
    from .terminal import json_records, output_width, publication_rows

    with open_library(db_path) as library:
        publications = library.publications(author=author, limit=limit)
        if as_json:
            for chunk in json_records(publications):
                click.echo(chunk, nl=False)
            click.echo()
            return
        shown = 0
        for row in publication_rows(publications, output_width()):
            click.echo(row)
            shown += 1
        if not shown and library.count() == 0:
            click.echo(EMPTY_HINT, err=True)


@click.command()
@click.argument("reference")
@click.option("--raw", is_flag=True, help="Print the arXiv Atom entry as fetched.")
@json_option
@db_option
def show(reference: str, raw: bool, as_json: bool, db_path: Path | None) -> None:
    """Show every stored field of one publication (by key, arXiv id or DOI), with
    where each value came from and which ones you edited (locked).

    \b
    Example:
      pubdb show 2502.01384
      pubdb show zekri2025finetuning --json
    """
    import json

    from .terminal import output_width, show_lines

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
            provenance = library.provenance(publication)
            for line in show_lines(publication, provenance, output_width()):
                click.echo(line)


COMMANDS = (
    list_,
    show,
    search,
)
