"""Citation keys: readable (``zekri2025finetuning``), ASCII, unique, never changed once given."""

from __future__ import annotations

import re
import string
from collections.abc import Callable, Iterator

from ..names import family_core, parse_name
from ..normalize import fold

_SKIP_WORDS = frozenset(
    """
    a an the on of in for to and or with without from by at as via into onto over under
    is are be can do does how what when where which who why towards toward beyond about
    through using new
    """.split()
)
_TEX_MATH = re.compile(r"\$[^$]*\$")
_TEX_COMMAND = re.compile(r"\\[A-Za-z]+\*?|\\.")


def _ascii_letters(text: str) -> str:
    return re.sub(r"[^a-z0-9]", "", fold(text).lower())


def first_significant_word(title: str) -> str:
    """'Fine-Tuning Discrete Diffusion Models' -> 'finetuning'; skips 'A', 'On the', math."""
    plain = _TEX_COMMAND.sub(" ", _TEX_MATH.sub(" ", title))
    words = [_ascii_letters(word) for word in plain.split()]
    words = [w for w in words if w and not w.isdigit()]
    for word in words:
        if word not in _SKIP_WORDS:
            return word
    return words[0] if words else ""


def key_stem(first_author: str | None, year: int | None, title: str) -> str:
    """The key before any clash suffix: family name, year, first significant word."""
    family = ""
    if first_author:
        family = _ascii_letters(family_core(parse_name(first_author).family))
    return f"{family or 'anon'}{year or 'nd'}{first_significant_word(title)}"


def _suffixes() -> Iterator[str]:
    yield ""
    yield from string.ascii_lowercase[1:]
    for first in string.ascii_lowercase:
        for second in string.ascii_lowercase:
            yield first + second


def unique_key(stem: str, is_taken: Callable[[str], bool]) -> str:
    """The stem itself, else stem+'b', stem+'c', ... (the first paper is the implicit 'a')."""
    for suffix in _suffixes():
        if not is_taken(stem + suffix):
            return stem + suffix
    raise RuntimeError(f"no free citation key for {stem}")
