"""BibTeX files in, publications out: every entry kept, every problem reported with its line.

The text first goes through a pre-pass (``prepass``) so that bibtexparser 2 reads it as
BibTeX and biber do; bibtexparser then splits it (no middlewares). Values are resolved
here, in file order as BibTeX does (a redefined @string takes effect from there on),
and decoded to Unicode once per distinct string. The TeX source is kept beside the
Unicode form, the value expression beside the text when it uses @string macros, and
the file's @string and @preamble blocks with their source, so that export gives back
what came in.
"""

from __future__ import annotations

import contextlib
import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path

from ..errors import UsageError
from ..models import Author, Problem, Publication
from ..names import has_empty_name
from ..store.search import publication_document
from ..tex.defuse import denied_commands, why_denied
from .blocks import Block, read_blocks
from .fields import publication_from_fields
from .prepass import prepass, restore_type
from .values import (
    Expanded,
    ValueTooLong,
    braces_balance,
    expand_value,
    parse_month,
)

# What @string macros may add to one file's values in all: real files stay below 1 MB.
MAX_EXPANSION_CHARS = 32_000_000


@dataclass
class ParsedEntry:
    publication: Publication
    key: str
    file: str
    line: int
    search_document: tuple[str, str, str, str] | None = None


@dataclass
class StringDefinition:
    """A @string block: its name as written, value expression and resolved text."""

    name: str
    expression: str
    value: str
    line: int


@dataclass
class PreambleBlock:
    expression: str
    line: int


@dataclass
class ParsedFile:
    path: str
    entries: list[ParsedEntry] = field(default_factory=list)
    failures: list[Problem] = field(default_factory=list)
    warnings: list[Problem] = field(default_factory=list)
    line_offset: int = 0
    has_blocks: bool = False
    size: int = 0  # characters of the file this piece covers (for progress)
    strings: list[StringDefinition] = field(default_factory=list)
    preambles: list[PreambleBlock] = field(default_factory=list)

    @property
    def empty(self) -> bool:
        return not (self.entries or self.failures or self.has_blocks)


class Macros(dict):
    """@string macros as BibTeX sees them at one point of a file: lower-case name ->
    text (None for one that expanded too far). ``known`` answers for names the file
    does not define: earlier files of the same import, then the library's own."""

    def __init__(self, known: Mapping[str, str] | None = None):
        super().__init__()
        self.known = known or {}
        self.expanded = 0  # characters macros added to this file's values so far
        # raw expression -> its expansion under the macros as they are now: the same
        # few (journal = j-TUGboat, month = jan) come back entry after entry
        self._expansions: dict[str, Expanded] = {}

    def __setitem__(self, name: str, value: str | None) -> None:
        super().__setitem__(name, value)
        self._expansions.clear()

    def expand(self, raw: str) -> Expanded:
        expanded = self._expansions.get(raw)
        if expanded is None:
            expanded = self._expansions[raw] = expand_value(raw, self, self.known)
        if expanded.macros:
            self.expanded += len(expanded.text)
            if self.expanded > MAX_EXPANSION_CHARS:
                raise ValueTooLong(
                    f"@string macros expand past {MAX_EXPANSION_CHARS:,} characters in this file"
                )
        return expanded

    def snapshot(self) -> Macros:
        copy = Macros(self.known)
        copy.update(self)
        copy.expanded = self.expanded
        return copy


def read_bibtex_text(path: str | Path) -> str:
    """The file's text; UsageError (one line) when it cannot be read or is not UTF-8.
    Control characters (NUL included) are read: BibTeX reads them too, and the reader
    reports them by line."""
    path = Path(path)
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise UsageError(f"cannot read {path}: {exc.strerror or exc}") from None
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        if b"\x00" in data[:65536]:
            raise UsageError(f"{path} is not a BibTeX file (it holds binary data)") from None
        line = data[: exc.start].count(b"\n") + 1
        raise UsageError(
            f"{path}:{line}: not valid UTF-8 (byte 0x{data[exc.start]:02x}); "
            f"convert it first, e.g. iconv -f latin1 -t utf-8"
        ) from None


def parse_bibtex_file(path: str | Path) -> ParsedFile:
    return parse_bibtex(read_bibtex_text(path), str(path))


def parse_bibtex(
    text: str, file: str = "<string>", known: Mapping[str, str] | None = None
) -> ParsedFile:
    """Every entry of a BibTeX text, with its @string and @preamble blocks, failures
    and warnings by line. ``known``: macros defined elsewhere (see ``Macros``)."""
    prepared = prepass(text)
    parsed = _parse_piece(prepared.text, file, Macros(known), 0, prepared.unreadable)
    _add_prepass_problems(parsed, prepared)
    if parsed.empty:
        raise UsageError(f"{file} holds no BibTeX entries")
    return parsed


def _add_prepass_problems(parsed: ParsedFile, prepared) -> None:
    """The pre-pass's warnings, but for entries that failed anyway (their failure says
    enough)."""
    failed = {failure.line for failure in parsed.failures}
    found = [Problem(parsed.path, line, why) for line, why in prepared.warnings]
    parsed.warnings[:0] = [problem for problem in found if problem.line not in failed]
    parsed.warnings.sort(key=lambda problem: problem.line)


def _parse_piece(
    text: str,
    file: str,
    macros: Macros,
    line_offset: int,
    unreadable: Mapping[int, str],
    *,
    record_strings: bool = True,
) -> ParsedFile:
    """Parse part of a file starting at line ``line_offset`` + 1, ``macros`` holding
    those defined before it. Blocks are taken in file order: a @string applies from
    where it stands. ``record_strings``: keep the @string blocks (and their warnings),
    off for the chunks of a large file, whose @strings were read once beforehand."""
    parsed = ParsedFile(file, line_offset=line_offset, size=len(text))
    for block in read_blocks(text):
        line = block.line + 1 + line_offset
        if block.kind == "string":
            parsed.has_blocks = True
            _define(block, macros, parsed, line, record_strings)
        elif block.kind == "preamble":
            parsed.has_blocks = True
            parsed.preambles.append(PreambleBlock(block.value.strip(), line))
            _warn_preamble(parsed, line, block.value)
        elif block.kind == "entry":
            parsed.has_blocks = True
            if line in unreadable:
                parsed.failures.append(Problem(file, line, f"{block.key}: {unreadable[line]}"))
                continue
            converted = _convert(block, macros, parsed, line)
            if converted is not None:
                parsed.entries.append(converted)
        elif block.kind == "duplicate":
            first = block.first_line + 1 + line_offset
            parsed.failures.append(
                Problem(file, line, f"duplicate key {block.key!r} (first at line {first})")
            )
        elif block.kind == "failed":
            parsed.failures.append(Problem(file, line, _reason(block.error)))
    return parsed


def _reason(error: Exception) -> str:
    """bibtexparser's reason for a broken block, in one line."""
    text = getattr(error, "abort_reason", None) or getattr(error, "message", None) or str(error)
    text = " ".join(str(text).split())
    text = re.sub(r"^Parsing of `@\w+` block \(line \d+\) aborted on line \d+ due to ", "", text)
    return text or error.__class__.__name__


def _define(block: Block, macros: Macros, parsed: ParsedFile, line: int, record: bool) -> None:
    """A @string: its text under the macros defined so far; too long, it is left
    undefined and every value that uses it fails."""
    name, expression = block.key, block.value.strip()
    try:
        expanded = macros.expand(expression)
    except ValueTooLong as error:
        macros[name.lower()] = None
        if record:
            parsed.failures.append(Problem(parsed.path, line, f"@string {name} {error}"))
        return
    macros[name.lower()] = expanded.text
    if record:
        for macro in expanded.undefined:
            parsed.warnings.append(Problem(parsed.path, line, f"undefined @string {macro!r}"))
        parsed.strings.append(StringDefinition(name, expression, expanded.text, line))


def _warn_preamble(parsed: ParsedFile, line: int, expression: str) -> None:
    from ..tex.defuse import preamble_part
    from .values import split_concatenation

    for part in split_concatenation(expression):
        denied = preamble_part(part)
        if denied:
            shown = " ".join(part.split())
            shown = shown if len(shown) <= 60 else shown[:59] + "…"
            parsed.warnings.append(
                Problem(
                    parsed.path,
                    line,
                    f"@preamble part {shown} {_denial(denied)}: left out on export",
                )
            )


def _denial(commands: tuple[str, ...]) -> str:
    """'holds \\input (reads a file)', for one or more denied commands."""
    return "holds " + ", ".join(f"{command} ({why_denied(command)})" for command in commands)


def _export_problems(name: str, text: str) -> list[str]:
    """What export changes in a field's text, and why. Plain braces balance in what
    bibtexparser reads; only an escaped one can leave BibTeX's count unbalanced."""
    problems = []
    denied = denied_commands(text)
    if denied:
        problems.append(f"{_denial(denied)}: exported as text")
    if ("\\{" in text or "\\}" in text) and not braces_balance(text):
        problems.append(
            "holds a lone \\{ or \\} (BibTeX counts it as a brace): exported as"
            " {\\textbraceleft} or {\\textbraceright}"
        )
    if name in _NAME_LISTS and has_empty_name(text):
        problems.append(
            "holds an empty name ('and and'; bibtex and biber stop): exported without it"
        )
    return problems


def _convert(entry: Block, macros: Macros, parsed: ParsedFile, line: int) -> ParsedEntry | None:
    key = entry.key.strip()
    values: dict[str, str] = {}
    expressions: dict[str, str] = {}
    for written_name, value in entry.fields:
        name = written_name.lower()
        if name in values:
            parsed.warnings.append(
                Problem(parsed.path, line, f"repeated field {written_name!r}: first kept")
            )
            continue
        raw = value.strip()
        if len(raw) >= 2 and raw[0] in _OPENERS and raw[-1] == _OPENERS[raw[0]] and "#" not in raw:
            text = raw[1:-1]  # the common case: one braced or quoted string, no macro
        else:
            try:
                text = _expand(raw, name, macros, expressions, parsed, line)
            except ValueTooLong as error:
                parsed.failures.append(Problem(parsed.path, line, f"{key}: {name} {error}"))
                return None
        values[name] = text
        if "\\" in text or "^^" in text or name in _NAME_LISTS:  # else nothing to report
            for problem in _export_problems(name, text):
                parsed.warnings.append(Problem(parsed.path, line, f"{key}: {name} {problem}"))
    publication = publication_from_fields(restore_type(entry.entry_type).lower(), values)
    publication.citekey = key
    publication.expressions = expressions
    if "month" in expressions and publication.month:
        del publication.latex["month"]  # jan ... dec: written back from the month itself
    document = publication_document(publication)
    return ParsedEntry(publication, key, parsed.path, line, document)


_OPENERS = {"{": "}", '"': '"'}
_NAME_LISTS = ("author", "editor")


def _expand(
    raw: str, name: str, macros: Macros, expressions: dict, parsed: ParsedFile, line: int
) -> str:
    """A value that uses macros (or '#'): its text; its expression kept, undefined
    macros reported."""
    expanded = macros.expand(raw)
    if expanded.macros:
        expressions[name] = raw
    for macro in expanded.undefined:
        if not (name == "month" and parse_month(macro)):
            message = f"undefined @string {macro!r} in {name}"
            parsed.warnings.append(Problem(parsed.path, line, message))
    return expanded.text


# -- large files: parsed in chunks by forked workers, stored as the chunks arrive ------

PARALLEL_MIN_CHARS = 1_000_000  # when PUBDB_WORKERS asks for workers
# Unasked, workers only for files this large: they cost CPU (each warms its own caches,
# chunks are pickled), and below this they did not pay it back on 2 busy CPUs
# (tugboat.bib, 3.8 MB: 1.20 s wall / 1.26 s CPU with two workers, 1.03 / 1.01 s without).
AUTO_PARALLEL_MIN_CHARS = 8_000_000
CHUNK_MIN_CHARS = 200_000
_BLOCK_START = re.compile(r"^[ \t]*@\w*[ \t]*[{(]", re.MULTILINE)
_STRING_START = re.compile(r"^[ \t]*@string[ \t]*[{(]", re.MULTILINE | re.IGNORECASE)
# Set in the parent just before forking; workers read the text from inherited memory.
_SOURCE: tuple[str, list[tuple[int, int]], list[Macros], str, Mapping[int, str]] | None = None


def worker_count(chars: int) -> int:
    """Parse workers for a text of ``chars`` characters (1: none): PUBDB_WORKERS, else
    up to 4 (one per CPU) for a file of AUTO_PARALLEL_MIN_CHARS or more."""
    import os

    configured = os.environ.get("PUBDB_WORKERS", "")
    if configured.isdigit():
        return max(1, int(configured))
    if chars < AUTO_PARALLEL_MIN_CHARS:
        return 1
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


def string_macros(
    text: str, file: str, starts: list[int], known: Mapping[str, str] | None = None
) -> tuple[list[Macros], ParsedFile]:
    """The file's @string blocks read in file order, and the macros defined before
    each of ``starts`` (sorted offsets where chunks begin)."""
    holder = ParsedFile(file)
    macros = Macros(known)
    scopes: list[Macros] = []
    pending = list(starts)
    for match in _STRING_START.finditer(text):
        while pending and pending[0] <= match.start():
            scopes.append(macros.snapshot())
            pending.pop(0)
        end = _block_starts_after(text, match.end())
        piece = _parse_piece(
            text[match.start() : end], file, macros, text.count("\n", 0, match.start()), {}
        )
        holder.strings += piece.strings
        holder.warnings += piece.warnings
        holder.failures += [f for f in piece.failures if f.message.startswith("@string")]
    scopes += [macros.snapshot() for _ in pending]
    holder.has_blocks = bool(holder.strings or holder.failures)
    return scopes, holder


def _parse_chunk(index: int) -> tuple:
    assert _SOURCE is not None
    text, bounds, scopes, file, unreadable = _SOURCE
    start, end = bounds[index]
    piece = _parse_piece(
        text[start:end],
        file,
        scopes[index],
        text.count("\n", 0, start),
        unreadable,
        record_strings=False,
    )
    return _pack(piece)


def _pack(parsed: ParsedFile) -> tuple:
    """A chunk as plain dicts and tuples: unpickling dataclasses costs ~3x more, and the
    main process, which stores the entries, is the bottleneck."""
    entries = []
    for entry in parsed.entries:
        state = dict(entry.publication.__dict__)
        state["authors"] = [tuple(a.__dict__.values()) for a in entry.publication.authors]
        entries.append((state, entry.key, entry.line, entry.search_document))
    preambles = [(p.expression, p.line) for p in parsed.preambles]
    failures, warnings = parsed.failures, parsed.warnings
    return (
        parsed.line_offset,
        parsed.has_blocks,
        entries,
        failures,
        warnings,
        preambles,
        parsed.size,
    )


def _unpack(packed: tuple, file: str) -> ParsedFile:
    line_offset, has_blocks, entries, failures, warnings, preambles, size = packed
    parsed = ParsedFile(file, [], failures, warnings, line_offset, has_blocks, size=size)
    parsed.preambles = [PreambleBlock(*preamble) for preamble in preambles]
    for state, key, line, document in entries:
        state["authors"] = [Author(*values) for values in state["authors"]]
        publication = object.__new__(Publication)
        publication.__dict__.update(state)
        parsed.entries.append(ParsedEntry(publication, key, file, line, document))
    return parsed


def iter_parsed(
    text: str, file: str, known: Mapping[str, str] | None = None
) -> Iterator[ParsedFile]:
    """A file's entries as ParsedFile pieces in file order: one piece for a small file,
    chunks parsed by forked workers (Linux) for a large one. Keys repeated across
    chunks are reported like bibtexparser reports them within one."""
    global _SOURCE
    workers = worker_count(len(text))
    if len(text) < PARALLEL_MIN_CHARS or workers < 2:  # multiprocessing not even imported
        yield parse_bibtex(text, file, known)
        return
    import multiprocessing

    if "fork" not in multiprocessing.get_all_start_methods():
        yield parse_bibtex(text, file, known)
        return
    prepared = prepass(text)
    text = prepared.text
    bounds = chunk_bounds(text, workers * 4)
    scopes, holder = string_macros(text, file, [start for start, _ in bounds], known)
    yield holder
    first_lines: dict[str, int] = {}
    last = ParsedFile(file, failures=list(holder.failures))
    _SOURCE = (text, bounds, scopes, file, prepared.unreadable)
    try:
        with multiprocessing.get_context("fork").Pool(workers, _lower_priority) as pool:
            for packed in pool.imap(_parse_chunk, range(len(bounds))):
                piece = _unpack(packed, file)
                _drop_keys_seen_before(piece, first_lines)
                last.failures += piece.failures
                yield piece
    finally:
        _SOURCE = None
    _add_prepass_problems(last, prepared)
    last.failures = []
    yield last


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
