"""Commands that add and change papers: add, find, refresh, edit, rm, merge."""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path

import click

from ..errors import UsageError
from .group import (
    db_option,
    given_library,
    json_option,
    open_library,
    progress_bar,
    read_source,
    retry_notice,
)


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
@click.option(
    "--titles",
    metavar="FILE",
    help="Add the papers of a publication list (a CV's, or one title a line), each found on"
    " arXiv by its title, with the venue, status and notes its line gives.",
)
@click.option(
    "--keep-unmatched",
    is_flag=True,
    help="With --titles: store entries arXiv has no match for from their line (source cv).",
)
@click.option("--author", metavar="NAME", help="Keep only papers one of whose authors is NAME.")
@click.option("--dry-run", is_flag=True, help="Show what would be added; write nothing.")
@json_option
@db_option
def add(
    identifiers: tuple[str, ...],
    sources: tuple[str, ...],
    dois: tuple[str, ...],
    titles: str | None,
    keep_unmatched: bool,
    author: str | None,
    dry_run: bool,
    as_json: bool,
    db_path: Path | None,
) -> None:
    """Fetch metadata for arXiv ids or DOIs and store it (re-adding updates).

    Each paper is reported as added, updated (values replaced), filled (missing
    values only), unchanged or not found; --json gives the same words.

    \b
    Accepts 2502.01384, 2502.01384v2, arXiv:2502.01384, abs/pdf URLs,
    10.48550/arXiv.2502.01384, old-style ids such as hep-th/9901001, and DOIs
    (fetched from doi.org). --titles reads a CV's publication list instead: a
    match needs the same title (case, accents, punctuation and TeX aside) and
    first author; close titles are reported as possible matches, never added.
    Example:
      pubdb add 2502.01384 https://arxiv.org/abs/2410.02724 astro-ph/0601001
      pubdb add --from thread.txt
      pubdb add --doi 10.1512/iumj.2024.73.9928
      pubdb add --titles cv.txt --dry-run
      pubdb add --from thread.txt --author "Oussama Zekri"
    """
    if titles:
        if identifiers or sources or dois:
            raise UsageError("--titles reads a publication list: give ids in another run")
        report = _add_titles(titles, keep_unmatched, author, dry_run, db_path)
    else:
        if keep_unmatched:
            raise UsageError("--keep-unmatched goes with --titles")
        report = _add_identifiers([*identifiers, *dois], sources, author, dry_run, db_path)
    _show_added(report, as_json, wide=bool(titles))
    sys.exit(0 if report.complete else 1)


def _add_identifiers(wanted: list, sources: tuple[str, ...], author, dry_run, db_path):
    from ..ids import find_arxiv_ids, parse_identifiers

    for source in sources:
        found = find_arxiv_ids(read_source(source))
        if not found:
            raise UsageError(f"no arXiv identifiers found in {source}")
        wanted.extend(found)
    wanted = parse_identifiers(wanted)  # every identifier checked before any request
    with (
        open_library(db_path, creates=True, dry_run=dry_run) as library,
        progress_bar("arXiv") as progress,
    ):
        return library.add(
            wanted, author=author, dry_run=dry_run, progress=progress, on_retry=retry_notice
        )


def _add_titles(path: str, keep_unmatched: bool, author, dry_run: bool, db_path):
    text = read_source(path)
    bar = progress_bar("searching arXiv for each title")
    with open_library(db_path, creates=True, dry_run=dry_run) as library, bar as progress:
        return library.add_titles(
            text, source=path, keep_unmatched=keep_unmatched, author=author,
            dry_run=dry_run, progress=progress,
        )  # fmt: skip


def _show_added(report, as_json: bool, *, wide: bool) -> None:
    from .candidates import report_lines

    if as_json:
        click.echo(json.dumps(report.to_dict(), ensure_ascii=False, indent=2))
    elif wide:
        for line in report_lines(report):
            click.echo(line)
        click.echo(report.summary)
        left = [a for a in ("possible", "not found") if report.count(a)]
        if left:
            counts = ", ".join(f"{report.count(a)} {a}" for a in left)
            click.echo(f"pubdb: not added: {counts} (see the lines above)", err=True)
    else:
        _print_report(report, as_json=False)


@click.command()
@click.option("--author", metavar="NAME", help="An author's papers, checked by pubdb's name rules.")
@click.option("--title", metavar="TITLE", help="Papers whose title has every word of TITLE.")
@click.option("--since", metavar="DATE", help="First version on or after DATE (YYYY[-MM[-DD]]).")
@click.option("--until", metavar="DATE", help="First version on or before DATE.")
@click.option(
    "--max",
    "limit",
    type=int,
    default=1000,
    show_default=True,
    help="Read at most this many arXiv results, newest first (arXiv serves 10,000).",
)
@click.option("--add", is_flag=True, help="Add what was found (one transaction).")
@click.option("--dry-run", is_flag=True, help="With --add: show what would be added.")
@json_option
@db_option
def find(
    author: str | None,
    title: str | None,
    since: str | None,
    until: str | None,
    limit: int,
    add: bool,
    dry_run: bool,
    as_json: bool,
    db_path: Path | None,
) -> None:
    """Search arXiv by author and title: candidates to check, or to add.

    arXiv matches authors by name words, so its results are candidates: pubdb keeps
    the papers one of whose authors is the person asked for ("O. Zekri" is "Oussama
    Zekri", "Karim Zekri" is not), says how many it skipped, and marks those already
    in the library. Without --add nothing is written, and no database is needed.

    \b
    Example:
      pubdb find --author "Oussama Zekri"
      pubdb find --author "S. Jelassi" --since 2023 --json
      pubdb find --title "Large Language Models as Markov Chains"
      pubdb find --author "Oussama Zekri" --add
    """
    from ..library import find_papers
    from ..sources.arxiv_query import SearchQuery

    query = SearchQuery(author=author, title=title, since=since, until=until)
    options = {"dry_run": dry_run, "limit": limit, "on_retry": retry_notice}
    if add:
        with (
            open_library(db_path, creates=True, dry_run=dry_run) as library,
            progress_bar("arXiv") as progress,
        ):
            result = library.find(query, add=True, progress=progress, **options)
    else:
        with progress_bar("arXiv") as progress:
            result = find_papers(
                query, db_path=given_library(db_path), progress=progress, **options
            )
    _show_found(result, limit, as_json)
    sys.exit(0 if result.complete else 1)


def _show_found(result, limit: int, as_json: bool) -> None:
    import json
    import shutil

    from .candidates import candidate_rows, find_json, find_summary, search_notes

    if as_json:
        click.echo(json.dumps(find_json(result), ensure_ascii=False, indent=2))
        return
    for note in search_notes(result, limit):
        click.echo(f"pubdb: {note}", err=True)
    if result.report is not None:
        _show_added(result.report, False, wide=True)
    else:
        width = shutil.get_terminal_size().columns if sys.stdout.isatty() else None
        for row in candidate_rows(result, width):
            click.echo(row)
        click.echo(find_summary(result))
    if not result.found:
        click.echo(f"pubdb: nothing found for {result.query.describe()}", err=True)


def _print_report(report, as_json: bool) -> None:
    from .terminal import clip, outcome_line, output_width, problem_line

    if as_json:
        click.echo(json.dumps(report.to_dict(), ensure_ascii=False, indent=2))
        return
    for problem in report.warnings:
        click.echo(f"warning: {problem_line(problem.message)}", err=True)
    width = output_width()
    for outcome in report.outcomes:
        click.echo(outcome_line(outcome, width))
        for detail in outcome.details:
            click.echo(f"    {clip(detail, 300)}")
    click.echo(report.summary)
    missing = [o.identifier for o in report.outcomes if o.action == "not found"]
    if missing:
        click.echo(f"pubdb: not found: {', '.join(missing)}", err=True)


@click.command()
@click.argument("references", nargs=-1)
@click.option("--dry-run", is_flag=True, help="Show what would change; write nothing.")
@json_option
@db_option
def refresh(
    references: tuple[str, ...], dry_run: bool, as_json: bool, db_path: Path | None
) -> None:
    """Re-query arXiv for arXiv-linked records (all, or the KEYs given).

    New versions, a DOI or journal reference that appeared since; fields you
    edited stay as you set them.

    \b
    Example:
      pubdb refresh zekri2024markov
      pubdb refresh zekri2025finetuning --dry-run
    """
    with open_library(db_path, writes=True) as library, progress_bar("arXiv") as progress:
        report = library.refresh(
            references, dry_run=dry_run, progress=progress, on_retry=retry_notice
        )
    _print_report(report, as_json)
    sys.exit(0 if report.complete else 1)


@click.command()
@click.argument("reference")
@click.option("--set", "assignments", multiple=True, metavar="NAME=VALUE", help="Set a field.")
@click.option("--unset", multiple=True, metavar="NAME", help="Clear a field.")
@click.option("--unlock", multiple=True, metavar="NAME", help="Let refresh update NAME again.")
@click.option("--force", is_flag=True, help="Store a field name that is not BibTeX's.")
@db_option
def edit(
    reference: str,
    assignments: tuple[str, ...],
    unset: tuple[str, ...],
    unlock: tuple[str, ...],
    force: bool,
    db_path: Path | None,
) -> None:
    """Edit one publication; edited fields survive refresh and merges.

    Without --set/--unset/--unlock the record opens in $EDITOR as BibTeX: save
    to apply (what changed is shown); an error reopens the editor with your
    text; quit without saving to change nothing.

    Any field shown by `pubdb show` can be set, plus `authors` ("A and B" or
    "A; B", a trailing * marks equal contribution), `equal` (author positions,
    e.g. 1,2) and any BibTeX/biblatex field (a name that is neither, nor one
    the record has, needs --force: typos are refused with the close names).
    `status` and `pubstate` are one fact. A new year drops a month that came
    from arXiv. A citation key never changes on its own once given: a new
    year keeps the key.

    \b
    Example:
      pubdb edit jelassi2022momentum --set venue="ICML 2022" \\
          --set note="Oral presentation (top 5%)" --set kind=conference
      pubdb edit pumir2018smoothed --set equal=1,2
      pubdb edit zekri2024markov --set selected=true --set code=https://github.com/o/markov
      pubdb edit zekri2024markov --set pubstate=submitted --set talk=https://x.org --force
      EDITOR=nano pubdb edit zekri2025finetuning
    """
    from ..papers.editing import parse_assignment

    if not (assignments or unset or unlock):
        if not (os.environ.get("VISUAL") or os.environ.get("EDITOR") or sys.stdin.isatty()):
            raise UsageError("nothing to do: give --set, --unset or --unlock, or set $EDITOR")
        _edit_in_editor(reference, force, db_path)
        return
    pairs = [parse_assignment(text) for text in assignments]
    notes: list[str] = []
    with open_library(db_path, writes=True) as library:
        if pairs or unset:
            publication = library.edit(reference, pairs, unset, force=force, notes=notes)
        if unlock:
            publication = library.unlock(reference, unlock)
    changed = [name for name, _ in pairs] + list(unset) + [f"unlocked {n}" for n in unlock]
    click.echo(f"updated {publication.citekey}: {', '.join(changed)}")
    for note in notes:
        click.echo(f"  {note}")


EDIT_HELP = (
    "% pubdb: edit the entry, save and quit to apply; quit without saving to change nothing.\n"
    "% The key stays as it is: keys never change once given.\n"
)


def _edit_in_editor(reference: str, force: bool, db_path: Path | None) -> None:
    """The record in $EDITOR until it saves cleanly; an error reopens it with the text
    as the user left it and the error above it."""
    with open_library(db_path) as library:
        original = library.record_bibtex(reference)
        text = EDIT_HELP + original
        while True:
            edited = click.edit(text, extension=".bib", require_save=True)
            if edited is None or _entry_text(edited) == original.strip():
                click.echo("no change")
                return
            try:
                publication, changes, notes = library.edit_bibtex(reference, edited, force=force)
            except UsageError as problem:
                click.echo(f"pubdb: {problem} (reopening the editor)", err=True)
                text = f"% pubdb: {problem}\n" + EDIT_HELP + _entry_text(edited) + "\n"
                continue
            break
    if not changes:
        click.echo("no change")
        return
    click.echo(f"updated {publication.citekey}:")
    for change in changes:
        click.echo(f"  {change}")
    for note in notes:
        click.echo(f"  {note}")


def _entry_text(text: str) -> str:
    """The text without pubdb's comment lines."""
    return "\n".join(
        line
        for line in text.splitlines()
        if not line.startswith("% pubdb:") and not line.startswith("% The key stays")
    ).strip()


@click.command("rm")
@click.argument("references", nargs=-1, required=True)
@db_option
def rm(references: tuple[str, ...], db_path: Path | None) -> None:
    """Remove publications (by key, arXiv id or DOI).

    \b
    Example:
      pubdb rm zekri2024convergence
    """
    from .terminal import TITLE_CAP, readable

    with open_library(db_path, writes=True) as library:
        removed = library.remove(references)
    for publication in removed:
        click.echo(f"removed {publication.citekey}  {readable(publication.title, TITLE_CAP)}")


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
      pubdb import mine.bib      # holds zekri2024llm, titled differently
      pubdb merge zekri2024markov zekri2024llm
    """
    with open_library(db_path, writes=True) as library:
        publication, result = library.merge(keep, other, prefer_incoming=prefer == "incoming")
    click.echo(f"merged {other} into {publication.citekey}")
    if result.filled or result.replaced:
        click.echo(f"  took from {other}: {', '.join(result.filled + result.replaced)}")
    if result.conflicts:
        click.echo(f"  kept from {keep}: {', '.join(result.conflicts)}")


COMMANDS = (add, find, refresh, edit, rm, merge)
