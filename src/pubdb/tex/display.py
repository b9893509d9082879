"""Stored text as a reader sees it: the one decoding the terminal and the search index
share, so that what `list` shows ("μP") is what `search` finds."""

from __future__ import annotations

import re
from functools import lru_cache

from .decode import tex_to_unicode
from .math import display_math

# What either decoder acts on; text without any of these is shown as it is.
_TEX_MARKUP = re.compile(r"[\\{}~$\t\r\n]|--|``|''")
# Links in free text (arXiv comments, notes) are not TeX: '~gould' stays a home folder.
_LINK = re.compile(r"(?:https?://|www\.)[^\s{}]+")


CACHED_LENGTH = 300  # names, titles, venues come back often; abstracts do not


def display_text(text: str) -> str:
    """TeX accents, commands and math as Unicode: 'Depth of $\\mu P$' -> 'Depth of μP',
    'Boull{\\'e}' -> 'Boullé'. Stored BibTeX text is already decoded except its math;
    arXiv text comes as authors typed it; both read the same here."""
    if not _TEX_MARKUP.search(text):
        return text
    if len(text) <= CACHED_LENGTH:
        return _decoded(text)
    return _decode(text)


@lru_cache(maxsize=65536)
def _decoded(text: str) -> str:
    return _decode(text)


def _decode(text: str) -> str:
    if "://" not in text and "www." not in text:
        return display_math(tex_to_unicode(text))
    pieces, position = [], 0
    for link in _LINK.finditer(text):
        pieces += [display_math(tex_to_unicode(text[position : link.start()])), link[0]]
        position = link.end()
    pieces.append(display_math(tex_to_unicode(text[position:])))
    return "".join(pieces)
