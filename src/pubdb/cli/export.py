"""`pubdb export` (BibTeX, CV lists, citation styles) and `pubdb styles`."""

from __future__ import annotations

import sys
import time
from pathlib import Path

import click

from ..errors import PubdbError, UsageError
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
@click.option("--aux", "aux_files", multiple=True, metavar="FILE",
              help="BibTeX: only the entries a compiled LaTeX document cites (its .aux,"
              " or biblatex's .bcf), with the entries they crossref and the @string and"
              " @preamble blocks they use.")  # fmt: skip
@click.option("--tex", "tex_files", multiple=True, metavar="FILE",
              help="BibTeX: only the entries the \\cite commands of a LaTeX document (and"
              " the files it inputs) name.")  # fmt: skip
@click.option("--keys", "key_lists", multiple=True, metavar="K1,K2",
              help="BibTeX: only these entries (and those they crossref).")  # fmt: skip
@click.option("--watch", is_flag=True,
              help="BibTeX: keep the file -o FILE up to date, rewritten when the library or"
              " the document changes (Ctrl-C stops).")  # fmt: skip
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
    aux_files: tuple[str, ...],
    tex_files: tuple[str, ...],
    key_lists: tuple[str, ...],
    watch: bool,
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
      pubdb export --bibtex --aux paper.aux -o refs.bib
      pubdb export --bibtex --tex paper.tex -o refs.bib
      pubdb export --bibtex --keys jelassi2024repeat,zekri2024markov
      pubdb export --bibtex --aux paper.aux -o refs.bib --watch   # runs until Ctrl-C

    With --aux, --tex or --keys, a key a merge absorbed finds its paper (written
    under that key); keys the library lacks are listed with close ones, and the exit
    status is 1 (the file is still written). A file that would not change is left as
    it is.
    """
    from ..files import Written, open_output

    if style and fmt not in (None, "text", "html"):
        raise UsageError("--style formats text or html; drop --format or use --format html")
    fmt = fmt or ("text" if style else "bibtex")
    if fragment and fmt != "html":
        raise UsageError("--fragment is for --format html")
    if al_folio and fmt != "bibtex":
        raise UsageError("--al-folio is for BibTeX (--bibtex)")
    if fmt == "hugo" and output in (None, "-"):
        raise UsageError("--format hugo writes a folder: give it with -o DIR")
    cited = aux_files or tex_files or key_lists
    if (cited or watch) and fmt != "bibtex":
        raise UsageError("--aux, --tex, --keys and --watch are for BibTeX (--bibtex)")
    if cited and (author or selected):
        raise UsageError("--aux, --tex and --keys choose the entries: drop --author, --selected")
    if watch and output in (None, "-"):
        raise UsageError("--watch keeps a file up to date: give it with -o FILE")
    if cited or watch:
        options = dict(expand_strings=expand_strings, al_folio=al_folio, author=author,
                       selected=selected)  # fmt: skip
        with open_library(db_path) as library:
            sources = (aux_files, tex_files, key_lists) if cited else None
            _bibtex_kept(library, sources, output, watch=watch, **options)
        return
    # A bar on the terminal only while the entries go elsewhere (not mixed with them).
    to_file = output not in (None, "-") or not sys.stdout.isatty()
    with open_library(db_path) as library, progress_bar("export") as progress:
        if fmt == "bibtex":
            written = Written()
            with open_output(output, written=written) as out:
                count = library.export_bibtex(
                    out, author=author, al_folio=al_folio, selected=selected,
                    expand_strings=expand_strings, progress=progress if to_file else None,
                )  # fmt: skip
            if output not in (None, "-"):
                click.echo(_written_line(output, count, written.changed), err=True)
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


def _bibtex_kept(library, sources, output, *, watch: bool, **options) -> None:
    """A document's .bib (``sources``: its .aux, .tex and keys), or the library's; with
    ``watch``, written again at each change until Ctrl-C."""
    if not watch:
        written, notes, missing = _bibtex_once(library, sources, output, **options)
        for line in ([written] if output not in (None, "-") else []) + notes:
            click.echo(line, err=True)
        sys.exit(1 if missing else 0)
    watched: list = []  # the document's files as last read (an .aux may include more)
    said: list[str] = []
    click.echo(f"keeping {output} up to date (Ctrl-C stops)", err=True)
    try:
        for turn, _ in enumerate(library.changes(lambda: watched)):
            try:
                written, notes, _ = _bibtex_once(library, sources, output, watched, **options)
            except PubdbError as exc:  # a .aux deleted or unreadable while LaTeX works
                if turn == 0:
                    raise
                written, notes = "", [f"pubdb: {exc}"]
            # Each rewrite is said, with the time; notes only when they change.
            stamp = time.strftime("%H:%M:%S ")
            for line in [written] * written.startswith("wrote") + (notes if notes != said else []):
                click.echo(stamp + line, err=True)
            said = notes
    except KeyboardInterrupt:
        click.echo(f"stopped watching {output}", err=True)


def _bibtex_once(library, sources, output, watched=None, *, author, selected, **options):
    """Write once; returns (the line saying what was written, notes for the user,
    whether cited keys are missing). ``watched`` is given the document's files."""
    from ..files import Written, open_output
    from ..tex.citations import document_citations
    from .terminal import cited_lines

    if sources is None:
        written = Written()
        with open_output(output, written=written) as out:
            count = library.export_bibtex(out, author=author, selected=selected, **options)
        return _written_line(output, count, written.changed), [], False
    citations = document_citations(*sources)
    if watched is not None:
        watched[:] = citations.files
    result = library.export_cited(citations, output, **options)
    written = _written_line(output, result.count, result.changed)
    return written, cited_lines(result), bool(result.missing)


def _written_line(output, count: int, changed: bool) -> str:
    entries = f"{count} {'entry' if count == 1 else 'entries'}"
    return f"wrote {entries} to {output}" if changed else f"{output} unchanged ({entries})"


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
