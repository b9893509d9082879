"""BibTeX files in, publications out: every entry kept, every problem reported with its line.

bibtexparser 2 splits the file (no middlewares: they are slow, and its string
middleware neither concatenates with ``#`` nor reports undefined macros). Values are
resolved here, decoded to Unicode once per distinct string, and the TeX source is kept
beside the Unicode form so that export gives back what came in.
"""

from __future__ import annotations

import contextlib
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

from ..errors import UsageError
from ..models import Author, Problem, Publication
from ..store.search import publication_document
from .fields import publication_from_fields
from .values import parse_month, resolve_value


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
    size: int = 0  # characters of the file this piece covers (for progress)

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
    parsed = ParsedFile(file, line_offset=line_offset, size=len(text))
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
    return (
        parsed.line_offset,
        parsed.has_blocks,
        entries,
        parsed.failures,
        parsed.warnings,
        parsed.size,
    )


def _unpack(packed: tuple, file: str) -> ParsedFile:
    line_offset, has_blocks, entries, failures, warnings, size = packed
    parsed = ParsedFile(file, [], failures, warnings, line_offset, has_blocks, size)
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
