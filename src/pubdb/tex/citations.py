"""The citation keys of a LaTeX document, read as bibtex and biber read them.

- ``.aux``: ``\\citation{a,b}`` lines (LaTeX, natbib), biblatex's ``\\abx@aux@cite{0}{a}``
  and ``\\abx@aux@nociteall``, the ``.aux`` of each ``\\include``d file (``\\@input``);
- ``.bcf``: biblatex's control file, its ``<bcf:citekey>`` elements;
- ``.tex``: every ``\\cite`` form of LaTeX, natbib, biblatex (``\\parencites(pre)(post)
  [p][q]{a}[r]{b}``, ``\\volcite{2}[45]{a}``), apacite (``\\citeA<e.g.>{a}``) and csquotes
  (``\\textcquote{a}{...}``), in the files it ``\\input``s and ``\\include``s too, comments and
  verbatim text left out; for a document not yet compiled.

``*`` (``\\nocite{*}``) stands for every entry. Nothing here touches the library.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

from ..errors import UsageError

ALL = "*"


@dataclass
class Citations:
    """Keys in the order first cited, each once; ``everything`` for ``\\nocite{*}``;
    ``biblatex`` when the document uses biblatex (biber resolves a key an entry lists in
    ``ids``); ``files`` the files read (to watch)."""

    keys: list[str] = field(default_factory=list)
    everything: bool = False
    biblatex: bool = False
    files: list[Path] = field(default_factory=list)

    def add(self, key: str) -> None:
        key = key.strip()
        if key == ALL:
            self.everything = True
        elif _usable_key(key) and key not in self._seen:
            self._seen.add(key)
            self.keys.append(key)

    def extend(self, other: Citations) -> None:
        for key in other.keys:
            self.add(key)
        self.everything |= other.everything
        self.biblatex |= other.biblatex
        self.files += [path for path in other.files if path not in self.files]

    def __post_init__(self) -> None:
        self._seen = set(self.keys)


def _usable_key(key: str) -> bool:
    """Not empty, and not a macro parameter or command (``\\cite{#1}`` in a definition)."""
    return bool(key) and not any(char in key for char in "#\\{}%") and not key.isspace()


def keys_given(text: str) -> Citations:
    """``--keys K1,K2``: keys separated by commas or white space."""
    citations = Citations()
    for key in re.split(r"[,\s]+", text):
        citations.add(key)
    return citations


def _read(path: Path, what: str) -> str:
    try:
        return path.read_text(encoding="utf-8", errors="replace")
    except FileNotFoundError:
        raise UsageError(f"cannot read {path}: no such file ({what})") from None
    except OSError as exc:
        raise UsageError(f"cannot read {path}: {exc.strerror or exc}") from None


# -- .aux and .bcf --------------------------------------------------------------------

_AUX_CITATION = re.compile(r"\\citation\{([^{}]*)\}")
_BIBLATEX_CITE = re.compile(r"\\abx@aux@cite(?:\{[^{}]*\})?\{([^{}]*)\}")
_BIBLATEX_ALL = re.compile(r"\\abx@aux@nociteall\b")
_AUX_INPUT = re.compile(r"\\@input\{([^{}]*)\}")


def read_aux(path: str | Path) -> Citations:
    """The keys an ``.aux`` file (or a biblatex ``.bcf``, told by its content) cites."""
    path = Path(path)
    text = _read(path, "compile the document first, or give --tex")
    if text.lstrip().startswith("<?xml"):
        return read_bcf(path, text)
    citations = Citations(files=[path])
    _read_aux_text(path, text, citations, {path.resolve()})
    return citations


def _read_aux_text(path: Path, text: str, citations: Citations, seen: set[Path]) -> None:
    for line in text.splitlines():
        if "\\citation" in line:
            for match in _AUX_CITATION.finditer(line):
                for key in match[1].split(","):
                    citations.add(key)
        elif "\\abx@aux@" in line:
            citations.biblatex = True
            for match in _BIBLATEX_CITE.finditer(line):
                citations.add(match[1])
            if _BIBLATEX_ALL.search(line):
                citations.everything = True
        elif "\\@input" in line:
            for match in _AUX_INPUT.finditer(line):
                _read_included_aux(path.parent / match[1], citations, seen)


def _read_included_aux(path: Path, citations: Citations, seen: set[Path]) -> None:
    """An ``\\include``d file's own .aux (skipped when missing, as bibtex skips it)."""
    if path.resolve() in seen or not path.is_file():
        return
    seen.add(path.resolve())
    citations.files.append(path)
    _read_aux_text(path, _read(path, "included by the .aux"), citations, seen)


def read_bcf(path: str | Path, text: str | None = None) -> Citations:
    """The citekeys of a biblatex control file (all refsections)."""
    from xml.etree.ElementTree import ParseError

    from defusedxml import DefusedXmlException
    from defusedxml.ElementTree import fromstring

    path = Path(path)
    text = _read(path, "compile the document first") if text is None else text
    try:
        root = fromstring(text.encode("utf-8"))
    except (ParseError, DefusedXmlException) as exc:
        raise UsageError(f"cannot read {path}: not a biblatex control file ({exc})") from None
    citations = Citations(biblatex=True, files=[path])
    for element in root.iter():
        if element.tag.rpartition("}")[2] == "citekey" and element.text:
            citations.add(element.text)
    return citations


# -- .tex -----------------------------------------------------------------------------

_COMMAND = re.compile(r"\\([A-Za-z]+)(\*?)")
_VERBATIM_ENVIRONMENT = re.compile(
    r"\\begin\{(verbatim|Verbatim|lstlisting|minted|comment|filecontents)(\*?)\}.*?"
    r"\\end\{\1\2\}",
    re.DOTALL,
)
_VERB = re.compile(r"\\(?:verb|lstinline)\*?([^\sA-Za-z*{]).*?\1")
_COMMENT = re.compile(r"(?<!\\)%.*")
_BIBLATEX_PACKAGE = re.compile(
    r"\\(?:usepackage|RequirePackage)\s*(?:\[[^\]]*\])?\s*\{[^}]*\bbiblatex\b|\\addbibresource\b"
)
_INCLUDE = re.compile(
    r"\\(input|include|subfile|import|subimport|includefrom|subincludefrom)\*?\s*"
    r"\{([^{}]*)\}(?:\s*\{([^{}]*)\})?"
)
# Commands with "cite" in their name that take no keys, and definitions of commands.
_NOT_CITATIONS = frozenset(
    {"citestyle", "citeindextrue", "citeindexfalse", "citesetup", "citereset",
     "citetrackertrue", "citetrackerfalse", "citeform", "citeauthorstyle"}
)  # fmt: skip
_DEFINITION = re.compile(r"^(?:Declare|Undeclare|new|renew|provide|Renew|New|Provide)")
_CSQUOTES = re.compile(r"^(?:(foreign|hyphen)?(?:text|block)|hybridblock)cquote$", re.IGNORECASE)


def read_tex(path: str | Path) -> Citations:
    """The keys the ``\\cite`` commands of a document (and the files it includes) name."""
    path = Path(path)
    citations = Citations()
    _read_tex_file(path, path.parent, citations, set(), _read(path, "a LaTeX document"))
    return citations


def _read_tex_file(
    path: Path, root: Path, citations: Citations, seen: set[Path], text: str
) -> None:
    seen.add(path.resolve())
    citations.files.append(path)
    text = source_text(text)
    if _BIBLATEX_PACKAGE.search(text):
        citations.biblatex = True
    for key in cited_keys(text):
        citations.add(key)
    for match in _INCLUDE.finditer(text):
        included = _included_file(path, root, match)
        if included is not None and included.resolve() not in seen:
            _read_tex_file(included, root, citations, seen, _read(included, "included"))


def source_text(text: str) -> str:
    """The TeX that is read: verbatim text and comments left out."""
    text = _VERBATIM_ENVIRONMENT.sub(" ", text)
    text = _VERB.sub(" ", text)
    return _COMMENT.sub("", text)


def _included_file(path: Path, root: Path, match: re.Match[str]) -> Path | None:
    """The file an ``\\input``-like command names: relative to the main document's
    folder (where LaTeX runs), ``\\subimport`` to the including file's; ``.tex`` added
    when the name has none. None when it is not there."""
    command, first, second = match[1], match[2].strip(), match[3]
    if command in ("import", "includefrom"):
        if second is None:
            return None
        candidate = Path(first) / second.strip()
    elif command in ("subimport", "subincludefrom"):
        if second is None:
            return None
        candidate = path.parent / first / second.strip()
    else:
        candidate = Path(first)
    if not candidate.is_absolute() and command not in ("subimport", "subincludefrom"):
        candidate = root / candidate
    for option in (candidate, candidate.with_name(candidate.name + ".tex")):
        if option.is_file():
            return option
    return None


def cited_keys(text: str) -> list[str]:
    """The keys of every citation command in TeX source (comments already out)."""
    keys: list[str] = []
    for match in _COMMAND.finditer(text):
        name = match[1]
        kind = _citation_kind(name)
        if kind is not None:
            keys += _arguments(text, match.end(), kind)
    return [key for key in keys if key == ALL or _usable_key(key)]


def _citation_kind(name: str) -> str | None:
    if _CSQUOTES.match(name):
        return "foreign-cquote" if name.lower().startswith(("foreign", "hyphen")) else "cquote"
    lowered = name.lower()
    if "cite" not in lowered and name not in ("bibentry", "fullciteA"):
        return None
    if name in _NOT_CITATIONS or _DEFINITION.match(name):
        return None
    if lowered.endswith("volcites"):
        return "volcites"
    if lowered.endswith("volcite"):
        return "volcite"
    if lowered.endswith(("cites", "citetexts")):
        return "multi"
    return "simple"


def _arguments(text: str, start: int, kind: str) -> list[str]:
    """The keys of one command whose name ends at ``start``."""
    scanner = _Scanner(text, start)
    keys: list[str] = []
    if kind == "simple":
        scanner.skip_optional("<[", limit=3)
        keys += scanner.keys()
    elif kind in ("cquote", "foreign-cquote"):
        if kind == "foreign-cquote" and scanner.braced() is None:
            return []
        scanner.skip_optional("[", limit=2)
        keys += scanner.keys()
    elif kind == "volcite":
        scanner.skip_optional("[", limit=1)
        if scanner.braced() is not None:
            scanner.skip_optional("[", limit=1)
            keys += scanner.keys()
    else:  # multicite: (pre)(post) then [pre][post]{keys} groups, as long as they go on
        scanner.skip_optional("(", limit=2)
        while scanner.next_char() in ("[", "{"):
            scanner.skip_optional("[", limit=2)
            if kind == "volcites":
                if scanner.braced() is None:
                    break
                scanner.skip_optional("[", limit=1)
            found = scanner.braced()
            if found is None:
                break
            keys += _split_keys(found)
    return keys


def _split_keys(argument: str) -> list[str]:
    return [key.strip() for key in argument.split(",") if key.strip()]


_CLOSING = {"[": "]", "(": ")", "<": ">", "{": "}"}


class _Scanner:
    """A position in TeX source, read a command's arguments at a time (spaces and one
    line break between them skipped, as ``\\@ifnextchar`` does)."""

    def __init__(self, text: str, position: int):
        self.text = text
        self.position = position

    def next_char(self) -> str:
        self._skip_space()
        return self.text[self.position : self.position + 1]

    def _skip_space(self) -> None:
        text, position, breaks = self.text, self.position, 0
        while position < len(text) and text[position] in " \t\r\n":
            breaks += text[position] == "\n"
            if breaks > 1:  # a blank line is a paragraph: no argument after it
                return
            position += 1
        self.position = position

    def skip_optional(self, openers: str, *, limit: int) -> None:
        for _ in range(limit):
            if self.next_char() not in openers or not self.next_char():
                return
            if self._group(self.next_char()) is None:
                return

    def braced(self) -> str | None:
        return self._group("{") if self.next_char() == "{" else None

    def keys(self) -> list[str]:
        found = self.braced()
        return _split_keys(found) if found is not None else []

    def _group(self, opener: str) -> str | None:
        """The text of the group opening here (braces nested in it skipped), or None
        when it never closes."""
        text, start = self.text, self.position
        closer, depth, position = _CLOSING[opener], 0, start + 1
        while position < len(text):
            char = text[position]
            if char == "\\":
                position += 2
                continue
            if char == "{":
                depth += 1
            elif char == "}" and depth:
                depth -= 1
            elif char == closer and depth == 0:
                self.position = position + 1
                return text[start + 1 : position]
            elif char == "}" and opener != "{":
                return None  # the group it stands in ends first
            position += 1
        return None


def document_citations(
    aux: Iterable[str | Path] = (), tex: Iterable[str | Path] = (), keys: Iterable[str] = ()
) -> Citations:
    """The keys of ``--aux`` files (.aux or .bcf), ``--tex`` documents and ``--keys``
    lists, together."""
    citations = Citations()
    for path in aux:
        citations.extend(read_aux(path))
    for path in tex:
        citations.extend(read_tex(path))
    for text in keys:
        citations.extend(keys_given(text))
    return citations
