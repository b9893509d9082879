"""Commands that add and change papers: add, refresh, edit, rm, merge."""

from __future__ import annotations

import sys
from pathlib import Path

import click

from ..errors import UsageError
from .group import db_option, open_library, progress_bar, read_source


@click.command()
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
    from ..ids import find_arxiv_ids, parse_identifiers

    wanted: list = [*identifiers, *dois]
    for source in sources:
        found = find_arxiv_ids(read_source(source))
        if not found:
            raise UsageError(f"no arXiv identifiers found in {source}")
        wanted.extend(found)
    wanted = parse_identifiers(wanted)  # every identifier checked before any request
    with open_library(db_path) as library, progress_bar("arXiv") as progress:
        report = library.add(wanted, progress=progress)
    _print_report(report)
    sys.exit(0 if report.complete else 1)


def _print_report(report) -> None:
    from .terminal import outcome_line

    for problem in report.warnings:
        click.echo(f"warning: {problem.message}", err=True)
    for outcome in report.outcomes:
        click.echo(outcome_line(outcome))
        for detail in outcome.details:
            click.echo(f"    {detail}")
    click.echo(report.summary)
    missing = [o.identifier for o in report.outcomes if o.action == "not found"]
    if missing:
        click.echo(f"pubdb: not found: {', '.join(missing)}", err=True)


@click.command()
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


@click.command()
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
    from ..papers.editing import parse_assignment

    if not (assignments or unset or unlock):
        raise UsageError("nothing to do: give --set, --unset or --unlock")
    pairs = [parse_assignment(text) for text in assignments]
    with open_library(db_path) as library:
        publication = library.edit(reference, pairs, unset) if pairs or unset else None
        if unlock:
            publication = library.unlock(reference, unlock)
    changed = [name for name, _ in pairs] + list(unset) + [f"unlocked {n}" for n in unlock]
    click.echo(f"updated {publication.citekey}: {', '.join(changed)}")


@click.command("rm")
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


@click.command()
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


COMMANDS = (
    add,
    refresh,
    edit,
    rm,
    merge,
)
