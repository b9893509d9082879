"""`pubdb export` (BibTeX, CV lists, citation styles) and `pubdb styles`."""

from __future__ import annotations

import sys
from pathlib import Path

import click

from ..errors import UsageError
from .group import db_option, open_library, progress_bar

LIST_FORMATS = ("markdown", "html", "latex", "text", "json", "csl-json")


@click.command()
@click.option("--bibtex", "fmt", flag_value="bibtex", help="BibTeX (the default).")
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["bibtex", *LIST_FORMATS, "hugo"]),
    help="bibtex, or a publication list: markdown, html, latex, text, json, csl-json;"
    " hugo: a HugoBlox publication page per paper in the folder -o DIR.",
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
@click.option("--fragment", is_flag=True,
              help="html: the list alone (no <html>, <head>, style or title), to include"
              " in a Jekyll or Hugo page.")  # fmt: skip
@click.option("--al-folio", is_flag=True,
              help="bibtex: add the fields al-folio shows (arxiv, pdf, html, abbr).")  # fmt: skip
@click.option("--selected", is_flag=True,
              help="Only publications flagged selected (--set selected=true).")  # fmt: skip
@click.option("--expand-strings", is_flag=True,
              help="BibTeX: plain values, no @string abbreviations.")  # fmt: skip
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
    fragment: bool,
    al_folio: bool,
    selected: bool,
    expand_strings: bool,
    db_path: Path | None,
) -> None:
    """Export publications: BibTeX, a CV-style list, or a citation style.

    \b
    Example:
      pubdb export --bibtex -o bib/all.bib
      pubdb export --bibtex --expand-strings
      pubdb export --format markdown --author "Samy Jelassi"
      pubdb export --format html --author "Oussama Zekri" --numbered -o zekri.html
      pubdb export --style apa --author "S. Jelassi"
      pubdb export --format html --fragment --author "Samy Jelassi" -o publications.html
      pubdb export --format markdown --selected --heading "Selected publications"
      pubdb export --format hugo --author "Samy Jelassi" -o publications
      pubdb export --bibtex --al-folio --author "Samy Jelassi" -o papers.bib
    """
    from ..files import open_output

    if style and fmt not in (None, "text", "html"):
        raise UsageError("--style formats text or html; drop --format or use --format html")
    fmt = fmt or ("text" if style else "bibtex")
    if fragment and fmt != "html":
        raise UsageError("--fragment is for --format html")
    if al_folio and fmt != "bibtex":
        raise UsageError("--al-folio is for BibTeX (--bibtex)")
    if fmt == "hugo" and output in (None, "-"):
        raise UsageError("--format hugo writes a folder: give it with -o DIR")
    # A bar on the terminal only while the entries go elsewhere (not mixed with them).
    to_file = output not in (None, "-") or not sys.stdout.isatty()
    with open_library(db_path) as library, progress_bar("export") as progress:
        if fmt == "bibtex":
            with open_output(output) as out:
                count = library.export_bibtex(
                    out, author=author, al_folio=al_folio, selected=selected,
                    expand_strings=expand_strings, progress=progress if to_file else None,
                )  # fmt: skip
            if output not in (None, "-"):
                click.echo(f"wrote {count} entries to {output}", err=True)
            return
        if fmt == "hugo":
            count = library.export_hugo(
                output, author=author, name_style=name_style, selected=selected
            )
            click.echo(f"wrote {count} publication pages to {output}", err=True)
            return
        if style:
            text = library.render_style(style, author=author, output=fmt, selected=selected)
            with open_output(output) as out:
                out.write(text if text.endswith("\n") else text + "\n")
            return
        pieces = library.stream_list(
            fmt,
            author=author,
            group_by=group_by,
            order=[part for part in (order or "").split(",") if part.strip()] or None,
            name_style=name_style,
            numbered=numbered,
            heading=heading,
            fragment=fragment,
            selected=selected,
        )
        first = next(pieces)  # errors (an unknown author, group) before any output
        with open_output(output) as out:
            out.write(first)
            out.writelines(pieces)


@click.command()
@click.argument("query", required=False)
def styles(query: str | None) -> None:
    """List the CSL citation styles available offline (or those matching QUERY).

    \b
    Example:
      pubdb styles ieee
    """
    from ..render.styles import available_styles

    for name in available_styles():
        if not query or query.lower() in name:
            click.echo(name)


COMMANDS = (
    export,
    styles,
)
