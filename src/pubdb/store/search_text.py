"""The words of the search index: one tokenizer for indexed text and for queries.

Text is decoded as the terminal shows it (TeX accents and math to Unicode), folded to
ASCII where a letter has an ASCII base (Núñez -> nunez, Ødegård -> odegard), lower-cased
and cut into words. A word keeps what makes it a different word: "c++", "c#", "r&d",
"μp". A hyphenated or dotted word ("zero-shot", "d'Ascoli", "GPT-3.5") is indexed as
its parts and joined ("zeroshot"), and a Greek one with its Latin spelling ("mup"), so
each way of typing it finds it. SQLite's tokenizer only splits the result on spaces
(``tokenchars`` keeps + # &).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

from ..normalize import fold
from ..tex.display import display_text

FTS_TOKENIZER = "unicode61 remove_diacritics 2 tokenchars '+#&'"

_WORD = re.compile(r"[^\W_]+(?:['&.\-][^\W_]+)*[+#]*")
_ASCII_WORD = re.compile(r"[a-z0-9]+(?:['&.\-][a-z0-9]+)*[+#]*")  # the same, a quarter faster
_SPLIT_WORD = re.compile(r"[-'.]")
_NEEDS_FORMS = re.compile(r"[-'.\u0370-\u03ff]")
_GREEK_LETTER = re.compile(r"[\u0370-\u03ff]")
GREEK = {
    "α": "alpha", "β": "beta", "γ": "gamma", "δ": "delta", "ε": "epsilon", "ϵ": "epsilon",
    "ζ": "zeta", "η": "eta", "θ": "theta", "ϑ": "theta", "ι": "iota", "κ": "kappa",
    "λ": "lambda", "μ": "mu", "ν": "nu", "ξ": "xi", "ο": "omicron", "π": "pi", "ϖ": "pi",
    "ρ": "rho", "ϱ": "rho", "σ": "sigma", "ς": "sigma", "τ": "tau", "υ": "upsilon",
    "φ": "phi", "ϕ": "phi", "χ": "chi", "ψ": "psi", "ω": "omega",
}  # fmt: skip
CACHED_LENGTH = 300


@dataclass(frozen=True)
class Word:
    """A word as written (its ``parts``, in order) and the other ``forms`` it is indexed
    under: 'zero-shot' -> parts ('zero', 'shot'), forms ('zeroshot',)."""

    parts: tuple[str, ...]
    forms: tuple[str, ...] = ()


def words(text: str) -> list[Word]:
    """The words of a text, decoded and folded."""
    return [_word(token) for token in _tokens(text)]


def _tokens(text: str) -> list[str]:
    folded = _folded(display_text(text))
    return (_ASCII_WORD if folded.isascii() else _WORD).findall(folded)


def _folded(text: str) -> str:
    if text.isascii():
        return text.lower()
    if len(text) <= CACHED_LENGTH:
        return fold(text).lower()
    return fold.__wrapped__(text).lower()


def _word(token: str) -> Word:
    if not _NEEDS_FORMS.search(token):
        return Word((token,))
    parts = tuple(part for part in _SPLIT_WORD.split(token) if part)
    forms = ["".join(parts)] if len(parts) > 1 else []
    forms += [latin for latin in map(_latin, [*parts, *forms]) if latin]
    return Word(parts, tuple(dict.fromkeys(form for form in forms if form not in parts)))


def _latin(part: str) -> str | None:
    """'μp' -> 'mup'; None for a part without Greek letters."""
    if not _GREEK_LETTER.search(part):
        return None
    return "".join(GREEK.get(char, char) for char in part)


def index_text(text: str | None) -> str:
    """A column of the index: every word's parts in order (so phrases match), then the
    other forms of the words that have them."""
    if not text:
        return ""
    if len(text) <= CACHED_LENGTH:
        return _cached_index_text(text)
    return _index_text(text)


@lru_cache(maxsize=65536)
def _cached_index_text(text: str) -> str:
    return _index_text(text)


def _index_text(text: str) -> str:
    tokens = _tokens(text)
    joined = " ".join(tokens)
    if not _NEEDS_FORMS.search(joined):
        return joined  # the common case: plain words, each its own only form
    parts: list[str] = []
    forms: list[str] = []
    for token in tokens:
        if _NEEDS_FORMS.search(token):
            word = _word(token)
            parts += word.parts
            forms += word.forms
        else:
            parts.append(token)
    return " ".join(parts + forms)
