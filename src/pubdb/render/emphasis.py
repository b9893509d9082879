"""TeX emphasis in short texts (a CV note such as 'Featured in \\emph{Forbes}') rendered
per format: *Forbes* in Markdown, <em> in HTML, \\emph in LaTeX, plain in text.

``\\emph``, ``\\textit``, ``\\textsl`` and ``{\\em …}``, ``{\\it …}``, ``{\\itshape …}`` are
emphasis; ``\\textbf`` and ``{\\bf …}``, ``{\\bfseries …}`` are strong. Everything else is
decoded as TeX (accents, escapes, dashes); math stays TeX for each format to show.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

from ..tex.decode import tex_to_unicode
from ..tex.scan import after_braced_groups, after_inline_math

EM, STRONG = "em", "strong"
_COMMANDS = {"emph": EM, "textit": EM, "textsl": EM, "textbf": STRONG}
_DECLARATIONS = {
    "em": EM, "it": EM, "itshape": EM, "sl": EM, "slshape": EM,
    "bf": STRONG, "bfseries": STRONG,
}  # fmt: skip
_CONTROL = re.compile(r"\\([A-Za-z]+|.)")
_MARKUP = re.compile(r"\\(?:emph|textit|textsl|textbf|em|it|itshape|sl|slshape|bf|bfseries)\b")


@dataclass(frozen=True)
class Span:
    text: str  # decoded: Unicode, with math still as TeX ($...$)
    styles: frozenset[str] = frozenset()


@lru_cache(maxsize=16384)
def spans(tex: str) -> tuple[Span, ...]:
    """The text as runs of equal style, each decoded; a text without emphasis commands
    is one plain run."""
    if not _MARKUP.search(tex):
        return (Span(tex_to_unicode(tex)),) if tex else ()
    raw = _Parser(tex).group(frozenset(), in_braces=False)
    merged: list[tuple[str, frozenset[str]]] = []
    for piece, styles in raw:
        if merged and merged[-1][1] == styles:
            merged[-1] = (merged[-1][0] + piece, styles)
        elif piece:
            merged.append((piece, styles))
    decoded = [Span(tex_to_unicode(piece), styles) for piece, styles in merged]
    return tuple(span for span in decoded if span.text)


def plain(tex: str) -> str:
    return "".join(span.text for span in spans(tex))


def styled(tex: str, render_text, wrap) -> str:
    """Each run through ``render_text`` (the format's escaping), styled runs through
    ``wrap(text, style)`` from the innermost style out; spaces at a run's edges stay
    outside the markup (CommonMark needs it, the others do not mind)."""
    out = []
    for span in spans(tex):
        core = span.text.strip()
        lead = " " if span.text[:1].isspace() else ""
        trail = " " if span.text[-1:].isspace() and core else ""
        text = render_text(core) if core else ""
        for style in sorted(span.styles, key=(EM, STRONG).index):
            text = wrap(text, style) if core else text
        out.append(lead + text + trail)
    return "".join(out).strip()


class _Parser:
    """Splits TeX into (raw TeX piece, styles); braces that only group are dropped,
    the arguments of other commands are kept whole for the decoder."""

    def __init__(self, text: str):
        self.text, self.i = text, 0

    def group(self, styles: frozenset[str], in_braces: bool) -> list[tuple[str, frozenset]]:
        out: list[tuple[str, frozenset]] = []
        text = self.text
        while self.i < len(text):
            char = text[self.i]
            if char == "}" and in_braces:
                self.i += 1
                return out
            if char == "{":
                self.i += 1
                out += self.group(styles, in_braces=True)
            elif char == "}":
                self.i += 1  # unbalanced: dropped, as the decoder does
            elif char == "\\":
                styles = self._control(styles, out)
            elif char == "$":
                out.append((self._math(), styles))
            else:
                end = self._plain_end()
                out.append((text[self.i : end], styles))
                self.i = end
        return out

    def _plain_end(self) -> int:
        match = re.compile(r"[{}\\$]").search(self.text, self.i)
        return match.start() if match else len(self.text)

    def _control(self, styles: frozenset[str], out: list) -> frozenset[str]:
        match = _CONTROL.match(self.text, self.i)
        if match is None:  # a lone backslash at the end
            self.i += 1
            return styles
        name = match[1]
        self.i = match.end()
        if name in _COMMANDS and self._at_brace():
            self.i += 1
            out += self.group(styles | {_COMMANDS[name]}, in_braces=True)
        elif name in _DECLARATIONS:
            while self.text.startswith(" ", self.i):
                self.i += 1
            return styles | {_DECLARATIONS[name]}  # to the end of the group
        else:
            out.append((match[0] + self._arguments(), styles))
        return styles

    def _at_brace(self) -> bool:
        while self.text.startswith(" ", self.i):
            self.i += 1
        return self.text.startswith("{", self.i)

    def _arguments(self) -> str:
        """Braced arguments right after another command, kept as written."""
        start = self.i
        self.i = after_braced_groups(self.text, start)
        return self.text[start : self.i]

    def _math(self) -> str:
        start = self.i
        self.i = after_inline_math(self.text, start)
        return self.text[start : self.i]
