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
@click.option(
    "--db",
    "db_path",
    type=click.Path(dir_okay=False, path_type=Path),
    default=None,
    help="Database file for any command (default: $PUBDB_DB or db/pubdb.db).",
)
@click.pass_context
def cli(ctx: click.Context, debug: bool, db_path: Path | None) -> None:
    """pubdb: every publication and preprint in one SQLite database.

    \b
    Example:
      pubdb add 2502.01384 arXiv:2410.02724v2
      pubdb list
      pubdb export --bibtex -o bib/all.bib
    """
    ctx.meta["pubdb.debug"] = debug
    ctx.meta["pubdb.db"] = db_path


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
    """The database: the command's --db, else the group's --db, else $PUBDB_DB."""
    from click.core import ParameterSource

    from .library import Library

    ctx = click.get_current_context()
    given = ctx.meta.get("pubdb.db")
    if given and ctx.get_parameter_source("db_path") is not ParameterSource.COMMANDLINE:
        db_path = given
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
@click.option("--doi", "dois", multiple=True, metavar="DOI", help="Add a paper by its DOI.")
@db_option
def add(
    identifiers: tuple[str, ...],
    sources: tuple[str, ...],
    dois: tuple[str, ...],
    db_path: Path | None,
) -> None:
    """Fetch metadata for arXiv ids or DOIs and store it (re-adding updates).

    \b
    Accepts 2502.01384, 2502.01384v2, arXiv:2502.01384, abs/pdf URLs,
    10.48550/arXiv.2502.01384, old-style ids such as hep-th/9901001, and DOIs
    (fetched from doi.org).
    Example:
      pubdb add 2502.01384 https://arxiv.org/abs/2402.01032 hep-th/9901001
      pubdb add --from ../shared/seeds/zekri-thread.txt
      pubdb add --doi 10.1145/3368089.3409741
    """
    from .ids import find_arxiv_ids
    from .library import split_identifiers

    wanted: list = [*identifiers, *dois]
    for source in sources:
        found = find_arxiv_ids(_read_source(source))
        if not found:
            raise UsageError(f"no arXiv identifiers found in {source}")
        wanted.extend(found)
    split_identifiers(wanted)  # every identifier checked before any request
    with open_library(db_path) as library, progress_bar("arXiv") as progress:
        report = library.add(wanted, progress=progress)
    _print_report(report)
    sys.exit(0 if report.complete else 1)


def _print_report(report) -> None:
    from .display import outcome_line

    for outcome in report.outcomes:
        click.echo(outcome_line(outcome))
        for detail in outcome.details:
            click.echo(f"    {detail}")
    click.echo(report.summary)
    missing = [o.identifier for o in report.outcomes if o.action == "not found"]
    if missing:
        click.echo(f"pubdb: not found: {', '.join(missing)}", err=True)


@cli.command()
@click.argument("references", nargs=-1)
@click.option("--dry-run", is_flag=True, help="Show what would change; write nothing.")
@db_option
def refresh(references: tuple[str, ...], dry_run: bool, db_path: Path | None) -> None:
    """Re-query arXiv for arXiv-linked records (all, or the KEYs given).

    New versions, a DOI or journal reference that appeared since; fields you
    edited stay as you set them.

    \b
    Example:
      pubdb refresh
      pubdb refresh zekri2025finetuning --dry-run
    """
    with open_library(db_path) as library, progress_bar("arXiv") as progress:
        report = library.refresh(references, dry_run=dry_run, progress=progress)
    _print_report(report)
    if dry_run:
        click.echo("dry run: nothing was written")
    sys.exit(0 if report.complete else 1)


@cli.command()
@click.argument("reference")
@click.option("--set", "assignments", multiple=True, metavar="NAME=VALUE", help="Set a field.")
@click.option("--unset", multiple=True, metavar="NAME", help="Clear a field.")
@click.option("--unlock", multiple=True, metavar="NAME", help="Let refresh update NAME again.")
@db_option
def edit(
    reference: str,
    assignments: tuple[str, ...],
    unset: tuple[str, ...],
    unlock: tuple[str, ...],
    db_path: Path | None,
) -> None:
    """Edit one publication; edited fields survive refresh and merges.

    Any field shown by `pubdb show` can be set, plus `authors` ("A and B" or
    "A; B", a trailing * marks equal contribution), `equal` (author positions,
    e.g. 1,2) and any other BibTeX field.

    \b
    Example:
      pubdb edit jelassi2022towards --set venue="ICML 2022" \\
          --set note="Oral presentation (top 5%)" --set kind=conference
      pubdb edit pumir2019smoothed --set equal=1,2
    """
    from .editing import parse_assignment

    if not (assignments or unset or unlock):
        raise UsageError("nothing to do: give --set, --unset or --unlock")
    pairs = [parse_assignment(text) for text in assignments]
    with open_library(db_path) as library:
        publication = library.edit(reference, pairs, unset) if pairs or unset else None
        if unlock:
            publication = library.unlock(reference, unlock)
    changed = [name for name, _ in pairs] + list(unset) + [f"unlocked {n}" for n in unlock]
    click.echo(f"updated {publication.citekey}: {', '.join(changed)}")


@cli.command("rm")
@click.argument("references", nargs=-1, required=True)
@db_option
def rm(references: tuple[str, ...], db_path: Path | None) -> None:
    """Remove publications (by key, arXiv id or DOI).

    \b
    Example:
      pubdb rm smith2020deep
    """
    with open_library(db_path) as library:
        removed = library.remove(references)
    for publication in removed:
        click.echo(f"removed {publication.citekey}  {publication.title}")


@cli.command()
@click.argument("keep")
@click.argument("other")
@click.option("--prefer", type=click.Choice(["existing", "incoming"]), default="existing",
              show_default=True, help="Whose value wins where both differ.")  # fmt: skip
@db_option
def merge(keep: str, other: str, prefer: str, db_path: Path | None) -> None:
    """Merge publication OTHER into KEEP (for what automatic matching missed).

    KEEP's citation key stays; OTHER's key is kept in the `ids` field.

    \b
    Example:
      pubdb merge jelassi2024repeat jelassi2024repeatb
    """
    with open_library(db_path) as library:
        publication, result = library.merge(keep, other, prefer_incoming=prefer == "incoming")
    click.echo(f"merged {other} into {publication.citekey}")
    if result.filled or result.replaced:
        click.echo(f"  took from {other}: {', '.join(result.filled + result.replaced)}")
    if result.conflicts:
        click.echo(f"  kept from {keep}: {', '.join(result.conflicts)}")


@cli.command()
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
    from .display import json_records, publication_rows

    with open_library(db_path) as library:
        found = library.search(" ".join(query), limit=limit)
    if as_json:
        click.echo("".join(json_records(found)))
        return
    width = shutil.get_terminal_size().columns if sys.stdout.isatty() else None
    for row in publication_rows(found, width):
        click.echo(row)


@cli.command("import")
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
@click.option("-v", "--verbose", is_flag=True, help="Also list every imported entry.")
@db_option
def import_(
    files: tuple[str, ...],
    dry_run: bool,
    strict: bool,
    prefer: str,
    verbose: bool,
    db_path: Path | None,
) -> None:
    """Import BibTeX files, merging entries that are papers already in the library.

    \b
    Example:
      pubdb import bib/seeds.bib
      pubdb import old.bib conference.bib --dry-run
    """
    from .display import import_lines

    with open_library(db_path) as library:
        report = library.import_bibtex(
            files, dry_run=dry_run, strict=strict, prefer_incoming=prefer == "incoming"
        )
    for problem in report.failures:
        click.echo(f"error: {problem}", err=True)
    for problem in report.warnings:
        click.echo(f"warning: {problem}", err=True)
    for line in import_lines(report, verbose):
        click.echo(line)
    click.echo(report.summary)
    sys.exit(1 if report.failures else 0)


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


LIST_FORMATS = ("markdown", "html", "latex", "text", "json", "csl-json")


@cli.command()
@click.option("--bibtex", "fmt", flag_value="bibtex", help="BibTeX (the default).")
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["bibtex", *LIST_FORMATS]),
    help="bibtex, or a publication list: markdown, html, latex, text, json, csl-json.",
)
@click.option("--style", metavar="STYLE", help="Format with a CSL style (apa, ieee, ...).")
@click.option("-o", "--output", type=click.Path(), help="Write to FILE (atomically).")
@click.option("--author", help="Only this author's publications (highlighted in lists).")
@click.option("--group-by", type=click.Choice(["kind", "year", "none"]), default="kind",
              show_default=True, help="Sections of a list.")  # fmt: skip
@click.option("--order", metavar="GROUPS",
              help='Section order, e.g. "journal,conference,preprint".')  # fmt: skip
@click.option("--name-style", type=click.Choice(["as-written", "initials", "full"]),
              default="as-written", show_default=True, help="How author names look.")  # fmt: skip
@click.option("--numbered", is_flag=True, help="Number the entries [1], [2], ...")
@click.option("--heading", help="Title of the list (default: Publications of AUTHOR).")
@db_option
def export(
    fmt: str | None,
    style: str | None,
    output: str | None,
    author: str | None,
    group_by: str,
    order: str | None,
    name_style: str,
    numbered: bool,
    heading: str | None,
    db_path: Path | None,
) -> None:
    """Export publications: BibTeX, a CV-style list, or a citation style.

    \b
    Example:
      pubdb export --bibtex -o bib/all.bib
      pubdb export --format markdown --author "Samy Jelassi"
      pubdb export --format html --author "Oussama Zekri" --numbered -o zekri.html
      pubdb export --style apa --author "S. Jelassi"
    """
    from .output import open_output

    if style and fmt not in (None, "text", "html"):
        raise UsageError("--style formats text or html; drop --format or use --format html")
    fmt = fmt or ("text" if style else "bibtex")
    with open_library(db_path) as library:
        if fmt == "bibtex":
            with open_output(output) as out:
                count = library.export_bibtex(out, author=author)
            if output not in (None, "-"):
                click.echo(f"wrote {count} entries to {output}", err=True)
            return
        if style:
            text = library.render_style(style, author=author, output=fmt)
        else:
            text = library.render_list(
                fmt,
                author=author,
                group_by=group_by,
                order=[part for part in (order or "").split(",") if part.strip()] or None,
                name_style=name_style,
                numbered=numbered,
                heading=heading,
            )
    with open_output(output) as out:
        out.write(text if text.endswith("\n") else text + "\n")


@cli.command()
@click.argument("query", required=False)
def styles(query: str | None) -> None:
    """List the CSL citation styles available offline (or those matching QUERY).

    \b
    Example:
      pubdb styles ieee
    """
    from .render.styles import available_styles

    for name in available_styles():
        if not query or query.lower() in name:
            click.echo(name)


@cli.command()
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


@cli.command()
@click.option("--repair", is_flag=True, help="Rebuild the search index, drop orphan people.")
@db_option
def check(repair: bool, db_path: Path | None) -> None:
    """Check the database: integrity, foreign keys, search index, orphan people.

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


def main() -> None:
    cli(prog_name="pubdb")


from . import cli_people  # noqa: E402, F401  (registers the people commands)
