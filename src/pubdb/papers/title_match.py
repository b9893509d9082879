"""Is an arXiv record the paper a line names? Strong evidence only.

A title from a CV and one from arXiv are the same when their normalised forms are
equal: TeX decoded (math too: '$\\mu$P' and 'μP'), accents folded, case, punctuation
and spacing aside. When the line names authors, the first author's family name must
agree as well: two papers can share a title. A title that is close but not equal (one
contains the other, or they differ by a word) is a "possible match": reported with its
id, never accepted.
"""

from __future__ import annotations

import difflib
import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from typing import TYPE_CHECKING

from ..names import forms_compatible, name_form
from ..normalize import fold
from ..tex.decode import tex_to_unicode
from ..tex.math import display_math

if TYPE_CHECKING:
    from ..sources.arxiv import ArxivRecord

CLOSE_WORDS = 0.8  # share of words in common ("as Markov chains" vs "a Markov chain")
CLOSE_LETTERS = 0.9  # share of letters ("models" vs "model")


@lru_cache(maxsize=4096)
def title_words(title: str) -> tuple[str, ...]:
    """The words of a title as compared: TeX and math decoded, accents folded, lower
    case, every run of other characters a break. Greek letters stay letters (μ)."""
    text = display_math(tex_to_unicode(" ".join(title.split())))
    text = unicodedata.normalize("NFKC", fold(text)).casefold()
    cleaned = "".join(char if char.isalnum() else " " for char in text)
    return tuple(cleaned.split())


def title_key(title: str) -> str:
    """The comparable form: words without spaces, so 'μP' ('$\\mu$P') and 'μ P'
    ('$\\mu P$'), or 'Zero-shot' and 'Zero shot', are one."""
    return "".join(title_words(title))


def same_title(a: str, b: str) -> bool:
    key = title_key(a)
    return bool(key) and key == title_key(b)


def close_titles(a: str, b: str) -> bool:
    """Not equal but near: one title holds the other's words in a row (a subtitle
    added or dropped), or most of their words, or nearly all their letters, agree."""
    words_a, words_b = title_words(a), title_words(b)
    if not words_a or not words_b or title_key(a) == title_key(b):
        return False
    short, long = sorted((words_a, words_b), key=len)
    if any(long[i : i + len(short)] == short for i in range(len(long) - len(short) + 1)):
        return True
    if difflib.SequenceMatcher(None, words_a, words_b).ratio() >= CLOSE_WORDS:
        return True
    letters = difflib.SequenceMatcher(None, " ".join(words_a), " ".join(words_b))
    return letters.ratio() >= CLOSE_LETTERS


def family_agrees(written: str, other: str) -> bool:
    """Whether two written names share their family name: its last word, accents and
    case aside ('O. Zekri' and 'Oussama Zekri'; 'S. d'Ascoli' and 'Stéphane d'Ascoli')."""
    a, b = name_form(written).last, name_form(other).last
    return bool(a) and a == b


def author_fits(asked: str, written: str) -> bool:
    """pubdb's name rule: could ``written`` be the person ``asked`` names? 'O. Zekri'
    fits 'Oussama Zekri'; 'Karim Zekri' does not; a family name alone fits everyone
    with that family name."""
    wanted, form = name_form(asked), name_form(written)
    return bool(wanted.tokens and form.tokens) and forms_compatible(form, wanted)


def written_by(record: ArxivRecord, asked: str) -> bool:
    return any(author_fits(asked, author.name) for author in record.authors)


@dataclass
class Judgement:
    """``match`` when one record is the paper; otherwise ``possible`` lists the records
    that came close (a different first author, a longer title, several equal ones)."""

    match: ArxivRecord | None = None
    possible: list[ArxivRecord] = field(default_factory=list)
    reason: str = ""


def judge(title: str, first_author: str | None, records: Iterable[ArxivRecord]) -> Judgement:
    """Which of the records found for a title is the paper, on strong evidence only."""
    records = list(records)
    equal = [r for r in records if same_title(title, r.title)]
    agreeing = [r for r in equal if not first_author or _first_author_agrees(first_author, r)]
    if len(agreeing) == 1:
        return Judgement(match=agreeing[0])
    close = [r for r in records if close_titles(title, r.title)]
    if len(agreeing) > 1:
        return Judgement(possible=agreeing, reason="several papers have this title")
    if equal:
        return Judgement(possible=equal + close, reason=_other_first_author(equal))
    if close:
        return Judgement(possible=close, reason="the title on arXiv is not the same")
    return Judgement(reason="no paper with this title on arXiv")


def _first_author_agrees(first_author: str, record: ArxivRecord) -> bool:
    return bool(record.authors) and family_agrees(first_author, record.authors[0].name)


def _other_first_author(records: Sequence[ArxivRecord]) -> str:
    firsts = ", ".join(dict.fromkeys(r.authors[0].name for r in records if r.authors))
    return f"same title, another first author ({firsts})" if firsts else "no author on arXiv"
