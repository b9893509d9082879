"""People commands: authors, author show/merge/alias/split, coauthors, overlap, path."""

from __future__ import annotations

import csv
import json
import sys
from dataclasses import asdict
from pathlib import Path

import click

from ..errors import UsageError
from ..normalize import plural
from .group import db_option, json_option, open_library


def _echo_json(value) -> None:
    click.echo(json.dumps(value, ensure_ascii=False, indent=2, default=lambda o: asdict(o)))


def _person_line(person) -> str:
    variants = [v for v in person.variants if v != person.name]
    line = f"{person.name:<32} {plural(person.papers, 'paper'):>10}"
    if variants:
        line += "   also: " + "; ".join(variants)
    if person.ambiguous:
        line += "   [ambiguous]"
    return line


@click.command()
@click.argument("query", required=False)
@click.option("--ambiguous", is_flag=True, help="Names that fit several people.")
@json_option
@db_option
def authors(query: str | None, ambiguous: bool, as_json: bool, db_path: Path | None) -> None:
    """List people with paper counts and name variants (or those QUERY could mean).

    \b
    Example:
      pubdb authors Jelassi
      pubdb authors --ambiguous
    """
    with open_library(db_path) as library:
        if ambiguous:
            found = library.ambiguous_authors()
            if as_json:
                return _echo_json(found)
            for item in found:
                others = ", ".join(f"{p.name} ({p.papers})" for p in item.also_fits)
                click.echo(
                    f"{item.name!r} on papers of {item.holder.name} ({item.holder.papers})"
                    f" also fits: {others}"
                )
            return
        people = library.authors(query)
    if as_json:
        return _echo_json(people)
    for person in people:
        click.echo(_person_line(person))


@click.group()
def author() -> None:
    """One person: show, merge, alias, split."""


@author.command("show")
@click.argument("name")
@json_option
@db_option
def author_show(name: str, as_json: bool, db_path: Path | None) -> None:
    """Show a person: name variants and publications.

    \b
    Example:
      pubdb author show "S. Jelassi"
    """
    with open_library(db_path) as library:
        person, publications = library.author(name)
    if as_json:
        return _echo_json({"person": person, "publications": [p.to_dict() for p in publications]})
    from .terminal import TITLE_CAP, readable

    click.echo(_person_line(person))
    for p in publications:
        click.echo(f"  {p.year or '':<4}  {p.citekey:<28}  {readable(p.title, TITLE_CAP)}")


@author.command("merge")
@click.argument("keep")
@click.argument("other")
@db_option
def author_merge(keep: str, other: str, db_path: Path | None) -> None:
    """Declare OTHER the same person as KEEP (persists across re-import and refresh).

    \b
    Example:
      pubdb author merge "Samy Jelassi" "S. Jelassi"
    """
    with open_library(db_path) as library:
        person = library.merge_authors(keep, other)
    click.echo(f"merged: {_person_line(person)}")


@author.command("alias")
@click.argument("name")
@click.argument("variant")
@db_option
def author_alias(name: str, variant: str, db_path: Path | None) -> None:
    """Make VARIANT always mean the person NAME.

    \b
    Example:
      pubdb author alias "Nicolas Boullé" "N. Boulle"
    """
    with open_library(db_path) as library:
        person, moved = library.alias_author(name, variant)
    click.echo(f"{variant!r} now means {person.name} ({moved} authorships moved)")


@author.command("split")
@click.argument("name")
@click.option("--name", "variants", multiple=True, metavar="VARIANT",
              help="Move every paper written with this name variant.")  # fmt: skip
@click.option("--paper", "papers", multiple=True, metavar="KEY",
              help="Move this person's authorship on this paper.")  # fmt: skip
@click.option("--into", metavar="PERSON", help="Move to this person instead of a new one.")
@db_option
def author_split(
    name: str, variants: tuple[str, ...], papers: tuple[str, ...], into: str | None,
    db_path: Path | None,
) -> None:  # fmt: skip
    """Split a name variant or some papers off a person (two people after all).

    \b
    Example:
      pubdb author split "Yuanzhi Li" --name "Y. Li"
      pubdb author split "Yuanzhi Li" --paper li2023other --into "Yingzhen Li"
    """
    if not (variants or papers):
        raise UsageError("give --name VARIANT or --paper KEY")
    with open_library(db_path) as library:
        person, moved = library.split_author(name, variants=variants, papers=papers, into=into)
    click.echo(f"moved {moved} authorships to {person.name}")


@click.command()
@click.argument("name")
@click.option("--since", "since_year", type=int, metavar="YEAR", help="Papers from YEAR on.")
@click.option("--months", type=click.IntRange(min=1), help="Papers of the last N months.")
@click.option("--csv", "as_csv", is_flag=True, help="CSV: name, affiliation, last active.")
@json_option
@db_option
def coauthors(
    name: str, since_year: int | None, months: int | None, as_csv: bool, as_json: bool,
    db_path: Path | None,
) -> None:  # fmt: skip
    """Co-authors of NAME with joint papers and the last year together.

    `--months 48 --csv` gives the collaborators table of a US NSF proposal.

    \b
    Example:
      pubdb coauthors "Samy Jelassi" --since 2022
      pubdb coauthors "S. Jelassi" --months 48 --csv > coa.csv
    """
    if since_year is not None and months is not None:
        raise UsageError("give --since or --months, not both")
    with open_library(db_path) as library:
        found = library.coauthors(name, since_year=since_year, months=months)
    if as_json:
        return _echo_json(found)
    if as_csv:
        writer = csv.writer(sys.stdout, lineterminator="\n")
        writer.writerow(["name", "affiliation", "last_active"])
        for c in found:
            writer.writerow([c.name, c.affiliation or "", c.last_year or ""])
        return
    for c in found:
        click.echo(f"{c.name:<32} {plural(c.papers, 'paper'):>10}   last {c.last_year or '?'}")


@click.command()
@click.argument("names", nargs=-1, required=True)
@json_option
@db_option
def overlap(names: tuple[str, ...], as_json: bool, db_path: Path | None) -> None:
    """Co-authors shared by all NAMES, and the papers they wrote together.

    \b
    Example:
      pubdb overlap "Oussama Zekri" "Samy Jelassi"
    """
    with open_library(db_path) as library:
        result = library.overlap(names)
        labels = library.person_names(result.people)
    if as_json:
        return _echo_json(result)
    people = " & ".join(labels[p] for p in result.people)
    click.echo(
        f"{len(result.shared)} shared co-authors, {len(result.joint)} joint papers: {people}"
    )
    for shared in result.shared:
        click.echo(f"{shared.name}")
        for side, papers in shared.papers.items():
            keys = ", ".join(p.citekey for p in papers)
            click.echo(f"    with {labels[side]}: {keys}")
    if result.joint:
        from .terminal import TITLE_CAP, readable

        click.echo("joint papers:")
        for paper in result.joint:
            title = readable(paper.title, TITLE_CAP)
            click.echo(f"    {paper.year or '':<4}  {paper.citekey}  {title}")


@click.command()
@click.argument("source")
@click.argument("target")
@json_option
@db_option
def path(source: str, target: str, as_json: bool, db_path: Path | None) -> None:
    """The shortest chain of co-authorship from SOURCE to TARGET.

    \b
    Example:
      pubdb path "Oussama Zekri" "Samy Jelassi"
    """
    with open_library(db_path) as library:
        hops = library.collaboration_path(source, target)
        labels = library.person_names({p for h in hops or [] for p in (h.source, h.target)})
    if as_json:
        _echo_json(hops)
        if hops is None:
            sys.exit(1)
        return
    if hops is None:
        click.echo(f"{source} and {target} are not connected")
        sys.exit(1)
    click.echo(f"{len(hops)} hops")
    for hop in hops:
        click.echo(f"{labels[hop.source]} — {labels[hop.target]}  via {hop.paper.citekey}")


COMMANDS = (authors, author, coauthors, overlap, path)
