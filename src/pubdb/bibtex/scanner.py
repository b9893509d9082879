"""One BibTeX command read exactly as BibTeX 0.99d reads it (bibtex.web): the yardstick
the pre-pass checks bibtexparser against, on the few blocks where the two may differ.

* Identifiers (entry types, field and macro names) are runs of characters other than
  white space, control characters and ``" # % ' ( ) , = { }``, not starting with a digit.
* ``@type`` may be followed by white space and line breaks before ``{`` or ``(``; for
  ``@comment`` only the word is a command (what follows is skipped text).
* A value is ``{...}``, ``"..."``, a number or a macro name, joined with ``#``. Braces
  count with no regard to backslashes (``\\{`` counts); inside ``"..."`` a ``"`` at brace
  depth > 0 is text, at depth 0 it ends the string (``\\"`` included).
* On an error BibTeX stops reading the command (keeping an entry's fields read so far)
  and skips to the next ``@``.

Macros are not expanded here: only where things are matters.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

_ILLEGAL_ID = frozenset("\"#%'(),={} \x7f") | {chr(i) for i in range(32)}
_WHITE = " \t\r\n"
_BRACE = re.compile(r"[{}]")
_BRACE_OR_QUOTE = re.compile(r'[{}"]')
_DIGITS = re.compile(r"[0-9]+")


@dataclass
class Part:
    """One token of a value expression: kind is brace, quote, number or macro."""

    kind: str
    text: str
    start: int
    end: int


@dataclass
class Field:
    name: str  # lower case
    raw: str  # the value expression as written
    parts: list[Part]


@dataclass
class Block:
    start: int  # offset of '@'
    kind: str = "?"  # entry, string, preamble, comment, or ? (not a command)
    type: str = ""
    key: str = ""
    end: int = 0  # after the closing delimiter, or where an error stopped BibTeX
    fields: list[Field] = field(default_factory=list)
    raw_value: str = ""  # of a @string or @preamble
    error: tuple[int, str] | None = None  # (offset, BibTeX's message)


class BibError(Exception):
    def __init__(self, position: int, message: str):
        super().__init__(message)
        self.position, self.message = position, message


def scan_command(text: str, at: int) -> Block:
    """The command whose ``@`` is at ``at``, as BibTeX reads it."""
    block = Block(at)
    try:
        block.end = _Scanner(text).command(at, block)
    except BibError as error:
        block.error = (error.position, error.message)
        block.end = max(error.position, at + 1)
    return block


class _Scanner:
    def __init__(self, text: str):
        self.text, self.size = text, len(text)

    def eat_white(self, position: int) -> int:
        text, size = self.text, self.size
        while position < size and text[position] in _WHITE:
            position += 1
        if position >= size:
            raise BibError(position, "Illegal end of database file")
        return position

    def identifier(self, position: int, allowed: str, what: str) -> tuple[str, int]:
        text, start = self.text, position
        if position < self.size and text[position].isascii() and text[position].isdigit():
            raise BibError(position, f"You're missing {what}")
        while position < self.size and text[position] not in _ILLEGAL_ID:
            position += 1
        if position == start:
            raise BibError(position, f"You're missing {what}")
        if position < self.size and text[position] not in _WHITE and text[position] not in allowed:
            raise BibError(position, f'"{text[position]}" immediately follows {what}')
        return text[start:position], position

    def delimited(self, position: int, closer: str) -> int:
        """The end of a {...} or "..." string that opens at ``position``."""
        text, depth, i = self.text, 0, position + 1
        marks = _BRACE if closer == "}" else _BRACE_OR_QUOTE
        while True:
            match = marks.search(text, i)
            if match is None:
                raise BibError(self.size, "Illegal end of database file")
            char, i = match[0], match.start()
            if char == "{":
                depth += 1
            elif char == "}":
                if depth == 0:
                    if closer == "}":
                        return i + 1
                    raise BibError(i, "Unbalanced braces")
                depth -= 1
            elif depth == 0:  # a '"' closing a quoted string
                return i + 1
            i += 1

    def value(self, position: int, right: str) -> tuple[list[Part], int]:
        """The parts of a value expression at ``position``; returns them and where the
        expression ends (after the white space that follows it)."""
        parts: list[Part] = []
        text = self.text
        while True:
            char, start = text[position], position
            if char == "{":
                position = self.delimited(position, "}")
                parts.append(Part("brace", text[start + 1 : position - 1], start, position))
            elif char == '"':
                position = self.delimited(position, '"')
                parts.append(Part("quote", text[start + 1 : position - 1], start, position))
            elif char.isascii() and char.isdigit():
                position = _DIGITS.match(text, position).end()
                parts.append(Part("number", text[start:position], start, position))
            else:
                name, position = self.identifier(position, "," + right + "#", "a field part")
                parts.append(Part("macro", name, start, position))
            position = self.eat_white(position)
            if text[position] != "#":
                return parts, position
            position = self.eat_white(position + 1)

    def command(self, at: int, block: Block) -> int:
        text = self.text
        position = self.eat_white(at + 1)
        name, position = self.identifier(position, "{(", "an entry type")
        block.type = name
        if name.lower() == "comment":
            block.kind = "comment"
            return position
        position = self.eat_white(position)
        if text[position] not in "{(":
            raise BibError(position, "I was expecting a `{' or a `('")
        right = "}" if text[position] == "{" else ")"
        position = self.eat_white(position + 1)
        if name.lower() in ("preamble", "string"):
            block.kind = name.lower()
            return self.definition(position, block, right)
        block.kind = "entry"
        return self.entry(position, block, right)

    def definition(self, position: int, block: Block, right: str) -> int:
        text = self.text
        if block.kind == "string":
            block.key, position = self.identifier(position, "=", "a string name")
            position = self.eat_white(position)
            if text[position] != "=":
                raise BibError(position, 'I was expecting an "="')
            position = self.eat_white(position + 1)
        start = position
        _, position = self.value(position, right)
        block.raw_value = text[start:position].strip()
        if text[position] != right:
            raise BibError(position, f"I was expecting a `{right}'")
        return position + 1

    def entry(self, position: int, block: Block, right: str) -> int:
        text, size = self.text, self.size
        stops = ",\t \r\n" + ("}" if right == "}" else "")
        end = position
        while end < size and text[end] not in stops:
            end += 1
        block.key = text[position:end]
        position = self.eat_white(end)
        while text[position] != right:
            if text[position] != ",":
                raise BibError(position, f"I was expecting a `,' or a `{right}'")
            position = self.eat_white(position + 1)
            if text[position] == right:
                break
            name, position = self.identifier(position, "=", "a field name")
            position = self.eat_white(position)
            if text[position] != "=":
                raise BibError(position, 'I was expecting an "="')
            position = self.eat_white(position + 1)
            start = position
            parts, position = self.value(position, right)
            if all(f.name != name.lower() for f in block.fields):  # BibTeX keeps the first
                block.fields.append(Field(name.lower(), text[start:position].strip(), parts))
        return position + 1
