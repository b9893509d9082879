"""Markdown (CommonMark, and pandoc's Markdown) with every special character in data
escaped, so a title never turns into emphasis, a link, raw HTML, math or a citation."""

from __future__ import annotations

import re
from collections.abc import Iterator

from ..tex.math import display_math
from .emphasis import EM, plain, styled
from .entries import Entry, Listing, NamePart, join_sentences

# Inline specials of CommonMark and pandoc (math, citations, spans, sub/superscript).
# Data never starts a line, so line-start markers (-, +, 1.) need no escape.
_SPECIAL = re.compile(r"([\\`*_{}\[\]<>#!|~^$@&])")
EQUAL_CONTRIBUTION = r"\* Equal contribution."


def escape(text: str) -> str:
    # most names and venues hold no special: searching is ~8x cheaper than substituting
    return _SPECIAL.sub(r"\\\1", text) if _SPECIAL.search(text) else text


def note(tex: str) -> str:
    return styled(tex, lambda text: escape(display_math(text)), _wrap)


def _wrap(text: str, style: str) -> str:
    return f"*{text}*" if style == EM else f"**{text}**"


def name(part: NamePart) -> str:
    text = f"**{escape(part.text)}**" if part.highlighted else escape(part.text)
    return text + (r"\*" if part.equal_contribution else "")


def entry_text(entry: Entry) -> str:
    authors = ", ".join(name(part) for part in entry.authors)
    raw_authors = ", ".join(part.text for part in entry.authors)
    if entry.authors and entry.authors[-1].equal_contribution:
        raw_authors += "*"
    pieces = [
        (raw_authors, authors),
        (entry.title, f"*{escape(display_math(entry.title))}*"),
        (entry.venue, escape(entry.venue)),
        *((plain(tex), note(tex)) for tex in entry.notes),
    ]
    text = join_sentences(pieces)
    links = " ".join(f"[{escape(link.label)}]({link.url})" for link in entry.links)
    return f"{text} {links}".rstrip()


def item(entry: Entry) -> str:
    """A bullet, or a numbered paragraph (numbered items have a blank line between)."""
    if entry.number is None:
        return f"- {entry_text(entry)}"
    return f"\\[{entry.number}\\] {entry_text(entry)}"


def chunks(listing: Listing) -> Iterator[str]:
    """The document in pieces, group by group."""
    blocks = 0
    if listing.heading:
        yield f"# {escape(listing.heading)}\n"
        blocks += 1
    for group in listing.groups:
        if group.title:
            yield ("\n" if blocks else "") + f"## {escape(group.title)}\n"
            blocks += 1
        for index, entry in enumerate(group.entries):
            separator = ("\n\n" if listing.numbered else "\n") if index else ""
            yield ("\n" if blocks and not index else separator) + item(entry).rstrip()
        yield "\n"
        blocks += 1
    if listing.has_equal_contribution:
        yield ("\n" if blocks else "") + EQUAL_CONTRIBUTION + "\n"
    elif not blocks:
        yield "\n"


def render(listing: Listing) -> str:
    return "".join(chunks(listing))
