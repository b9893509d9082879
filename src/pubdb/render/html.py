"""One standalone HTML page: no external assets, no scripts (a Content-Security-Policy
forbids them too), every data text escaped."""

from __future__ import annotations

import itertools
from collections.abc import Iterator
from html import escape

from ..tex.math import display_math
from .emphasis import EM, plain, styled
from .entries import Entry, Group, Listing, NamePart, join_sentences

DEFAULT_TITLE = "Publications"
CSP = "default-src 'none'; style-src 'unsafe-inline'; img-src data:"
STYLE = """
:root { color-scheme: light dark; --ink: #1d1d1f; --muted: #5a5a60; --accent: #0b57d0;
  --rule: #d9d9de; --paper: #ffffff; }
@media (prefers-color-scheme: dark) {
  :root { --ink: #e8e8ea; --muted: #a8a8b0; --accent: #8ab4f8; --rule: #3a3a40;
    --paper: #16161a; }
}
* { box-sizing: border-box; }
body { margin: 0; background: var(--paper); color: var(--ink);
  font: 1rem/1.55 system-ui, -apple-system, "Segoe UI", Roboto, "Helvetica Neue", Arial,
  sans-serif; }
main { max-width: 48rem; margin: 0 auto; padding: 2.5rem 1.25rem 4rem; }
h1 { font-size: 2rem; line-height: 1.2; margin: 0 0 1.5rem; }
h2 { font-size: 1.25rem; margin: 2.25rem 0 0.75rem; padding-bottom: 0.3rem;
  border-bottom: 1px solid var(--rule); }
ol, ul { margin: 0; padding-left: 0; }
ul { list-style: none; }
ol { padding-left: 3rem; }
ol > li::marker { content: "[" counter(list-item) "]\\2003"; color: var(--muted);
  font-variant-numeric: tabular-nums; }
li { margin: 0 0 1rem; }
cite { font-style: normal; font-weight: 600; }
.authors strong { font-weight: 700; text-decoration: underline;
  text-decoration-thickness: 1px; text-underline-offset: 0.2em; }
.venue { font-style: italic; }
.note, .legend { color: var(--muted); }
.links a { margin-right: 0.75em; white-space: nowrap; }
a { color: var(--accent); text-underline-offset: 0.15em; }
a:focus-visible { outline: 2px solid var(--accent); outline-offset: 2px; }
abbr[title] { text-decoration: none; cursor: help; }
@media print { body { font-size: 10.5pt; } main { padding: 0; max-width: none; }
  a { color: inherit; text-decoration: none; } }
"""


def note(tex: str) -> str:
    return styled(tex, lambda text: escape(display_math(text)), _wrap)


def _wrap(text: str, style: str) -> str:
    return f"<em>{text}</em>" if style == EM else f"<strong>{text}</strong>"


def name(part: NamePart) -> str:
    """Escaped, on one line: no break between initials and family name."""
    text = escape(part.text).replace(" ", "\u00a0")
    if part.highlighted:
        text = f"<strong>{text}</strong>"
    if part.equal_contribution:
        text += '<abbr title="equal contribution">*</abbr>'
    return text


def entry_html(entry: Entry) -> str:
    authors = ", ".join(name(part) for part in entry.authors)
    raw_authors = ", ".join(part.text for part in entry.authors)
    if entry.authors and entry.authors[-1].equal_contribution:
        raw_authors += "*"
    pieces = [
        (raw_authors, f'<span class="authors">{authors}</span>'),
        (entry.title, f"<cite>{escape(display_math(entry.title))}</cite>"),
        (entry.venue, f'<span class="venue">{escape(entry.venue)}</span>'),
        *((plain(tex), f'<span class="note">{note(tex)}</span>') for tex in entry.notes),
    ]
    text = join_sentences(pieces)
    if entry.links:
        anchors = " ".join(
            f'<a href="{escape(link.url)}">{escape(link.label)}</a>' for link in entry.links
        )
        text += f' <span class="links">{anchors}</span>'
    return text


def group_chunks(group: Group, index: int, numbered: bool) -> Iterator[str]:
    entries = iter(group.entries)
    first = next(entries, None)
    if first is None:
        return
    tag = "ol" if numbered else "ul"
    start = f' start="{first.number}"' if numbered and first.number not in (None, 1) else ""
    heading_id = f"group-{index}"
    if group.title:
        yield (
            f'<section aria-labelledby="{heading_id}">\n'
            f'<h2 id="{heading_id}">{escape(group.title)}</h2>\n'
        )
    yield f"<{tag}{start}>\n"
    for entry in itertools.chain([first], entries):
        yield f"<li>{entry_html(entry)}</li>\n"
    yield f"</{tag}>\n" + ("</section>\n" if group.title else "")


def chunks(listing: Listing) -> Iterator[str]:
    """A standalone page, or (``listing.fragment``) only the list, in a
    ``<div class="publications">`` to include in a Jekyll or Hugo page: no head, no
    style, no page title."""
    title = escape(listing.heading or DEFAULT_TITLE)
    yield '<div class="publications">\n' if listing.fragment else _page_head(title)
    empty = True
    for index, group in enumerate(listing.groups, start=1):
        for chunk in group_chunks(group, index, listing.numbered):
            empty = False
            yield chunk
    if listing.has_equal_contribution:
        yield '<p class="legend">* Equal contribution.</p>\n'
    if empty:
        yield "<p>No publications.</p>\n"
    yield "</div>\n" if listing.fragment else "</main>\n</body>\n</html>\n"


def _page_head(title: str) -> str:
    return f"""<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta http-equiv="Content-Security-Policy" content="{CSP}">
<meta name="generator" content="pubdb">
<title>{title}</title>
<style>{STYLE}</style>
</head>
<body>
<main>
<h1>{title}</h1>
"""


def render(listing: Listing) -> str:
    return "".join(chunks(listing))
