"""Plain text: wrapped paragraphs with a hanging indent, URLs left whole."""

from __future__ import annotations

import textwrap
from collections.abc import Iterator

from ..tex.math import display_math
from .emphasis import plain
from .entries import Entry, Listing, NamePart, join_sentences

WIDTH = 79


def name(part: NamePart) -> str:
    return part.text + ("*" if part.equal_contribution else "")


def entry_text(entry: Entry) -> str:
    authors = ", ".join(name(part) for part in entry.authors)
    title = display_math(entry.title)
    pieces = [(authors, authors), (entry.title, title), (entry.venue, entry.venue)]
    pieces += [(plain(tex), display_math(plain(tex))) for tex in entry.notes]
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


def chunks(listing: Listing) -> Iterator[str]:
    """The document in pieces, entry by entry."""
    blocks = 0
    if listing.heading:
        yield underlined(listing.heading, "=") + "\n"
        blocks += 1
    for group in listing.groups:
        if group.title:
            yield ("\n" if blocks else "") + underlined(group.title, "-") + "\n"
            blocks += 1
        for index, entry in enumerate(group.entries):
            yield ("\n" if blocks or index else "") + item(entry) + "\n"
        blocks += 1
    if listing.has_equal_contribution:
        yield ("\n" if blocks else "") + "* Equal contribution.\n"
    elif not blocks:
        yield "\n"


def render(listing: Listing) -> str:
    return "".join(chunks(listing))
