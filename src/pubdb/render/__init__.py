"""Per-author publication lists (the publications section of a CV or a web page).

Pure functions over plain records: ``render(publications, "html", ListOptions(...))``.
Each format lives in its own module and escapes data for its own syntax.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from importlib import import_module
from typing import Literal

from ..errors import UsageError
from ..models import Author, Publication
from .entries import DEFAULT_ORDER, author_matcher, build_listing

FORMATS = ("markdown", "html", "latex", "text", "json", "csl-json")
_MODULES = {
    "markdown": "markdown",
    "html": "html",
    "latex": "latex",
    "text": "text",
    "json": "jsonfmt",
    "csl-json": "csljson",
}

__all__ = ["DEFAULT_ORDER", "FORMATS", "ListOptions", "author_matcher", "render"]


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


def render(
    publications: Iterable[Publication], format: str, options: ListOptions | None = None
) -> str:
    """The publications as one document in ``format`` (one of ``FORMATS``)."""
    if format not in _MODULES:
        raise UsageError(f"unknown format {format!r}; formats are: {', '.join(FORMATS)}")
    listing = build_listing(publications, options or ListOptions())
    module = import_module(f".{_MODULES[format]}", __name__)
    return module.render(listing)
