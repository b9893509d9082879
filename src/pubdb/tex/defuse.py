"""Imported TeX made harmless: what could read files or run programs is printed as text."""

from __future__ import annotations

import re
from functools import lru_cache

from .encode import _CARET_PAIR, _CONTROL_WORD, MATH_COMMANDS, TEXT_COMMANDS
from .math import math_spans

# A control word or control symbol, as TeX's tokenizer reads it: '\\input' is '\\' then 'input'.
_CONTROL_SEQUENCE = re.compile(r"\\([A-Za-z]+)|\\.", re.DOTALL)


# Imported TeX may also hold old font switches, the logos of TeX-world .bib files and
# BibTeX's sorting trick (\\noopsort, defined in a file's @preamble): none reads a file.
SOURCE_COMMANDS = (
    TEXT_COMMANDS
    | MATH_COMMANDS
    | frozenset(
        """
        em it bf tt sl sf sc rm noopsort SortNoop noop
        BibTeX AmS AmSTeX METAFONT MF LuaTeX XeTeX ConTeXt
        """.split()
    )
)


@lru_cache(maxsize=1)
def _encoder_commands() -> frozenset[str]:
    """The symbol commands the Unicode encoder writes (\\textonesuperior, \\CYRA, ...):
    what pubdb writes itself is harmless in a source too."""
    try:
        from pylatexenc.latexencode._uni2latexmap import uni2latex
    except ImportError:  # pragma: no cover - a pylatexenc without its table
        return frozenset()
    return frozenset(word for tex in uni2latex.values() for word in _CONTROL_WORD.findall(tex))


@lru_cache(maxsize=4096)
def _harmless_words(words: frozenset[str]) -> bool:
    return all(word in SOURCE_COMMANDS or word in _encoder_commands() for word in words)


def _defuse_source_word(control: re.Match[str], in_math: bool) -> str:
    name = control[1]
    if name is None or name in SOURCE_COMMANDS or name in _encoder_commands():
        return control[0]
    return rf"\backslash\mathrm{{{name}}}" if in_math else rf"{{\textbackslash}}{name}"


@lru_cache(maxsize=65536)
def defuse_source(tex: str) -> str:
    """TeX as a user wrote it (an imported BibTeX field), kept character for character
    except what could read files or run programs: every control word off the harmless
    lists is printed as text, and ``^^`` (which spells any character, a backslash
    included) is split. Harmless TeX (accents, \\emph, math) passes untouched."""
    if "^^" not in tex and (
        "\\" not in tex or _harmless_words(frozenset(_CONTROL_WORD.findall(tex)))
    ):
        return tex  # the common case: nothing to change
    tex = _CARET_PAIR.sub("^{}{}", tex)
    out, position = [], 0
    for start, end in [*math_spans(tex), (len(tex), len(tex))]:
        for segment, in_math in ((tex[position:start], False), (tex[start:end], True)):
            out.append(
                _CONTROL_SEQUENCE.sub(lambda c, m=in_math: _defuse_source_word(c, m), segment)
            )
        position = end
    return "".join(out)
