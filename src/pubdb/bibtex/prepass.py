"""A pre-pass that makes bibtexparser 2 read a .bib text as BibTeX and biber read it,
every line staying where it was.

Where bibtexparser 2.1 and BibTeX part (each seen in TeX Live's .bib files), the text is
rewritten so that both read the same values:

* a backslash at the end of a line: bibtexparser does not count that line, so every
  later line number is off (3,425 of tugboat.bib's 4,839 entries) -> a space goes
  between them (BibTeX compresses white space: the same value);
* ``"`` inside braces inside a ``"..."`` value is text for BibTeX; bibtexparser ends the
  value there and silently loses the rest of the entry -> that value is delimited by
  braces instead (BibTeX requires balanced braces inside quotes: the same value);
* entry types that begin with ``comment``, ``preamble`` or ``string`` (biblatex's
  ``@commentary``): bibtexparser drops the entry -> the first letter is replaced by a
  look-alike that ``restore_type`` gives back after parsing;
* white space or a line break between ``@``, the type and the opening brace: BibTeX
  allows it, bibtexparser does not see the entry -> the header is written ``@type{``,
  its line breaks kept after it;
* ``%`` where a field name, ``=``, ``,`` or ``}`` is expected (a commented-out field):
  biber skips to the end of the line, BibTeX stops reading the entry, bibtexparser
  glues the comment to the next field name or fails the entry -> read as biber does
  (what the author meant), with a warning that BibTeX stops there;
* ``%@type{...`` at the start of a line: biber skips it, BibTeX and bibtexparser read it
  -> skipped as biber does, with a warning;
* an entry inside ``@comment{...}``: BibTeX reads it (only the word is a command),
  bibtexparser swallows the braces -> read as BibTeX does, with a warning.

One regular expression per block accepts the blocks that both read alike (all but a
handful in real files); only the others are scanned exactly (``scanner``), rewritten,
and read again by bibtexparser to check. An entry bibtexparser still reads otherwise
is reported unreadable (a failure, never an entry with a lost tail). Control
characters are left in place (BibTeX reads them) and reported.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from .scanner import Block, scan_command

# -- the fast path: a block that BibTeX and bibtexparser read alike ---------------------
_CTRL = r"\x00-\x08\x0b\x0c\x0e-\x1f\x7f"  # control characters go the exact way
_ESC = r"\\(?:[^{}\\" + _CTRL + r"]|\\(?![{}\\\"]))"  # a backslash not before a brace
_ESC_Q0 = r"\\(?:[^{}\\\"" + _CTRL + r"]|\\(?![{}\\\"]))"  # ... nor '"' at depth 0


def _group(depth: int, excluded: str) -> str:
    run = r"[^{}\\" + excluded + _CTRL + r"]++|" + _ESC
    pattern = r"(?:" + run + r")*+"
    for _ in range(depth):
        pattern = r"(?:" + run + r"|\{" + pattern + r"\})*+"
    return pattern


_IDENT = r"[^\s\"#%'(),={}0-9" + _CTRL + r"][^\s\"#%'(),={}" + _CTRL + r"]*+"
_VALUE = (
    r"(?:\{" + _group(6, "") + r"\}"
    r"|\"(?:[^{}\"\\" + _CTRL + r"]++|" + _ESC_Q0 + r"|\{" + _group(5, '"') + r"\})*+\""
    r"|[0-9]++|" + _IDENT + ")"
)
_EXPRESSION = _VALUE + r"(?:\s*+\#\s*+" + _VALUE + r")*+"
IDENT_PATTERN, EXPRESSION_PATTERN = _IDENT, _EXPRESSION  # for blocks.py's fast reading
_SIMPLE_BLOCK = re.compile(
    r"@(?:(?!(?i:comment|preamble|string))(?!\d)\w++[ \t]*+\{[ \t]*+[^,\s{}\"=()%@\\]++"
    r"[ \t]*+(?:,\s*+" + _IDENT + r"\s*+=\s*+" + _EXPRESSION + r"\s*+)*+,?\s*+\}"
    r"|(?i:string)[ \t]*+\{\s*+" + _IDENT + r"\s*+=\s*+" + _EXPRESSION + r"\s*+\}"
    r"|(?i:preamble)[ \t]*+\{\s*+" + _EXPRESSION + r"\s*+\})"
)
# bibtexparser starts a new block at a line beginning '@type{', even inside a value
_LINE_START_BLOCK = re.compile(r"\n[ \t]*@\w*[ \t]*[{(]")
_CONTROL = re.compile("[" + _CTRL + "]")
_BARE_QUOTE = re.compile(r'(?<!\\)"')  # a '"' bibtexparser takes for a delimiter
_HEADER = re.compile(r"@(\s*)([^\s\"#%'(),={}]+)(\s*)([{(]?)")
_ENTRY_IN_COMMENT = re.compile(r"@\s*\w+\s*[{(]")
_RENAMED = {"c": "\u0441", "p": "\u0440", "s": "\u0455"}  # Cyrillic es, er, dze
_RESTORED = {new: old for old, new in _RENAMED.items()}


def restore_type(entry_type: str) -> str:
    """An entry type as written, for one the pre-pass renamed (``@commentary``)."""
    if entry_type and entry_type[0] in _RESTORED:
        return _RESTORED[entry_type[0]] + entry_type[1:]
    return entry_type


@dataclass
class Prepass:
    text: str
    # (line, message); a BibTeX error is reported at the line of its block
    warnings: list[tuple[int, str]] = field(default_factory=list)
    unreadable: dict[int, str] = field(default_factory=dict)  # entry's line -> why
    fixes: dict[str, int] = field(default_factory=dict)  # what was rewritten, how often


def prepass(text: str) -> Prepass:
    """``text`` rewritten so that bibtexparser reads it as BibTeX and biber do, with
    the line of every block unchanged."""
    return _Rewriter(text).run()


def parse_blocks(text: str):
    """bibtexparser's blocks of a text, without its middlewares (slow, and its string
    middleware neither concatenates with ``#`` nor reports undefined macros)."""
    import logging

    import bibtexparser

    logging.getLogger("bibtexparser").setLevel(logging.CRITICAL)  # we report, it need not
    return bibtexparser.parse_string(text, parse_stack=[])


def _blank(segment: str) -> str:
    """Spaces for everything but line ends."""
    return re.sub(r"[^\r\n]", " ", segment)


class _Rewriter:
    def __init__(self, text: str):
        self.text = text
        self.result = Prepass(text)
        self.edits: list[tuple[int, int, str]] = []  # (start, end, new): applied at the end
        self._line_at = (0, 1)

    def line(self, position: int) -> int:
        last, line = self._line_at
        if position >= last:
            line += self.text.count("\n", last, position)
        else:
            line = self.text.count("\n", 0, position) + 1
        self._line_at = (position, line)
        return line

    def warn(self, position: int, message: str) -> None:
        self.result.warnings.append((self.line(position), message))

    def fixed(self, name: str) -> None:
        self.result.fixes[name] = self.result.fixes.get(name, 0) + 1

    def run(self) -> Prepass:
        text = self.text
        at = text.find("\\\n")
        while at >= 0:
            self.edits.append((at + 1, at + 1, " "))
            self.fixed("backslash before a line end")
            at = text.find("\\\n", at + 2)
        find, rfind, simple = text.find, text.rfind, _SIMPLE_BLOCK.match
        position, last_end = find("@"), 0
        while position >= 0:
            percent = find("%", max(rfind("\n", 0, position) + 1, last_end), position)
            if percent >= 0:
                position = last_end = self._commented_out(percent, position)
            else:
                match = simple(text, position)
                if match is not None and not self._split_by_bibtexparser(position, match.end()):
                    position = last_end = match.end()
                else:
                    position = last_end = self._exact(position)
            position = find("@", position)
        self.result.text = self._apply()
        return self.result

    def _split_by_bibtexparser(self, start: int, end: int) -> bool:
        return self.text.find("@", start + 1, end) >= 0 and bool(
            _LINE_START_BLOCK.search(self.text, start, end)
        )

    def _commented_out(self, percent: int, at: int) -> int:
        """An '@' after a '%' on its line: biber skips the line, BibTeX reads it."""
        end = self.text.find("\n", at)
        end = len(self.text) if end < 0 else end
        self.edits.append((percent, end, _blank(self.text[percent:end])))
        self.fixed("entry commented out with %")
        self.warn(at, "'@' after '%': skipped as biber does (BibTeX reads it: '%' is no "
                      "comment in a .bib file)")  # fmt: skip
        return end

    def _exact(self, at: int) -> int:
        """Scan the command at ``at`` exactly, queue its fixes; returns where BibTeX
        goes on reading."""
        text = self.text
        block = scan_command(text, at)
        header = _HEADER.match(text, at)
        if block.kind == "comment":
            self._comment(at, header)
            return header.end(2)  # BibTeX resumes right after the word
        if block.kind == "?" or header is None:
            return block.end  # not a command (an address in a comment): BibTeX skips it
        self._header(at, header)
        end = block.end
        control = _CONTROL.search(text, at, end)
        if control:
            self.warn(control.start(), f"{_name(block)}: control character(s) (NUL...): "
                                       "kept, and left out on export")  # fmt: skip
        if block.error is not None:
            end, block = self._error(block)
        self._quotes(block)
        if block.error is None and block.kind in ("entry", "string", "preamble"):
            self._check(block, end)
        return end

    def _header(self, at: int, header: re.Match[str]) -> None:
        typed = header[2]
        lowered = typed.lower()
        for word in ("comment", "preamble", "string"):
            if lowered.startswith(word) and lowered != word:
                typed = _RENAMED[word[0]] + typed[1:]
                self.fixed(f"@{word}... entry type")
        odd_white = header[1] or re.search(r"[^ \t]", header[3])
        if header[4] and odd_white:
            breaks = (header[1] + header[3]).count("\n")
            self.edits.append((at, header.end(), "@" + typed + header[4] + "\n" * breaks))
            self.fixed("white space in an entry header")
        elif typed != header[2]:
            self.edits.append((header.start(2), header.start(2) + 1, typed[0]))

    def _error(self, block: Block) -> tuple[int, Block]:
        position, message = block.error
        text = self.text
        char = text[position] if position < len(text) else ""
        percent_errors = ("You're missing", '"%" immediately', "I was expecting")
        if char == "%" and message.startswith(percent_errors):
            return self._percent(block)
        where = f"{_name(block)}: BibTeX stops at line {self.line(position)}"
        if message.startswith("I was expecting") and text[position - 2 : position] == '\\"':
            message = 'the \\" ends the "..." string there; read as written'
        self.result.warnings.append((self.line(block.start), f"{where}: {message}"))
        return block.end, block

    def _percent(self, block: Block) -> tuple[int, Block]:
        """'%' where BibTeX expects a field name, '=', ',' or '}': skip each such line
        as biber does; kept only if the entry then reads without error."""
        text, original = self.text, block
        blanked: list[tuple[int, int, str]] = []
        while block.error is not None and text[block.error[0] : block.error[0] + 1] == "%":
            start = block.error[0]
            end = text.find("\n", start)
            end = len(text) if end < 0 else end
            blanked.append((start, end, _blank(text[start:end])))
            text = text[:start] + blanked[-1][2] + text[end:]
            block = scan_command(text, block.start)
        if block.error is not None:
            self.warn(blanked[0][0], f"{_name(original)}: '%' is no comment inside an entry "
                                     "and skipping its line does not help: BibTeX stops "
                                     "reading the entry here")  # fmt: skip
            return original.end, original
        for edit in blanked:
            self.edits.append(edit)
            self.fixed("% comment inside an entry")
            self.warn(edit[0], f"{_name(original)}: '%' is no comment inside an entry for "
                               "BibTeX (it stops reading the entry here); the line is "
                               "skipped as biber does")  # fmt: skip
        return block.end, block

    def _quotes(self, block: Block) -> None:
        for bib_field in block.fields:
            for part in bib_field.parts:
                if part.kind == "quote" and _BARE_QUOTE.search(part.text):
                    self.edits.append((part.start, part.start + 1, "{"))
                    self.edits.append((part.end - 1, part.end, "}"))
                    self.fixed('" inside braces in a "..." value')

    def _comment(self, at: int, header: re.Match[str] | None) -> None:
        """@comment: bibtexparser swallows a balanced {...}; BibTeX reads only the word,
        so an entry inside the braces is read."""
        if header is None or not header[4] or "\n" in header[3]:
            return  # bibtexparser does not take it for a block either
        close = ")" if header[4] == "(" else "}"
        marks = re.compile(r"(?<!\\)[{}]" if close == "}" else r"(?<!\\)[{})]")
        depth, end = 0, len(self.text)
        for match in marks.finditer(self.text, header.end()):
            if match[0] == "{":
                depth += 1
            elif depth == 0 and match[0] == close:
                end = match.end()
                break
            elif match[0] == "}" and depth > 0:
                depth -= 1
        inner = self.text[header.end() : end]
        if "@" in inner or end == len(self.text):
            self.edits.append((at, at + 1, " "))
            self.fixed("entry inside @comment")
            entry = _ENTRY_IN_COMMENT.search(inner)
            if entry:
                self.warn(
                    header.end() + entry.start(),
                    "entry inside @comment{...}: read as "
                    "BibTeX does (only the word @comment is a command; biber skips it)",
                )

    def _edited(self, start: int, end: int) -> str:
        """The text from ``start`` to ``end`` with the queued edits inside it applied."""
        edits = [(s - start, e - start, new) for s, e, new in self.edits if start <= s and e <= end]
        return _apply(self.text[start:end], edits)

    def _check(self, block: Block, end: int) -> None:
        """Read the rewritten block with bibtexparser; compare with BibTeX's reading."""
        library = parse_blocks(self._edited(block.start, end))
        line = self.line(block.start)
        if block.kind == "entry":
            from bibtexparser.model import DuplicateFieldKeyBlock

            got = list(library.entries) + [
                b.ignore_error_block
                for b in library.failed_blocks
                if isinstance(b, DuplicateFieldKeyBlock)
            ]
            if len(got) != 1 or got[0].key.strip() != block.key:
                self.result.unreadable[line] = "bibtexparser cannot read this entry as BibTeX does"
                return
            theirs: dict[str, str] = {}
            for bib_field in got[0].fields:
                theirs.setdefault(bib_field.key.lower(), _normal(bib_field.value))
            mine = {f.name: _normal(f.raw) for f in block.fields}
            if mine != theirs:
                names = sorted(n for n in {*mine, *theirs} if mine.get(n) != theirs.get(n))
                why = f"bibtexparser reads {', '.join(names[:5])} otherwise than BibTeX"
                self.result.unreadable[line] = why
            return
        blocks = library.strings if block.kind == "string" else library.preambles
        if len(blocks) != 1 or _normal(blocks[0].value) != _normal(block.raw_value):
            self.warn(block.start, f"{_name(block)}: bibtexparser reads it otherwise than BibTeX")

    def _apply(self) -> str:
        return _apply(self.text, self.edits)


def _apply(text: str, edits: list[tuple[int, int, str]]) -> str:
    if not edits:
        return text
    out, position = [], 0
    for start, end, new in sorted(edits, key=lambda edit: (edit[0], edit[1])):
        if start < position:
            continue  # overlapping: the first wins
        out.append(text[position:start])
        out.append(new)
        position = end
    out.append(text[position:])
    return "".join(out)


def _name(block: Block) -> str:
    if block.kind == "entry":
        return f"entry {block.key}" if block.key else f"@{block.type}"
    return f"@{block.type}" + (f" {block.key}" if block.key else "")


def _normal(raw: str) -> str:
    """A value expression with "..." written {...} and white space runs as one space."""
    from .values import split_concatenation

    parts = []
    for part in split_concatenation(raw):
        if len(part) >= 2 and part[0] == '"' and part[-1] == '"':
            part = "{" + part[1:-1] + "}"
        parts.append(part)
    return " ".join(" # ".join(parts).split())
