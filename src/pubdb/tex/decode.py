"""TeX (as written in BibTeX fields) to Unicode text for display and search.

Fast and conservative: accents, special letters, escaped characters, dashes, quotes and
case-protecting braces are decoded; math (``$10^{21}$``) and commands it does not know
(``\\foo{x}``) stay as written, so nothing is silently lost. Each distinct string is
decoded once.
"""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache

from .scan import after_braced_groups, after_inline_math

ACCENTS = {
    "'": "\u0301", "`": "\u0300", "^": "\u0302", '"': "\u0308", "~": "\u0303",
    "=": "\u0304", ".": "\u0307", "u": "\u0306", "v": "\u030c", "H": "\u030b",
    "c": "\u0327", "d": "\u0323", "b": "\u0331", "r": "\u030a", "k": "\u0328",
    "t": "\u0361",
}  # fmt: skip
LETTERS = {
    "o": "ø", "O": "Ø", "l": "ł", "L": "Ł", "ss": "ß", "SS": "SS", "ae": "æ", "AE": "Æ",
    "oe": "œ", "OE": "Œ", "aa": "å", "AA": "Å", "i": "ı", "j": "ȷ", "dh": "ð", "DH": "Ð",
    "th": "þ", "TH": "Þ", "ng": "ŋ", "NG": "Ŋ", "dj": "đ", "DJ": "Đ",
}  # fmt: skip
SYMBOLS = {
    "LaTeX": "LaTeX", "LaTeXe": "LaTeX2e", "TeX": "TeX", "BibTeX": "BibTeX", "XeTeX": "XeTeX",
    "LuaTeX": "LuaTeX", "ConTeXt": "ConTeXt", "MF": "Metafont", "MP": "MetaPost",
    "AmS": "AMS", "AMS": "AMS", "textendash": "–", "textemdash": "—", "ldots": "…",
    "dots": "…", "textellipsis": "…", "textquoteleft": "‘", "textquoteright": "’",
    "textquotedblleft": "“", "textquotedblright": "”", "guillemotleft": "«",
    "guillemotright": "»", "textregistered": "®", "texttrademark": "™", "copyright": "©",
    "textcopyright": "©", "S": "§", "P": "¶", "textbackslash": "\\", "textasciitilde": "~",
    "textasciicircum": "^", "textless": "<", "textgreater": ">", "textbar": "|",
    "textunderscore": "_", "textdegree": "°", "pounds": "£", "euro": "€", "textperiodcentered": "·",
    "slash": "/", "log": "log", "ln": "ln", "exp": "exp", "sin": "sin", "cos": "cos",
    "relax": "", "protect": "", "/": "", "-": "", "@": "",
    "quad": " ", "qquad": " ", "space": " ", "enspace": " ", "thinspace": " ",
    "ensuremath": "",
}  # fmt: skip
ESCAPED = {"&": "&", "%": "%", "$": "$", "#": "#", "_": "_", "{": "{", "}": "}", " ": " ",
           ",": " ", ";": " ", ":": " ", "!": "", "\\": " "}  # fmt: skip
# Commands whose single argument is just text to show.
TEXT_WRAPPERS = frozenset(
    """
    emph textit textbf textsc texttt textrm textsf textsl textup textmd textnormal mbox
    hbox text textsuperscript textsubscript uppercase lowercase MakeUppercase
    MakeLowercase em it bf sc tt rm sf sl url path
    """.split()
)
DECLARATIONS = frozenset("em it bf sc tt rm sf sl normalfont itshape bfseries scshape".split())

_NEEDS_DECODING = re.compile(r"[\\{}~$\t\r\n]|--|``|''")
_LINE_BREAK = re.compile(r"[ \t]*[\r\n][ \t\r\n]*|\t")
_CONTROL = re.compile(r"\\([A-Za-z]+|.)")
_SPECIAL = re.compile(r"[{}$\\~]")


@lru_cache(maxsize=200_000)
def tex_to_unicode(text: str) -> str:
    """'Boull{\\'e}' -> 'Boullé'; '{\\LaTeX} and $x^2$' -> 'LaTeX and $x^2$'."""
    if not _NEEDS_DECODING.search(text):
        return text
    out = _Decoder(text).run()
    if "--" in out:
        out = out.replace("---", "—").replace("--", "–")
    if "``" in out or "''" in out:
        out = out.replace("``", "“").replace("''", "”")
    if "\n" in out or "\t" in out or "\r" in out:
        out = _LINE_BREAK.sub(" ", out).strip(" ")
    return out if out.isascii() else unicodedata.normalize("NFC", out)


class _Decoder:
    """A single pass over the string with a small stack for braces."""

    def __init__(self, text: str):
        self.text = text
        self.i = 0

    def run(self, stop_at_brace: bool = False) -> str:
        out: list[str] = []
        text = self.text
        while self.i < len(text):
            special = _SPECIAL.search(text, self.i)
            if special is None:
                out.append(text[self.i :])
                self.i = len(text)
                break
            if special.start() > self.i:
                out.append(text[self.i : special.start()])
                self.i = special.start()
            char = text[self.i]
            if char == "}" and stop_at_brace:
                self.i += 1
                return "".join(out)
            if char == "{":
                self.i += 1
                out.append(self.run(stop_at_brace=True))
            elif char == "}":
                self.i += 1  # unbalanced: drop
            elif char == "$":
                out.append(self._math())
            elif char == "\\":
                out.append(self._command())
            elif char == "~":
                out.append("\u00a0")
                self.i += 1
        return "".join(out)

    def _math(self) -> str:
        start = self.i
        self.i = after_inline_math(self.text, start)
        return self.text[start : self.i]

    def _group_or_char(self) -> str:
        """The argument of a command: a braced group (decoded) or the next character."""
        text = self.text
        while self.i < len(text) and text[self.i] == " ":
            self.i += 1
        if self.i >= len(text):
            return ""
        if text[self.i] == "{":
            self.i += 1
            return self.run(stop_at_brace=True)
        if text[self.i] == "\\":
            return self._command()
        self.i += 1
        return text[self.i - 1]

    def _command(self) -> str:
        match = _CONTROL.match(self.text, self.i)
        if match is None:
            self.i += 1
            return ""
        name = match[1]
        self.i = match.end()
        if name in ACCENTS:
            return self._accent(name)
        if name in ESCAPED:
            return ESCAPED[name]
        if name in LETTERS:
            self._skip_spaces()  # TeX ends a control word at the space: Stra\ss e
            self._skip_empty_group()
            return LETTERS[name]
        if name == "noopsort":  # \newcommand{\noopsort}[1]{}: sorts, prints nothing
            self._group_or_char()
            return ""
        if name in SYMBOLS:
            if not SYMBOLS[name] and name.isalpha():
                self._skip_spaces()  # {\relax Ch}ebyshev: the space ends the control word
            self._skip_empty_group()
            return SYMBOLS[name]
        if name in DECLARATIONS:
            self._skip_spaces()
            return ""
        if name in TEXT_WRAPPERS:
            return self._group_or_char()
        return match[0] + self._raw_arguments()

    def _accent(self, name: str) -> str:
        base = self._group_or_char()
        if not base:
            return ""
        base = {"ı": "i", "ȷ": "j"}.get(base[0], base[0]) + base[1:]
        return unicodedata.normalize("NFC", base[0] + ACCENTS[name]) + base[1:]

    def _skip_spaces(self) -> None:
        while self.i < len(self.text) and self.text[self.i] == " ":
            self.i += 1

    def _skip_empty_group(self) -> None:
        if self.text.startswith("{}", self.i):
            self.i += 2

    def _raw_arguments(self) -> str:
        """Unknown command: keep its braced arguments exactly as written."""
        start = self.i
        self.i = after_braced_groups(self.text, start)
        return self.text[start : self.i]
