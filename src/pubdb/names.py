"""Personal names: split into given / family (with particles) / suffix, pure functions.

Follows BibTeX's rules for the three written forms ("First von Last", "von Last, First",
"von Last, Jr, First") and two facts about how people write names in author lists:
everything after a run of initials is the family name ("Y. Attia El Hili"), and a
family name may be hyphenated or carry a particle ("d'Ascoli", "Domingo-Enrich").
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cached_property, lru_cache
from itertools import takewhile

from .normalize import fold_key

SUFFIXES = frozenset({"jr", "jr.", "sr", "sr.", "ii", "iii", "iv", "v", "2nd", "3rd"})
_INITIAL = re.compile(r"^-?(?:[^\W\d_]\.?)(?:-?[^\W\d_]\.)*$|^(?:[^\W\d_]\.){2,}$")


@dataclass(frozen=True)
class PersonName:
    given: str
    family: str
    suffix: str = ""

    @property
    def full(self) -> str:
        """'Given Family' (with ', Suffix'), the way a CV writes a name."""
        name = " ".join(part for part in (self.given, self.family) if part)
        return f"{name}, {self.suffix}" if self.suffix else name

    @property
    def initials(self) -> str:
        """'S. Jelassi', 'J.-P. Serre', 'S. M. Weinberg'."""
        given = " ".join(initial_of(part) for part in self.given.split())
        name = " ".join(part for part in (given, self.family) if part)
        return f"{name}, {self.suffix}" if self.suffix else name


def initial_of(given_part: str) -> str:
    """'Samy' -> 'S.', 'Jean-Pierre' -> 'J.-P.', 'S.M.' -> 'S. M.'."""
    if _INITIAL.match(given_part):
        letters = [c for c in given_part if c.isalpha()]
        joiner = "-" if "-" in given_part else " "
        return joiner.join(f"{c}." for c in letters)
    pieces = [p for p in given_part.split("-") if p]
    return "-".join(f"{p.lstrip('{')[0]}." for p in pieces if p.lstrip("{"))


def is_initial(token: str) -> bool:
    return bool(_INITIAL.match(token.strip("{}")))


def _is_lower_word(token: str) -> bool:
    """BibTeX's von test: the first letter outside braces is lower case."""
    for char in token:
        if char == "{":
            return False
        if char.isalpha():
            return char.islower()
    return False


_WORD_BREAK = re.compile(r"[\s~]+")
_COMMA = re.compile(",")
_SEMICOLON = re.compile(";")
_AND = re.compile(r"\s+and\s+", re.IGNORECASE)


def split_outside_braces(text: str, separator: re.Pattern[str]) -> list[str]:
    """``text`` cut where ``separator`` matches outside braces, as BibTeX reads names."""
    if "{" not in text:
        return separator.split(text)
    parts, depth, start = [], 0, 0
    for match in _with_braces(separator).finditer(text):
        token = match[0]
        if token == "{":
            depth += 1
        elif token == "}":
            depth = max(0, depth - 1)
        elif depth == 0:
            parts.append(text[start : match.start()])
            start = match.end()
    parts.append(text[start:])
    return parts


@lru_cache(maxsize=8)
def _with_braces(separator: re.Pattern[str]) -> re.Pattern[str]:
    return re.compile(rf"[{{}}]|{separator.pattern}", separator.flags)


def split_words(text: str) -> list[str]:
    """Words separated by spaces or ties outside braces."""
    return [word for word in split_outside_braces(text, _WORD_BREAK) if word]


def split_author_list(text: str, *, semicolons: bool = False) -> list[str]:
    """The names of an author list, split at ' and ' outside braces as BibTeX does; with
    ``semicolons``, a list that uses ';' ('Zekri, O.; Boullé, N.') is split there."""
    separator = _SEMICOLON if semicolons and ";" in text else _AND
    return [name.strip() for name in split_outside_braces(text, separator) if name.strip()]


_WHITE = re.compile(r"\s+")


def _names_by_word(text: str) -> list[list[str]]:
    """The words of each name in a BibTeX name list, cut at every 'and' outside
    braces as BibTeX cuts it (so 'A and and B' holds an empty name)."""
    names: list[list[str]] = [[]]
    for word in split_outside_braces(text.strip(), _WHITE):
        if word.lower() == "and":
            names.append([])
        elif word:
            names[-1].append(word)
    return names


_EMPTY_NAME = re.compile(r"^\s*and\s|\sand\s*$|\sand\s+and\s|^\s*and\s*$", re.IGNORECASE)


def has_empty_name(text: str) -> bool:
    """Whether BibTeX reads an empty name in this list ('A and and B', 'and B')."""
    if not _EMPTY_NAME.search(text):
        return False
    return any(not words for words in _names_by_word(text))


def without_empty_names(text: str) -> str:
    """The name list with its empty names (which stop bibtex and biber) left out."""
    names = [" ".join(words) for words in _names_by_word(text) if words]
    return " and ".join(names)


@lru_cache(maxsize=65536)
def parse_name(text: str) -> PersonName:
    """Split one written name. 'Samy Jelassi', 'Jelassi, Samy', 'S. d'Ascoli',
    'van der Berg, Jr, Jan', 'Y. Attia El Hili' all give the right family name."""
    text = " ".join(text.split())
    parts = [part.strip() for part in split_outside_braces(text, _COMMA)]
    if len(parts) >= 3:
        return PersonName(given=parts[2], family=parts[0], suffix=parts[1])
    if len(parts) == 2:
        if parts[1].lower() in SUFFIXES:
            name = _parse_first_last(parts[0])
            return PersonName(name.given, name.family, parts[1])
        return PersonName(given=parts[1], family=parts[0])
    return _parse_first_last(text)


def _parse_first_last(text: str) -> PersonName:
    words = split_words(text)
    suffix = ""
    if len(words) > 1 and words[-1].lower() in SUFFIXES:
        suffix = words.pop()
    if len(words) <= 1:
        return PersonName(given="", family=" ".join(words), suffix=suffix)
    von_start = next(
        (i for i, word in enumerate(words[:-1]) if i > 0 and _is_lower_word(word)), None
    )
    if von_start is not None:
        while von_start > 1 and _is_capital_particle(words[von_start - 1]):
            von_start -= 1  # "Jan Van der Berg"
        return PersonName(" ".join(words[:von_start]), " ".join(words[von_start:]), suffix)
    initials = 0
    while initials < len(words) - 1 and is_initial(words[initials]):
        initials += 1
    if initials:
        # After initials the rest is the family name: compound names (García Pérez,
        # Han Vinck, Attia El Hili) outnumber an initial plus a middle name (B. Scott
        # Gaudi); matching tries both splits anyway (names.name_form).
        return PersonName(" ".join(words[:initials]), " ".join(words[initials:]), suffix)
    particle = next((i for i in range(1, len(words) - 1) if _is_capital_particle(words[i])), None)
    if particle is not None:
        return PersonName(" ".join(words[:particle]), " ".join(words[particle:]), suffix)
    return PersonName(" ".join(words[:-1]), words[-1], suffix)


# Particles that start a family name even when capitalised, as arXiv and many CVs write
# them ("Luc Van Gool", "Yassine Ben Salem", "Maria Da Silva"). Only between a given
# name and a last word: "Ben Recht" and "Quoc Le" are not touched.
_CAPITAL_PARTICLES = frozenset(
    """
    abu al ben bin da dal das de degli dei del della der di do dos du el ibn la le lo
    ter ten van von
    """.split()
)


def _is_capital_particle(word: str) -> bool:
    return word[:1].isupper() and word.lower() in _CAPITAL_PARTICLES


_PARTICLES = frozenset(
    """
    abu al ben bin d da dal das de degli dei del della den der des di do dos du el ibn
    la le lo ten ter van von zu
    """.split()
)


_ELIDED_PARTICLE = re.compile(r"^(?:d|l|dell)['’](?=\w)", re.IGNORECASE)


def family_core(family: str) -> str:
    """The family name without leading lower-case particles: 'van der Berg' -> 'Berg',
    "d'Ascoli" -> 'Ascoli'. Used for citation keys and sorting."""
    words = family.split()
    while len(words) > 1 and (words[0].lower() in _PARTICLES and words[0][0].islower()):
        words.pop(0)
    return _ELIDED_PARTICLE.sub("", " ".join(words))


@dataclass(frozen=True)
class NameForm:
    """A written name as folded tokens (given first, family last). ``family_len`` is the
    number of family tokens when the written form says it ("Family, Given", initials
    first, a particle), else None: "Yassine Attia El Hili" could split anywhere."""

    tokens: tuple[str, ...]
    family_len: int | None

    @cached_property
    def key(self) -> str:
        return " ".join(self.tokens)

    @property
    def last(self) -> str:
        return self.tokens[-1] if self.tokens else ""

    @cached_property
    def lengths(self) -> frozenset[int]:
        """Possible family-name lengths: the known one, else any (all tokens included:
        a query may give only a multi-word family name, "Attia El Hili")."""
        if self.family_len is not None:
            return frozenset({self.family_len})
        return frozenset(range(1, len(self.tokens) + 1))

    @property
    def abbreviated(self) -> bool:
        """True when every given-name token is an initial ('S. Jelassi', 'Jelassi'), or,
        where the split is open, the name starts with one ('C. Domingo-Enrich')."""
        given = self.tokens[: -self.family_len] if self.family_len else self.tokens[:-1]
        if self.family_len is None and given and len(given[0]) == 1:
            return True
        return all(len(token) == 1 for token in given)


def _tokens(text: str) -> list[str]:
    return fold_key(text).split()


@lru_cache(maxsize=262144)
def name_form(written: str, given: str | None = None, family: str | None = None) -> NameForm:
    """The comparable form of a written name; ``given``/``family`` when already split.
    TeX in the name is decoded first (Boull{\\'e} -> boulle)."""
    if "\\" in written or "{" in written:
        from .tex.decode import tex_to_unicode

        written = tex_to_unicode(written)
        given = family = None
    if given is None or family is None:
        parsed = parse_name(written)
        given, family = parsed.given, parsed.family
    given_tokens, family_tokens = _tokens(given), _tokens(family)
    if not given_tokens:
        return NameForm(tuple(family_tokens), len(family_tokens) or None)
    tokens = (*given_tokens, *family_tokens)
    has_particle = family[:1].islower()
    reliable = "," in written or len(tokens) == 2 or has_particle
    return NameForm(tokens, len(family_tokens) if reliable else None)


def _given_fit(left: tuple[str, ...], right: tuple[str, ...]) -> bool:
    for x, y in zip(left, right, strict=False):
        if (len(x) == 1 or len(y) == 1) and x[0] == y[0]:
            continue
        if x != y:
            return False
    return True


def forms_compatible(a: NameForm, b: NameForm) -> bool:
    """Could two written names be one person? Same family tokens (accents, case and
    hyphens aside) and given names that agree where both give them, an initial
    agreeing with a full name: 'S. Jelassi' ~ 'Samy Jelassi' ~ 'Jelassi, Samy';
    'Y. Attia El Hili' ~ 'Yassine Attia El Hili'; 'Samy' !~ 'Sami'."""
    if a.tokens[-1:] != b.tokens[-1:]:
        return False
    for length in a.lengths & b.lengths:
        if length > len(a.tokens) or length > len(b.tokens):
            continue
        if a.tokens[-length:] != b.tokens[-length:]:
            continue
        if _given_fit(a.tokens[:-length], b.tokens[:-length]):
            return True
    return False


def completeness(form: NameForm) -> tuple[int, int]:
    """How much of a person a form names: full given names first, then length. Where
    the split is open, words after an initial may be family name ('Y. Attia El Hili')."""
    given = form.tokens[: -(form.family_len or 1)]
    if form.family_len is None:
        given = tuple(takewhile(lambda token: len(token) > 1, given))
    return (sum(1 for token in given if len(token) > 1), len(form.tokens))
