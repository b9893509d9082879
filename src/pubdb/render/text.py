"""Plain text: wrapped paragraphs with a hanging indent, URLs left whole."""

from __future__ import annotations

import textwrap

from ..tex.math import display_math
from .entries import Entry, Listing, NamePart, join_sentences

WIDTH = 79


def name(part: NamePart) -> str:
    return part.text + ("*" if part.equal_contribution else "")


def entry_text(entry: Entry) -> str:
    authors = ", ".join(name(part) for part in entry.authors)
    title = display_math(entry.title)
    pieces = [(authors, authors), (entry.title, title), (entry.venue, entry.venue)]
    pieces += [(note, display_math(note)) for note in entry.notes]
    text = join_sentences(pieces)
    return " ".join([text, *(link.url for link in entry.links)])


def item(entry: Entry) -> str:
    marker = f"[{entry.number}] " if entry.number is not None else "- "
    return textwrap.fill(
        entry_text(entry),
        width=WIDTH,
        initial_indent=marker,
        subsequent_indent=" " * len(marker),
        break_long_words=False,
        break_on_hyphens=False,
    )


def underlined(title: str, rule: str) -> str:
    return f"{title}\n{rule * min(len(title), WIDTH)}"


def render(listing: Listing) -> str:
    blocks = [underlined(listing.heading, "=")] if listing.heading else []
    for group in listing.groups:
        if group.title:
            blocks.append(underlined(group.title, "-"))
        blocks.append("\n\n".join(item(entry) for entry in group.entries))
    if listing.has_equal_contribution:
        blocks.append("* Equal contribution.")
    return "\n\n".join(blocks) + "\n"
