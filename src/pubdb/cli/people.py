"""People commands: authors, author show/merge/alias/split, coauthors, overlap, path."""

from __future__ import annotations

import csv
import json
import sys
from dataclasses import asdict
from pathlib import Path

import click

from ..errors import UsageError
from ..normalize import plural, strip_control
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

    QUERY is any part of a name ("Attia" finds Y. Attia El Hili); a QUERY that means
    nobody exits 2 with the closest names, as every command taking a name does.

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
    """One person: show, set, merge, alias, split.

    \b
    Example:
      pubdb author show "O. Zekri"
    """


@author.command("show")
@click.argument("name")
@json_option
@db_option
def author_show(name: str, as_json: bool, db_path: Path | None) -> None:
    """Show a person: name variants, affiliations and publications.

    \b
    Example:
      pubdb author show "S. Jelassi"
    """
    with open_library(db_path) as library:
        profile = library.author_profile(name)
        _, publications = library.author(name)
    if as_json:
        return _echo_json(
            {
                "person": profile.person,
                "profile": profile,
                "publications": [p.to_dict() for p in publications],
            }
        )
    from .terminal import TITLE_CAP, readable

    for line in _profile_lines(profile):
        click.echo(line)
    for p in publications:
        click.echo(f"  {p.year or '':<4}  {p.citekey:<28}  {readable(p.title, TITLE_CAP)}")


def _profile_lines(profile) -> list[str]:
    return [strip_control(line) for line in _profile_text(profile)]


def _profile_text(profile) -> list[str]:
    lines = [_person_line(profile.person)]
    if profile.family:
        decided = " (decided)" if profile.decided_family else ""
        lines.append(f"  family name: {profile.family}{decided}; given: {profile.given or '—'}")
    if profile.contact:
        lines.append(f"  contact: {profile.contact}")
    for fact in profile.affiliations:
        lines.append(f"  affiliation: {fact.affiliation} ({_where_from(fact)})")
    return lines


def _where_from(fact) -> str:
    if fact.source == "manual":
        return f"since {fact.year}, set by you" if fact.year else "current, set by you"
    return f"{fact.year or 'undated'}, {SOURCE_NAMES.get(fact.source, fact.source)} {fact.citekey}"


SOURCE_NAMES = {"arxiv": "arXiv", "bibtex": "BibTeX", "doi": "DOI metadata"}


@author.command("set")
@click.argument("name")
@click.option("--name", "full_name", metavar="FULL", help="The full name they go by.")
@click.option("--family", metavar="WORDS",
              help="Where the family name starts: its words (\"Attia El Hili\").")  # fmt: skip
@click.option("--affiliation", metavar="TEXT", help="Their organisation.")
@click.option("--since", type=int, metavar="YEAR",
              help="Year the affiliation started (without it: current).")  # fmt: skip
@click.option("--contact", metavar="TEXT",
              help="Email or department (the NSF table's optional column).")  # fmt: skip
@click.option("--unset", multiple=True, metavar="WHAT",
              help="Forget a decision: name, family, affiliation or contact.")  # fmt: skip
@json_option
@db_option
def author_set(
    name: str, full_name: str | None, family: str | None, affiliation: str | None,
    since: int | None, contact: str | None, unset: tuple[str, ...], as_json: bool,
    db_path: Path | None,
) -> None:  # fmt: skip
    """Decide what NAME is called and where they work; kept across import and refresh.

    The full name shows wherever the person is named (lists with --name-style full,
    coauthors, the NSF table) and means them on later papers. --family splits names
    written given-name first ("Youssef Attia El Hili") on every paper, now and on
    every later add and refresh. An affiliation set without --since is current; the
    latest of those set and those on papers (arXiv, BibTeX, DOI) goes in the NSF table.

    \b
    Example:
      pubdb author set "S. Kakade" --name "Sham Kakade" --affiliation Harvard --since 2022
      pubdb author set "Y. Attia El Hili" --family "Attia El Hili"
      pubdb author set "Sham Kakade" --unset affiliation
    """
    with open_library(db_path) as library:
        profile = library.set_author(
            name, full_name=full_name, family=family, affiliation=affiliation, since=since,
            contact=contact, unset=unset,
        )  # fmt: skip
    if as_json:
        return _echo_json(profile)
    for line in _profile_lines(profile):
        click.echo(line)


@author.command("merge")
@click.argument("keep")
@click.argument("other")
@db_option
def author_merge(keep: str, other: str, db_path: Path | None) -> None:
    """Declare OTHER the same person as KEEP (persists across re-import and refresh).

    \b
    Example:
      pubdb import talk.bib      # a talk that lists "Jelassi Samy"
      pubdb author merge "S. Jelassi" "Jelassi Samy"
    """
    with open_library(db_path, writes=True) as library:
        person = library.merge_authors(keep, other)
    click.echo(f"merged: {_person_line(person)}")


@author.command("alias")
@click.argument("name")
@click.argument("variant")
@db_option
def author_alias(name: str, variant: str, db_path: Path | None) -> None:
    """Make VARIANT also mean the person NAME (who keeps every other name).

    A name that is already someone else's is refused: `author merge` says two
    people are one, `author split --name --into` moves the papers written so.

    \b
    Example:
      pubdb author alias "Nicolas Boullé" "N. Boulle"
    """
    with open_library(db_path, writes=True) as library:
        person, moved = library.alias_author(name, variant)
    names = "; ".join(person.variants)
    click.echo(
        f"{variant!r} now also means {person.name}, who answers to: {names}"
        f" ({moved} authorships moved)"
    )


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
    """Split a name variant or some papers off a person (two people after all);
    --into gives them to a person already known instead of a new one.

    \b
    Example:
      pubdb author split "Y. Li" --paper jelassi2023length
    """
    if not (variants or papers):
        raise UsageError("give --name VARIANT or --paper KEY")
    with open_library(db_path, writes=True) as library:
        person, moved = library.split_author(name, variants=variants, papers=papers, into=into)
    click.echo(f"moved {moved} authorships to {person.name}")


@click.command()
@click.argument("names", nargs=-1, required=True)
@click.option("--since", "since_year", type=int, metavar="YEAR", help="Papers from YEAR on.")
@click.option("--months", type=click.IntRange(min=1), help="Papers of the last N months.")
@click.option("--as-of", metavar="DATE",
              help="Count --months back from DATE (YYYY-MM[-DD]): the proposal's.")  # fmt: skip
@click.option("--csv", "as_csv", is_flag=True, help="The NSF COA template's Table 4, as CSV.")
@json_option
@db_option
def coauthors(
    names: tuple[str, ...], since_year: int | None, months: int | None, as_of: str | None,
    as_csv: bool, as_json: bool, db_path: Path | None,
) -> None:  # fmt: skip
    """Co-authors of NAME (or of several people: each co-author once, saying whose),
    with joint papers, the last year together and the latest affiliation.

    `--months 48 --csv` is Table 4 of the NSF Collaborators and Other Affiliations
    template: type (A: co-author), Name (Last, First), Organizational Affiliation,
    Optional (email, Department), Last Active (MM/DD/YYYY), alphabetical; with several
    names, a last column says whose co-author each one is. A paper whose month is
    unknown counts as the end of its year (12/31): it is in a window that reaches that
    year, and its Last Active date is December 31; a known month without a day counts
    as the last day of that month.

    \b
    Example:
      pubdb coauthors "Samy Jelassi" --since 2022
      pubdb coauthors "S. Jelassi" --months 48 --csv > coa.csv
      pubdb coauthors "Samy Jelassi" "Oussama Zekri" --months 48 --as-of 2026-12-01 --csv
    """
    if since_year is not None and months is not None:
        raise UsageError("give --since or --months, not both")
    if as_of is not None and months is None:
        raise UsageError("--as-of dates the end of --months: give --months too")
    with open_library(db_path) as library:
        found = library.coauthors(
            names, since_year=since_year, months=months, as_of=_date(as_of), counts=not as_csv
        )
    if as_json:
        return _echo_json(found)
    if as_csv:
        return _write_nsf_table(found, several=len(names) > 1)
    for c in found:
        line = f"{c.name:<32} {plural(c.papers, 'paper'):>10}   last {c.last_year or '?'}"
        if c.affiliation:
            line += f"   {c.affiliation}"
        if len(names) > 1:
            line += f"   (with {', '.join(c.coauthor_of)})"
        click.echo(strip_control(line))


NSF_TABLE_4 = ("4", "Name:", "Organizational Affiliation", "Optional (email, Department)",
               "Last Active")  # fmt: skip


def _write_nsf_table(found, *, several: bool) -> None:
    """The table in one write (a lab's table has thousands of rows)."""
    import io

    from ..normalize import fold_key

    table = io.StringIO()
    writer = csv.writer(table, lineterminator="\n")
    writer.writerow([*NSF_TABLE_4, *(["Co-author of"] if several else [])])
    for c in sorted(found, key=lambda c: (fold_key(c.family or c.name), fold_key(c.given))):
        # the type and the date are ours; the names and places came from outside
        row = ["A:", _cell(_last_first(c)), _cell(c.affiliation or ""), _cell(c.contact or "")]
        row.append(_us_date(c.last_active))
        if several:
            row.append(_cell("; ".join(c.coauthor_of)))
        writer.writerow(row)
    sys.stdout.write(table.getvalue())


FORMULA_STARTS = ("=", "+", "-", "@")


def _cell(text: str) -> str:
    """Spreadsheet-safe: no control characters, and text a spreadsheet would run as a
    formula (=, +, -, @ first: an affiliation comes from outside) starts with a quote."""
    if not (text.isprintable() and "  " not in text and text == text.strip()):
        text = " ".join(strip_control(text).split())  # printable, single spaces: as it is
    return "'" + text if text.startswith(FORMULA_STARTS) else text


def _last_first(coauthor) -> str:
    if not coauthor.family:
        return coauthor.name
    return f"{coauthor.family}, {coauthor.given}" if coauthor.given else coauthor.family


def _us_date(iso: str | None) -> str:
    """YYYY-MM-DD as the template's MM/DD/YYYY."""
    return f"{iso[5:7]}/{iso[8:10]}/{iso[:4]}" if iso else ""


def _date(text: str | None):
    import re
    from datetime import date

    if text is None:
        return None
    match = re.fullmatch(r"(\d{4})-(\d{1,2})(?:-(\d{1,2}))?", text.strip())
    try:
        if match:
            return date(int(match[1]), int(match[2]), int(match[3] or 1))
    except ValueError:
        pass
    raise UsageError(f"--as-of takes a date YYYY-MM-DD or YYYY-MM, not {text!r}")


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
        # the papers behind shared co-authors are read on first use: while the db is open
        output = result.as_dict() if as_json else _overlap_lines(result, labels)
    if as_json:
        return _echo_json(output)
    for line in output:
        click.echo(line)


def _overlap_lines(result, labels: dict[int, str]) -> list[str]:
    people = " & ".join(labels[p] for p in result.people)
    lines = [f"{len(result.shared)} shared co-authors, {len(result.joint)} joint papers: {people}"]
    for shared in result.shared:
        lines.append(shared.name)
        for side, papers in shared.papers.items():
            keys = ", ".join(p.citekey for p in papers)
            lines.append(f"    with {labels[side]}: {keys}")
    if result.joint:
        from .terminal import TITLE_CAP, readable

        lines.append("joint papers:")
        for paper in result.joint:
            title = readable(paper.title, TITLE_CAP)
            lines.append(f"    {paper.year or '':<4}  {paper.citekey}  {title}")
    return lines


@click.command()
@click.argument("source")
@click.argument("target")
@json_option
@db_option
def path(source: str, target: str, as_json: bool, db_path: Path | None) -> None:
    """A shortest chain of co-authorship from SOURCE to TARGET, each hop with the
    newest paper its two people wrote together.

    \b
    Example:
      pubdb path "D. Brandfonbrener" "Y. Wu"
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
