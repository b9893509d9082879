"""arXiv identifiers and DOIs: parse every form users paste, normalise to one canonical id."""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field

from .errors import InvalidIdentifier

ARXIV_DOI_PREFIX = "10.48550/arxiv."

# Archives that used old-style identifiers (archive/YYMMNNN), 1991-2007.
OLD_ARCHIVES = frozenset(
    """
    acc-phys adap-org alg-geom ao-sci astro-ph atom-ph bayes-an chao-dyn chem-ph cmp-lg
    comp-gas cond-mat cs dg-ga funct-an gr-qc hep-ex hep-lat hep-ph hep-th math math-ph
    mtrl-th nlin nucl-ex nucl-th patt-sol physics plasm-ph q-alg q-bio quant-ph solv-int
    supr-con
    """.split()
)

_NEW_ID = r"(?P<yymm>\d{4})\.(?P<number>\d{4,5})"
_OLD_ID = r"(?P<archive>[a-z]+(?:-[a-z]+)?)(?:\.(?P<subject>[A-Za-z]{2}))?/(?P<serial>\d{7})"
_VERSION = r"(?:v(?P<version>\d{1,4}))?"  # arXiv versions run to a few dozen
_NEW_RE = re.compile(rf"{_NEW_ID}{_VERSION}", re.ASCII)
_OLD_RE = re.compile(rf"{_OLD_ID}{_VERSION}", re.ASCII)

_URL_PREFIX = re.compile(
    r"^(?:https?://)?(?:www\.|export\.)?arxiv\.org/(?:abs|pdf|html|format)/", re.IGNORECASE
)
_ARXIV_PREFIX = re.compile(r"^arxiv:\s*", re.IGNORECASE)
_DOI_URL_PREFIX = re.compile(r"^(?:https?://)?(?:dx\.)?doi\.org/|^doi:\s*", re.IGNORECASE)

# Where arXiv ids appear in free text: URLs, "arXiv:" prefixes, arXiv DOIs, bare ids.
_TEXT_ID = re.compile(
    r"(?:arxiv\.org/(?:abs|pdf|html)/|arxiv:\s*|10\.48550/arxiv\.|(?<![\w./-]))"
    rf"(?P<id>(?:{_OLD_ID.replace('?P<', '?P<t_')}|\d{{4}}\.\d{{4,5}})(?:v\d+)?)"
    r"(?!\w|/\w|\.\d)",
    re.IGNORECASE | re.ASCII,
)


@dataclass(frozen=True, order=True)
class ArxivId:
    """A canonical arXiv identifier: base id (unique per paper) and optional version."""

    base: str
    version: int | None = None

    def __str__(self) -> str:
        return f"{self.base}v{self.version}" if self.version else self.base

    @property
    def doi(self) -> str:
        """The DataCite DOI arXiv assigns to every paper (never in the API response)."""
        return f"10.48550/arXiv.{self.base}"

    @property
    def abs_url(self) -> str:
        return arxiv_url(str(self))


def arxiv_url(arxiv_id: str, page: str = "abs") -> str:
    """The arXiv page of a paper: ``abs`` (its abstract page) or ``pdf``."""
    return f"https://arxiv.org/{page}/{arxiv_id}"


def _valid_month(mm: str) -> bool:
    return 1 <= int(mm) <= 12


def _new_style(match: re.Match[str]) -> ArxivId | None:
    yymm, number = match["yymm"], match["number"]
    if not _valid_month(yymm[2:]) or int(yymm) < 704:
        return None
    # Four-digit serials ran until 1412; five digits from 1501 on.
    if len(number) != (5 if int(yymm) >= 1501 else 4):
        return None
    return ArxivId(f"{yymm}.{number}", _version(match))


def _old_style(match: re.Match[str]) -> ArxivId | None:
    archive, serial = match["archive"].lower(), match["serial"]
    if archive not in OLD_ARCHIVES or not _valid_month(serial[2:4]):
        return None
    year = int(serial[:2])
    if not (year >= 91 or year <= 7):
        return None
    return ArxivId(f"{archive}/{serial}", _version(match))


def _version(match: re.Match[str]) -> int | None:
    version = match["version"]
    if version is None:
        return None
    if int(version) < 1:
        raise ValueError("version 0")
    return int(version)


def _strip_decorations(text: str) -> str:
    text = text.strip()
    doi = _DOI_URL_PREFIX.sub("", text)
    if doi.lower().startswith(ARXIV_DOI_PREFIX):
        return doi[len(ARXIV_DOI_PREFIX) :]
    if _URL_PREFIX.match(text):
        text = _URL_PREFIX.sub("", text).split("?")[0].split("#")[0].rstrip("/")
        return text.removesuffix(".pdf")
    return _ARXIV_PREFIX.sub("", text)


def parse_arxiv_id(text: str) -> ArxivId:
    """Parse one identifier as a user pastes it; raise InvalidIdentifier if malformed.

    >>> str(parse_arxiv_id("https://arxiv.org/pdf/2410.02724v2.pdf"))
    '2410.02724v2'
    >>> str(parse_arxiv_id("math.GT/0309136"))
    'math/0309136'
    """
    candidate = _strip_decorations(text)
    try:
        for pattern, build in ((_NEW_RE, _new_style), (_OLD_RE, _old_style)):
            match = pattern.fullmatch(candidate)
            if match and (parsed := build(match)):
                return parsed
    except ValueError:
        pass
    raise InvalidIdentifier(f"not an arXiv identifier: {text.strip()!r}")


def find_arxiv_ids(text: str) -> list[ArxivId]:
    """Every well-formed arXiv id in a free text, in order of first appearance, once each."""
    found: dict[str, ArxivId] = {}
    for match in _TEXT_ID.finditer(text):
        try:
            parsed = parse_arxiv_id(match["id"])
        except InvalidIdentifier:
            continue
        found.setdefault(parsed.base, parsed)
    return list(found.values())


_DOI_RE = re.compile(r"^10\.\d{4,9}/\S+$")


def normalize_doi(text: str) -> str:
    """A DOI in its bare, lower-case form (DOIs are case-insensitive)."""
    doi = _DOI_URL_PREFIX.sub("", text.strip()).strip()
    # Printable only: a DOI holding ESC or a bidi mark would be stored, sent to doi.org
    # and printed to terminals as it is.
    if not _DOI_RE.match(doi) or not doi.isprintable():
        raise InvalidIdentifier(f"not a DOI: {text.strip()!r}")
    return doi.lower()


def is_doi(text: str) -> bool:
    try:
        normalize_doi(text)
    except InvalidIdentifier:
        return False
    return True


def arxiv_id_from_doi(doi: str) -> ArxivId | None:
    """The arXiv id behind an arXiv DataCite DOI (10.48550/arXiv.*), else None."""
    if doi.lower().startswith(ARXIV_DOI_PREFIX):
        return parse_arxiv_id(doi[len(ARXIV_DOI_PREFIX) :])
    return None


@dataclass
class Identifiers:
    """What the user asked to add: arXiv ids (one per paper) and DOIs, each once."""

    arxiv_ids: list[ArxivId] = field(default_factory=list)
    dois: list[str] = field(default_factory=list)


def parse_identifiers(
    identifiers: Iterable[str | ArxivId] | Identifiers, *, dois: bool = True
) -> Identifiers:
    """Every identifier parsed before anything is fetched: InvalidIdentifier names all
    that are neither an arXiv id nor (when ``dois``) a DOI."""
    if isinstance(identifiers, Identifiers):
        return identifiers
    parsed = Identifiers()
    bad: list[str] = []
    for identifier in identifiers:
        if isinstance(identifier, ArxivId):
            parsed.arxiv_ids.append(identifier)
            continue
        try:
            parsed.arxiv_ids.append(parse_arxiv_id(identifier))
            continue
        except InvalidIdentifier:
            pass
        if dois and is_doi(identifier):
            parsed.dois.append(normalize_doi(identifier))
        else:
            bad.append(identifier.strip())
    kind = "an arXiv id or DOI" if dois else "an arXiv identifier"
    if bad:
        listed = ", ".join(repr(b) for b in bad)
        raise InvalidIdentifier(f"not {kind}: {listed}; nothing was fetched")
    if not parsed.arxiv_ids and not parsed.dois:
        raise InvalidIdentifier("no identifiers given" if dois else "no arXiv identifiers given")
    parsed.arxiv_ids = list({a.base: a for a in parsed.arxiv_ids}.values())
    parsed.dois = list(dict.fromkeys(parsed.dois))
    return parsed
