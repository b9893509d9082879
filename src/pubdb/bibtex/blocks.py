"""The blocks of a .bib text exactly as bibtexparser's splitter gives them, read faster.

bibtexparser's splitter steps through every brace, quote, comma and line end in Python:
it took a third of an import's CPU (tugboat.bib: 0.54 s of 1.7 s). An entry that the
pre-pass's expression accepts as one that BibTeX and bibtexparser read alike — nearly
every entry of a real file — is read here by regular expressions instead, into what
the splitter makes of it: the type lower-cased, the key, and each field's name and
value as written. Everything else (@string, @preamble, @comment, parenthesised or
broken blocks, an entry with an ``@`` that the splitter would take for a new block) is
left to bibtexparser, which reads the text between two such entries on its own: after
an entry that closed, the splitter reads on as if the text began there. A piece it
leaves unfinished at its end (an unclosed block that the full text might close later)
makes the rest of the text go to bibtexparser whole. Duplicate entry keys are found
across the pieces as bibtexparser finds them in one text; lines are counted as it
counts them (a line end after a backslash is not counted).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from .prepass import EXPRESSION_PATTERN, IDENT_PATTERN, parse_blocks

# Where bibtexparser starts a block when it is not inside one.
_BLOCK_START = re.compile(r"@\w*[ \t]*(?=[{(])")
# One entry of the pre-pass's _SIMPLE_BLOCK, cut into parts: its header, each field,
# its end. Possessive, as there: what one part takes, no later part gives back.
_HEADER = re.compile(
    r"@(?!(?i:comment|preamble|string))(?!\d)(\w++)[ \t]*+\{[ \t]*+([^,\s{}\"=()%@\\]++)[ \t]*+"
)
_FIELD = re.compile(r",\s*+(" + IDENT_PATTERN + r")\s*+=\s*+(" + EXPRESSION_PATTERN + r")\s*+")
_END = re.compile(r",?\s*+\}")
_END_OF_FILE = "Unexpectedly reached end of file."


@dataclass(slots=True)
class Block:
    """One block as the reader needs it. ``line`` counts from 0, as bibtexparser does.

    kind: ``entry`` (type, key, fields), ``string`` (key, value), ``preamble`` (value),
    ``duplicate`` (an entry whose key an earlier entry has: key, first_line) or
    ``failed`` (error: bibtexparser's exception)."""

    kind: str
    line: int
    key: str = ""
    entry_type: str = ""
    fields: list[tuple[str, str]] = field(default_factory=list)
    value: str = ""
    first_line: int = 0
    error: Exception | None = None


class _Keys:
    """Entry keys as bibtexparser's library registers them: the first entry with a key
    holds it; an entry with a repeated field name is not looked at (bibtexparser makes it
    a failed block that wraps the entry)."""

    def __init__(self) -> None:
        self.first_lines: dict[str, int] = {}

    def entry(self, block: Block, registers: bool) -> Block:
        if not registers:
            return block
        first = self.first_lines.get(block.key)
        if first is not None:
            return Block("duplicate", block.line, block.key, first_line=first)
        self.first_lines[block.key] = block.line
        return block


def read_blocks(text: str) -> list[Block]:
    """The entries, @string and @preamble blocks and failures of ``text``, in order,
    equal to what bibtexparser's splitter reads (``bibtexparser_blocks``)."""
    blocks: list[Block] = []
    keys = _Keys()
    lines = _LineCounter(text)
    position = region = 0
    region_has_blocks = False
    while (start := _BLOCK_START.search(text, position)) is not None:
        at = start.start()
        entry = None
        if not region_has_blocks or _at_line_start(text, at):
            entry = _simple_entry(text, at)
        if entry is None:
            region_has_blocks, position = True, start.end()
            continue
        region_line = lines.line(region)
        if region_has_blocks and not _add_region(text, region, at, region_line, blocks, keys):
            _add_region(text, region, len(text), region_line, blocks, keys)  # the rest, whole
            return blocks
        entry_type, key, fields, end = entry
        block = Block("entry", lines.line(at), key, entry_type, fields)
        blocks.append(keys.entry(block, registers=len({n for n, _ in fields}) == len(fields)))
        position = region = end
        region_has_blocks = False
    if region_has_blocks:
        _add_region(text, region, len(text), lines.line(region), blocks, keys)
    return blocks


class _LineCounter:
    """Lines before a position as bibtexparser counts them, for increasing positions."""

    def __init__(self, text: str):
        self.text = text
        self.position = 0
        self.lines = 0

    def line(self, position: int) -> int:
        text, last = self.text, self.position
        self.lines += text.count("\n", last, position) - text.count("\\\n", last, position)
        self.position = position
        return self.lines


def _at_line_start(text: str, at: int) -> bool:
    return not text[text.rfind("\n", 0, at) + 1 : at].strip(" \t")


def _simple_entry(text: str, at: int) -> tuple[str, str, list[tuple[str, str]], int] | None:
    """(type, key, fields, end) of the entry at ``at`` if it is one the pre-pass's
    expression accepts and no ``@`` in it starts a line (bibtexparser would begin a new
    block there), else None."""
    header = _HEADER.match(text, at)
    if header is None:
        return None
    fields, position, match_field = [], header.end(), _FIELD.match
    while (found := match_field(text, position)) is not None:
        fields.append((found[1], found[2]))
        position = found.end()
    end = _END.match(text, position)
    if end is None or _starts_a_block_inside(text, at + 1, end.end()):
        return None
    return header[1].lower(), header[2], fields, end.end()


def _starts_a_block_inside(text: str, start: int, end: int) -> bool:
    if text.find("@", start, end) < 0:
        return False
    for mark in _BLOCK_START.finditer(text, start, end):
        before = mark.start() - 1
        while before >= 0 and text[before].isspace() and text[before] != "\n":
            before -= 1
        if before < 0 or text[before] == "\n":
            return True
    return False


def _add_region(
    text: str, start: int, end: int, line: int, blocks: list[Block], keys: _Keys
) -> bool:
    """bibtexparser's blocks of ``text[start:end]``; False (nothing added) when it
    leaves a block unfinished at ``end`` and ``end`` is not the end of the text."""
    found = _converted(parse_blocks(text[start:end]).blocks, line)
    if end < len(text) and found and _unfinished(found[-1][0]):
        return False
    for block, registers in found:
        blocks.append(keys.entry(block, registers) if block.kind == "entry" else block)
    return True


def _unfinished(block: Block) -> bool:
    return block.kind == "failed" and getattr(block.error, "abort_reason", "") == _END_OF_FILE


def _converted(library_blocks: list, line: int) -> list[tuple[Block, bool]]:
    """bibtexparser's blocks as (Block, whether an entry registers its key), lines
    shifted by ``line``; a repeated key is left for ``_Keys`` to find (across pieces)."""
    from bibtexparser.model import DuplicateBlockKeyBlock, DuplicateFieldKeyBlock

    out = []
    for block in library_blocks:
        registers = True
        if isinstance(block, DuplicateBlockKeyBlock):
            block = block.ignore_error_block
        elif isinstance(block, DuplicateFieldKeyBlock):
            block, registers = block.ignore_error_block, False
        converted = _block(block, line)
        if converted is not None:
            out.append((converted, registers))
    return out


def _block(block, line: int) -> Block | None:
    """One of bibtexparser's blocks (comments: None)."""
    from bibtexparser.model import Entry, ParsingFailedBlock, Preamble, String

    start = (block.start_line or 0) + line
    if isinstance(block, Entry):
        fields = [(f.key, str(f.value)) for f in block.fields]
        return Block("entry", start, block.key, block.entry_type, fields)
    if isinstance(block, String):
        return Block("string", start, block.key, value=str(block.value))
    if isinstance(block, Preamble):
        return Block("preamble", start, value=str(block.value))
    if isinstance(block, ParsingFailedBlock):
        return Block("failed", start, error=block.error)
    return None


def bibtexparser_blocks(text: str) -> list[Block]:
    """What bibtexparser alone reads in ``text``, as Blocks: the yardstick of
    ``read_blocks``."""
    from bibtexparser.model import DuplicateBlockKeyBlock, DuplicateFieldKeyBlock, String

    out = []
    for block in parse_blocks(text).blocks:
        if isinstance(block, DuplicateBlockKeyBlock) and not isinstance(
            block.ignore_error_block, String
        ):
            first = block.previous_block.start_line or 0
            out.append(Block("duplicate", block.start_line or 0, block.key, first_line=first))
            continue
        if isinstance(block, DuplicateBlockKeyBlock | DuplicateFieldKeyBlock):
            block = block.ignore_error_block
        converted = _block(block, 0)
        if converted is not None:
            out.append(converted)
    return out
