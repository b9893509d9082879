"""BibTeX files in, publications out: every entry kept, every problem reported with its line.

bibtexparser 2 splits the file (no middlewares: they are slow, and its string
middleware neither concatenates with ``#`` nor reports undefined macros). Values are
resolved here, decoded to Unicode once per distinct string, and the TeX source is kept
beside the Unicode form so that export gives back what came in.
"""

from __future__ import annotations

import contextlib
import functools
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

from .errors import UsageError
from .ids import ArxivId, InvalidIdentifier, normalize_doi, parse_arxiv_id
from .merge import classify_venue
from .models import Author, Publication
from .names import parse_name
from .search import publication_document
from .texdecode import tex_to_unicode

MONTHS = {
    name: number
    for number, names in enumerate(
        [
            ("jan", "january", "janvier"), ("feb", "february"), ("mar", "march"),
            ("apr", "april"), ("may",), ("jun", "june"), ("jul", "july"),
            ("aug", "august"), ("sep", "sept", "september"), ("oct", "october"),
            ("nov", "november"), ("dec", "december"),
        ],
        start=1,
    )
    for name in names
}  # fmt: skip
MONTH_MACROS = {name: name.capitalize() for name in MONTHS if len(name) == 3}
TEXT_COLUMNS = ("title", "abstract", "journal", "booktitle", "publisher", "volume", "number",
                "pages", "note")  # fmt: skip
ARXIV_FIELDS = ("eprint", "archiveprefix", "eprinttype", "primaryclass", "eprintclass")
_AND = re.compile(r"\s+and\s+", re.IGNORECASE)
_ARXIV_IN_TEXT = re.compile(
    r"arxiv(?:\s+preprint)?\s*:?\s*(?:abs/)?([a-z-]+(?:\.[A-Z]{2})?/\d{7}|\d{4}\.\d{4,5})(v\d+)?",
    re.IGNORECASE,
)
_ARXIV_URL = re.compile(r"arxiv\.org/(?:abs|pdf)/([^\s?#}]+?)(?:\.pdf)?(?:[?#}]|\s|$)", re.I)
_EQUAL_MARK = re.compile(r"\s*(?:\*|\$\^\{?\*\}?\$|\\textsuperscript\{\*\})\s*$")


@dataclass(frozen=True)
class Problem:
    file: str
    line: int
    message: str

    def __str__(self) -> str:
        return f"{self.file}:{self.line}: {self.message}"


@dataclass
class ParsedEntry:
    publication: Publication
    key: str
    file: str
    line: int
    search_document: tuple[str, str, str, str] | None = None


@dataclass
class ParsedFile:
    path: str
    entries: list[ParsedEntry] = field(default_factory=list)
    failures: list[Problem] = field(default_factory=list)
    warnings: list[Problem] = field(default_factory=list)
    line_offset: int = 0
    has_blocks: bool = False

    @property
    def empty(self) -> bool:
        return not (self.entries or self.failures or self.has_blocks)


def read_bibtex_text(path: str | Path) -> str:
    """The file's text; UsageError (one line) when it cannot be read or is not UTF-8."""
    path = Path(path)
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise UsageError(f"cannot read {path}: {exc.strerror or exc}") from None
    if b"\x00" in data[:65536]:
        raise UsageError(f"{path} is not a BibTeX file (it holds binary data)")
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        raise UsageError(
            f"{path}:{line}: not valid UTF-8 (byte 0x{data[exc.start]:02x}); "
            f"convert it first, e.g. iconv -f latin1 -t utf-8"
        ) from None


def parse_bibtex_file(path: str | Path) -> ParsedFile:
    return parse_bibtex(read_bibtex_text(path), str(path))


def parse_bibtex(text: str, file: str = "<string>") -> ParsedFile:
    """Every entry of a BibTeX text, with failures and warnings by line."""
    parsed = _parse_piece(text, file, None, 0)
    if not parsed.entries and not parsed.failures and not parsed.has_blocks:
        raise UsageError(f"{file} holds no BibTeX entries")
    return parsed


def _split(text: str):
    import logging

    import bibtexparser

    logging.getLogger("bibtexparser").setLevel(logging.CRITICAL)  # we report, it need not
    return bibtexparser.parse_string(text, parse_stack=[])


def _parse_piece(
    text: str, file: str, strings: dict[str, str] | None, line_offset: int
) -> ParsedFile:
    """Parse part of a file starting at line ``line_offset`` + 1. ``strings`` are the
    file's resolved @string macros when known (a chunk of a large file), else the
    piece's own are resolved."""
    from bibtexparser.model import DuplicateBlockKeyBlock, DuplicateFieldKeyBlock

    library = _split(text)
    parsed = ParsedFile(file, line_offset=line_offset)
    parsed.has_blocks = _has_blocks(library)
    if strings is None:
        strings = _resolve_strings(library.strings, parsed)
    entries = list(library.entries)
    for block in library.failed_blocks:
        line = (block.start_line or 0) + 1 + line_offset
        if isinstance(block, DuplicateFieldKeyBlock):
            entries.append(block.ignore_error_block)  # _convert warns per repeated field
        elif isinstance(block, DuplicateBlockKeyBlock):
            first = (block.previous_block.start_line or 0) + 1 + line_offset
            parsed.failures.append(
                Problem(file, line, f"duplicate key {block.key!r} (first at line {first})")
            )
        else:
            parsed.failures.append(Problem(file, line, _reason(block.error)))
    entries.sort(key=lambda entry: entry.start_line or 0)
    for entry in entries:
        converted = _convert(entry, strings, parsed)
        if converted is not None:
            parsed.entries.append(converted)
    return parsed


def _has_blocks(library) -> bool:
    return bool(library.strings or library.preambles or library.entries)


def _reason(error: Exception) -> str:
    """bibtexparser's reason for a broken block, in one line."""
    text = getattr(error, "abort_reason", None) or getattr(error, "message", None) or str(error)
    text = " ".join(str(text).split())
    text = re.sub(r"^Parsing of `@\w+` block \(line \d+\) aborted on line \d+ due to ", "", text)
    return text or error.__class__.__name__


_DELIMITER = re.compile(r'[{}"#]')


def split_concatenation(raw: str) -> list[str]:
    """Parts of a BibTeX value expression joined by '#', outside braces and quotes."""
    parts, depth, quoted, start = [], 0, False, 0
    for match in _DELIMITER.finditer(raw):
        char = match[0]
        if char == "{":
            depth += 1
        elif char == "}":
            depth -= 1
        elif char == '"' and depth == 0:
            quoted = not quoted
        elif char == "#" and depth == 0 and not quoted:
            parts.append(raw[start : match.start()])
            start = match.end()
    parts.append(raw[start:])
    return [part.strip() for part in parts]


def resolve_value(raw: str, strings: dict[str, str]) -> tuple[str, list[str]]:
    """A value expression's text, and the macros it uses that are not defined."""
    out, undefined = [], []
    raw = str(raw).strip()
    for part in split_concatenation(raw) if "#" in raw else [raw]:
        if len(part) >= 2 and (part[0], part[-1]) in (("{", "}"), ('"', '"')):
            out.append(part[1:-1])
        elif part.isdigit():
            out.append(part)
        elif part.lower() in strings:
            out.append(strings[part.lower()])
        elif part.lower() in MONTH_MACROS:
            out.append(MONTH_MACROS[part.lower()])
        else:
            out.append(part)
            if part:
                undefined.append(part)
    return "".join(out), undefined


def _resolve_strings(
    blocks, parsed: ParsedFile, known: dict[str, str] | None = None
) -> dict[str, str]:
    strings = dict(known or {})
    for block in blocks:
        value, undefined = resolve_value(block.value, strings)
        for name in undefined:
            line = (block.start_line or 0) + 1 + parsed.line_offset
            parsed.warnings.append(Problem(parsed.path, line, f"undefined @string {name!r}"))
        strings[block.key.lower()] = value
    return strings


def parse_month(text: str) -> int | None:
    cleaned = text.strip().rstrip(".").lower()
    if cleaned.isdigit() and 1 <= int(cleaned) <= 12:
        return int(cleaned)
    return MONTHS.get(cleaned)


def _convert(entry, strings: dict[str, str], parsed: ParsedFile) -> ParsedEntry | None:
    line = (entry.start_line or 0) + 1 + parsed.line_offset
    values: dict[str, str] = {}
    for bib_field in entry.fields:
        name = bib_field.key.lower()
        if name in values:
            parsed.warnings.append(
                Problem(parsed.path, line, f"repeated field {bib_field.key!r}: first kept")
            )
            continue
        value, undefined = resolve_value(bib_field.value, strings)
        for macro in undefined:
            if not (name == "month" and parse_month(macro)):
                parsed.warnings.append(
                    Problem(parsed.path, line, f"undefined @string {macro!r} in {name}")
                )
        values[name] = value
    publication = publication_from_fields(entry.entry_type.lower(), values)
    publication.citekey = entry.key.strip()
    document = publication_document(publication)
    return ParsedEntry(publication, entry.key.strip(), parsed.path, line, document)


def publication_from_fields(entry_type: str, values: dict[str, str]) -> Publication:
    """A Publication from one entry's resolved field texts (TeX source)."""
    values = dict(values)
    p = Publication(entry_type=entry_type, source="bibtex")
    for column in TEXT_COLUMNS:
        source = values.pop(column, None)
        if source is not None and source.strip():
            _set_text(p, column, source.strip())
    _set_year(p, values.pop("year", None))
    _set_month(p, values.pop("month", None))
    _set_doi(p, values.pop("doi", None))
    url = values.pop("url", None)
    if url:
        p.url = " ".join(url.split())
    _set_authors(p, values.pop("author", None), values.pop("author+an", None))
    _set_arxiv(p, values)
    p.kind = _kind(entry_type, p)
    p.status = _status(p, values.get("pubstate", ""))
    p.venue = (
        p.journal
        or p.booktitle
        or _plain(values.get("school"))
        or _plain(values.get("institution"))
    )
    if p.venue and p.kind == "preprint" and _ARXIV_IN_TEXT.search(p.venue or ""):
        p.venue = None
    p.fields = {**values, **p.fields}  # what _set_* could not read stays a field
    return p


def _plain(source: str | None) -> str | None:
    return tex_to_unicode(source) if source else None


def _set_text(p: Publication, column: str, source: str) -> None:
    setattr(p, column, tex_to_unicode(source))
    p.latex[column] = source  # export gives back what came in, TeX or not


def _set_year(p: Publication, source: str | None) -> None:
    if not source:
        return
    match = re.search(r"\d{4}", tex_to_unicode(source))
    p.year = int(match[0]) if match else None
    if not source.strip().isdigit():
        p.latex["year"] = source
        if p.year is None:
            p.fields["year"] = source


def _set_month(p: Publication, source: str | None) -> None:
    if not source:
        return
    p.month = parse_month(tex_to_unicode(source))
    if p.month is None:
        p.fields["month"] = source


def _set_doi(p: Publication, source: str | None) -> None:
    if not source or not source.strip():
        return
    try:
        p.doi = normalize_doi(source)
    except InvalidIdentifier:
        p.fields["doi"] = source
        return
    if p.doi != source.strip():
        p.latex["doi"] = source.strip()


def split_authors(source: str) -> list[str]:
    """Names in an author field, split at ' and ' outside braces."""
    if "{" not in source:
        return [name.strip() for name in _AND.split(source) if name.strip()]
    names, depth, start = [], 0, 0
    for match in re.finditer(r"[{}]|\s+and\s+", source, re.IGNORECASE):
        token = match[0]
        if token == "{":
            depth += 1
        elif token == "}":
            depth -= 1
        elif depth == 0:
            names.append(source[start : match.start()])
            start = match.end()
    names.append(source[start:])
    return [name.strip() for name in names if name.strip()]


def _set_authors(p: Publication, source: str | None, annotation: str | None) -> None:
    if not source:
        return
    p.latex["author"] = source.strip()
    equal = _equal_positions(annotation)
    for written in split_authors(source):
        if written.lower() == "others":
            continue
        name, given, family, marked = _author_parts(written)
        p.authors.append(
            Author(name, given, family, equal_contribution=marked or len(p.authors) + 1 in equal)
        )
    if annotation:
        p.fields["author+an"] = annotation


@functools.lru_cache(maxsize=65536)
def _author_parts(written: str) -> tuple[str, str, str, bool]:
    """One name as written in TeX: (name, given, family) in Unicode and its equal mark;
    cached, as the same names come back entry after entry."""
    marked = bool(_EQUAL_MARK.search(written))
    written = _EQUAL_MARK.sub("", written)
    name = parse_name(written)
    return (
        tex_to_unicode(written),
        tex_to_unicode(name.given),
        tex_to_unicode(name.family),
        marked,
    )


def _equal_positions(annotation: str | None) -> set[int]:
    """biblatex data annotations: 'author+an = {1=equal; 3=equal,highlight}'."""
    positions = set()
    for item in (annotation or "").split(";"):
        position, _, labels = item.partition("=")
        if position.strip().isdigit() and "equal" in labels.lower():
            positions.add(int(position.strip()))
    return positions


def arxiv_id_in_fields(values: dict[str, str], p: Publication) -> ArxivId | None:
    """arXiv id from eprint, arxiv/arxivid, an arXiv URL, journal 'arXiv preprint …',
    DBLP's CoRR volume 'abs/…', or an arXiv DOI."""
    prefix = (values.get("archiveprefix") or values.get("eprinttype") or "").lower()
    candidates = []
    if values.get("eprint") and prefix in ("", "arxiv"):
        candidates.append(values["eprint"])
    candidates += [values.get("arxiv"), values.get("arxivid")]
    if p.url and (match := _ARXIV_URL.search(p.url + " ")):
        candidates.append(match[1])
    for text in (p.journal, p.note, values.get("howpublished")):
        if text and (match := _ARXIV_IN_TEXT.search(text)):
            candidates.append(match[1] + (match[2] or ""))
    if p.journal and p.journal.lower() == "corr" and (p.volume or "").startswith("abs/"):
        candidates.append(p.volume[4:])
    if p.doi and p.doi.startswith("10.48550/arxiv."):
        candidates.append(p.doi)
    for candidate in filter(None, candidates):
        try:
            return parse_arxiv_id(candidate)
        except InvalidIdentifier:
            continue
    return None


def _set_arxiv(p: Publication, values: dict[str, str]) -> None:
    arxiv_id = arxiv_id_in_fields(values, p)
    if arxiv_id is None:
        return
    p.arxiv_id, p.arxiv_version = arxiv_id.base, arxiv_id.version
    p.arxiv_primary_category = values.get("primaryclass") or values.get("eprintclass")
    eprint_is_arxiv = (values.get("archiveprefix") or values.get("eprinttype") or "arxiv").lower()
    if eprint_is_arxiv == "arxiv":
        for name in ARXIV_FIELDS:
            values.pop(name, None)
    if p.doi and p.doi.startswith("10.48550/arxiv."):
        p.doi = None
        p.latex.pop("doi", None)


def _kind(entry_type: str, p: Publication) -> str:
    journal = (p.journal or "").lower()
    if entry_type == "article":
        if "arxiv" in journal or journal in ("corr", "computing research repository"):
            return "preprint"
        return "journal"
    if entry_type in ("inproceedings", "conference", "proceedings"):
        return "workshop" if classify_venue(p.booktitle or "") == "workshop" else "conference"
    if entry_type in ("phdthesis", "mastersthesis", "thesis"):
        return "thesis"
    if entry_type in ("book", "mvbook", "booklet"):
        return "book"
    if entry_type in ("incollection", "inbook", "suppbook", "bookinbook"):
        return "chapter"
    if entry_type in ("misc", "online", "unpublished", "preprint", "electronic") and p.arxiv_id:
        return "preprint"
    return "other"


def _status(p: Publication, pubstate: str) -> str:
    state = pubstate.strip().lower()
    if state in ("submitted", "insubmission", "underreview"):
        return "submitted"
    if state in ("inpress", "forthcoming", "accepted"):
        return "accepted"
    if p.kind == "preprint" or state == "prepublished":
        return "preprint"
    return "published"


# -- large files: parsed in chunks by forked workers, stored as the chunks arrive ------

PARALLEL_MIN_CHARS = 1_000_000
CHUNK_MIN_CHARS = 200_000
_BLOCK_START = re.compile(r"^[ \t]*@\w*[ \t]*[{(]", re.MULTILINE)
_STRING_START = re.compile(r"^[ \t]*@string[ \t]*[{(]", re.MULTILINE | re.IGNORECASE)
# Set in the parent just before forking; workers read the text from inherited memory.
_SOURCE: tuple[str, dict[str, str], str] | None = None


def worker_count() -> int:
    import os

    configured = os.environ.get("PUBDB_WORKERS", "")
    if configured.isdigit():
        return max(1, int(configured))
    return min(os.cpu_count() or 1, 4)


def _block_starts_after(text: str, position: int) -> int:
    match = _BLOCK_START.search(text, position)
    return match.start() if match else len(text)


def chunk_bounds(text: str, pieces: int) -> list[tuple[int, int]]:
    """Cut points at line-start block openings (where bibtexparser itself always starts
    a new block, so parsing the pieces apart gives the same blocks)."""
    size = max(CHUNK_MIN_CHARS, len(text) // max(1, pieces))
    bounds, start = [], 0
    while start < len(text):
        end = _block_starts_after(text, start + size) if start + size < len(text) else len(text)
        bounds.append((start, end))
        start = end
    return bounds


def string_macros(text: str, file: str) -> tuple[dict[str, str], ParsedFile]:
    """All @string definitions of a text, resolved in file order."""
    holder = ParsedFile(file, has_blocks=True)
    strings: dict[str, str] = {}
    for match in _STRING_START.finditer(text):
        end = _block_starts_after(text, match.end())
        piece = ParsedFile(file, line_offset=text.count("\n", 0, match.start()))
        strings = _resolve_strings(_split(text[match.start() : end]).strings, piece, strings)
        holder.warnings += piece.warnings
    if not strings:
        holder.has_blocks = False
    return strings, holder


def _parse_chunk(bounds: tuple[int, int]) -> tuple:
    assert _SOURCE is not None
    text, strings, file = _SOURCE
    start, end = bounds
    return _pack(_parse_piece(text[start:end], file, strings, text.count("\n", 0, start)))


def _pack(parsed: ParsedFile) -> tuple:
    """A chunk as plain dicts and tuples: unpickling dataclasses costs ~3x more, and the
    main process, which stores the entries, is the bottleneck."""
    entries = []
    for entry in parsed.entries:
        state = dict(entry.publication.__dict__)
        state["authors"] = [tuple(a.__dict__.values()) for a in entry.publication.authors]
        entries.append((state, entry.key, entry.line, entry.search_document))
    return parsed.line_offset, parsed.has_blocks, entries, parsed.failures, parsed.warnings


def _unpack(packed: tuple, file: str) -> ParsedFile:
    line_offset, has_blocks, entries, failures, warnings = packed
    parsed = ParsedFile(file, [], failures, warnings, line_offset, has_blocks)
    for state, key, line, document in entries:
        state["authors"] = [Author(*values) for values in state["authors"]]
        publication = object.__new__(Publication)
        publication.__dict__.update(state)
        parsed.entries.append(ParsedEntry(publication, key, file, line, document))
    return parsed


def iter_parsed(text: str, file: str) -> Iterator[ParsedFile]:
    """A file's entries as ParsedFile pieces in file order: one piece for a small file,
    chunks parsed by forked workers (Linux) for a large one. Keys repeated across
    chunks are reported like bibtexparser reports them within one."""
    global _SOURCE
    import multiprocessing

    workers = worker_count()
    methods = multiprocessing.get_all_start_methods()
    if len(text) < PARALLEL_MIN_CHARS or workers < 2 or "fork" not in methods:
        yield parse_bibtex(text, file)
        return
    strings, holder = string_macros(text, file)
    yield holder
    first_lines: dict[str, int] = {}
    _SOURCE = (text, strings, file)
    try:
        with multiprocessing.get_context("fork").Pool(workers, _lower_priority) as pool:
            for packed in pool.imap(_parse_chunk, chunk_bounds(text, workers * 4)):
                piece = _unpack(packed, file)
                _drop_keys_seen_before(piece, first_lines)
                yield piece
    finally:
        _SOURCE = None


def _lower_priority() -> None:
    """Parsing workers yield the CPU to the process storing their entries, and leave
    Ctrl-C to it (the pool is closed when it stops), so no worker prints a traceback."""
    import os
    import signal

    signal.signal(signal.SIGINT, signal.SIG_IGN)
    with contextlib.suppress(OSError):
        os.nice(10)


def _drop_keys_seen_before(piece: ParsedFile, first_lines: dict[str, int]) -> None:
    kept = []
    for entry in piece.entries:
        first = first_lines.setdefault(entry.key, entry.line)
        if first != entry.line:
            reason = f"duplicate key {entry.key!r} (first at line {first})"
            piece.failures.append(Problem(entry.file, entry.line, reason))
        else:
            kept.append(entry)
    piece.entries = kept
