"""Markdown (CommonMark, and pandoc's Markdown) with every special character in data
escaped, so a title never turns into emphasis, a link, raw HTML, math or a citation."""

from __future__ import annotations

import re

from ..tex.math import display_math
from .entries import Entry, Listing, NamePart, join_sentences

# Inline specials of CommonMark and pandoc (math, citations, spans, sub/superscript).
# Data never starts a line, so line-start markers (-, +, 1.) need no escape.
_SPECIAL = re.compile(r"([\\`*_{}\[\]<>#!|~^$@&])")
EQUAL_CONTRIBUTION = r"\* Equal contribution."


def escape(text: str) -> str:
    return _SPECIAL.sub(r"\\\1", text)


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
        *((note, escape(display_math(note))) for note in entry.notes),
    ]
    text = join_sentences(pieces)
    links = " ".join(f"[{escape(link.label)}]({link.url})" for link in entry.links)
    return f"{text} {links}".rstrip()


def item(entry: Entry) -> str:
    if entry.number is None:
        return f"- {entry_text(entry)}"
    return f"\\[{entry.number}\\] {entry_text(entry)}\n"


def render(listing: Listing) -> str:
    blocks = [f"# {escape(listing.heading)}"] if listing.heading else []
    for group in listing.groups:
        if group.title:
            blocks.append(f"## {escape(group.title)}")
        blocks.append("\n".join(item(entry) for entry in group.entries).rstrip())
    if listing.has_equal_contribution:
        blocks.append(EQUAL_CONTRIBUTION)
    return "\n\n".join(blocks) + "\n"
