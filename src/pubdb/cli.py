"""The pubdb command line: options in, one library call, output out.

Heavy modules (requests, bibtexparser, sqlite_utils) load inside the commands that use
them, so ``pubdb --help`` stays fast.
"""

from __future__ import annotations

import shutil
import sys
from collections.abc import Callable
from contextlib import contextmanager
from pathlib import Path

import click

from . import __version__
from .errors import PubdbError, UsageError


class PubdbGroup(click.Group):
    """Turns every PubdbError into one line on stderr and its exit code."""

    def invoke(self, ctx: click.Context):
        try:
            return super().invoke(ctx)
        except PubdbError as exc:
            if ctx.meta.get("pubdb.debug"):
                raise
            click.echo(f"pubdb: {exc}", err=True)
            ctx.exit(exc.exit_code)
        except KeyboardInterrupt:
            click.echo("pubdb: interrupted; nothing was saved from the unfinished step", err=True)
            ctx.exit(130)
        except BrokenPipeError:
            sys.stderr.close()
            ctx.exit(1)


@click.group(cls=PubdbGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="pubdb")
@click.option("--debug", is_flag=True, help="Show tracebacks instead of one-line errors.")
@click.pass_context
def cli(ctx: click.Context, debug: bool) -> None:
    """pubdb: every publication and preprint in one SQLite database.

    \b
    Example:
      pubdb add 2502.01384 arXiv:2410.02724v2
      pubdb list
      pubdb export --bibtex -o bib/all.bib
    """
    ctx.meta["pubdb.debug"] = debug


def db_option(command: Callable) -> Callable:
    return click.option(
        "--db",
        "db_path",
        type=click.Path(dir_okay=False, path_type=Path),
        envvar="PUBDB_DB",
        default=None,
        help="Database file (default: $PUBDB_DB or db/pubdb.db).",
    )(command)


def json_option(command: Callable) -> Callable:
    return click.option("--json", "as_json", is_flag=True, help="Output JSON.")(command)


def open_library(db_path: Path | None):
    from .library import Library

    return Library(db_path)


@contextmanager
def progress_bar(label: str):
    def factory(total: int):
        return _bar(total, label)

    yield factory


@contextmanager
def _bar(total: int, label: str):
    with click.progressbar(length=total, label=label, file=sys.stderr) as bar:
        yield bar.update


def _read_source(source: str) -> str:
    if source == "-":
        return sys.stdin.read()
    try:
        return Path(source).read_text(encoding="utf-8", errors="replace")
    except OSError as exc:
        raise UsageError(f"cannot read {source}: {exc.strerror}") from exc


@cli.command()
@click.argument("identifiers", nargs=-1)
@click.option(
    "--from",
    "sources",
    multiple=True,
    metavar="FILE",
    help="Also add every arXiv id or URL found in FILE ('-' for stdin).",
)
@db_option
def add(identifiers: tuple[str, ...], sources: tuple[str, ...], db_path: Path | None) -> None:
    """Fetch arXiv metadata for IDENTIFIERS and store it (re-adding updates).

    \b
    Accepts 2502.01384, 2502.01384v2, arXiv:2502.01384, abs/pdf URLs,
    10.48550/arXiv.2502.01384 and old-style ids such as hep-th/9901001.
    Example:
      pubdb add 2502.01384 https://arxiv.org/abs/2402.01032 hep-th/9901001
      pubdb add --from ../shared/seeds/zekri-thread.txt
    """
    from .ids import find_arxiv_ids
    from .library import parse_arxiv_ids

    wanted: list = list(identifiers)
    for source in sources:
        found = find_arxiv_ids(_read_source(source))
        if not found:
            raise UsageError(f"no arXiv identifiers found in {source}")
        wanted.extend(found)
    ids = parse_arxiv_ids(wanted)
    with open_library(db_path) as library, progress_bar("arXiv") as progress:
        report = library.add_arxiv(ids, progress=progress)
    from .display import outcome_line

    for outcome in report.outcomes:
        click.echo(outcome_line(outcome))
    click.echo(report.summary)
    sys.exit(0 if report.complete else 1)


@cli.command("list")
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
    from .display import json_records, publication_rows

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


@cli.command()
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

    from .display import show_lines

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


@cli.command()
@click.option("--bibtex", "fmt", flag_value="bibtex", help="BibTeX (the default).")
@click.option("-o", "--output", type=click.Path(dir_okay=False), help="Write to FILE.")
@click.option("--author", help="Only this author's publications.")
@db_option
def export(fmt: str | None, output: str | None, author: str | None, db_path: Path | None) -> None:
    """Export publications (all, or one author's) as BibTeX.

    \b
    Example:
      pubdb export --bibtex -o bib/all.bib
      pubdb export --bibtex --author "Oussama Zekri"
    """
    from .output import open_output

    with open_library(db_path) as library, open_output(output) as out:
        count = library.export_bibtex(out, author=author)
    if output not in (None, "-"):
        click.echo(f"wrote {count} entries to {output}", err=True)


def main() -> None:
    cli(prog_name="pubdb")
