"""Per-author publication lists (the publications section of a CV or a web page).

Pure functions over plain records: ``render(publications, "html", ListOptions(...))``.
Each format lives in its own module and escapes data for its own syntax.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from importlib import import_module
from typing import Literal

from ..errors import UsageError
from ..models import Author, Publication
from .entries import (
    DEFAULT_ORDER,
    author_matcher,
    build_listing,
    is_selected,
    listing_of_groups,
    sorted_groups,
)

FORMATS = ("markdown", "html", "latex", "text", "json", "csl-json")
_MODULES = {
    "markdown": "markdown",
    "html": "html",
    "latex": "latex",
    "text": "text",
    "json": "jsonfmt",
    "csl-json": "csljson",
}

__all__ = ["DEFAULT_ORDER", "FORMATS", "ListOptions", "author_matcher", "render", "stream"]


@dataclass
class ListOptions:
    """How a list looks. ``order`` names groups (titles such as "Journal papers" or
    kinds such as "journal"); groups it leaves out follow in the default order."""

    group_by: Literal["kind", "year", "none"] = "kind"
    order: list[str] | None = None
    highlight: Callable[[Author], bool] | None = None
    name_style: Literal["as-written", "initials", "full"] = "as-written"
    full_names: dict[int, str] = field(default_factory=dict)
    numbered: bool = False
    heading: str | None = None
    fragment: bool = False  # html: the list alone, to include in a page
    selected: bool = False  # only records flagged selected


def _module(format: str):
    if format not in _MODULES:
        raise UsageError(f"unknown format {format!r}; formats are: {', '.join(FORMATS)}")
    return import_module(f".{_MODULES[format]}", __name__)


def render(
    publications: Iterable[Publication], format: str, options: ListOptions | None = None
) -> str:
    """The publications as one document in ``format`` (one of ``FORMATS``)."""
    options = options or ListOptions()
    module = _module(format)
    if options.selected:
        publications = [p for p in publications if is_selected(p)]
    return module.render(build_listing(publications, options))


def stream(
    publications: Iterable[Publication], format: str, options: ListOptions | None = None
) -> Iterator[str]:
    """The document in pieces, from publications that already come in the list's
    order (by group, then newest first, as ``store.publications.iter_for_list`` reads
    them): memory stays flat however long the list."""
    options = options or ListOptions()
    module = _module(format)
    listing = listing_of_groups(sorted_groups(publications, options.group_by), options)
    if hasattr(module, "chunks"):
        yield from module.chunks(listing)
    else:
        yield module.render(listing)
