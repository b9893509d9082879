"""Would a TeX reader read two BibTeX field values the same?

A field value goes through BibTeX before TeX sees it: BibTeX compresses every run of
spaces, tabs and line ends to one space and drops leading and trailing space. TeX then
reads the text with LaTeX's document catcodes (``@`` is not a letter; ``^`` is
superscript, so ``^^5c`` is a backslash). ``reading()`` gives the token list that
results; two values read the same when their token lists are equal.

What counts as the same (both modes):

* white space: any run of spaces, tabs, line ends (a blank line included: BibTeX turns
  it into one space before TeX could see a paragraph) is one space; none at either end;
* the space after a control word (``\\TeX  book`` = ``\\TeX book``; TeX skips it; but
  ``\\TeXbook`` is another control word);
* ``\\`` followed by a space, tab or line end is the control space ``\\ ``;
* ``^^`` notation is decoded first, as TeX's input processor does: ``^^5cinput`` is
  ``\\input`` and ``\\^^65mph`` is ``\\emph``.

Braces. ``braces="bibtex"`` (the default, for export fidelity): every brace counts.
BibTeX reads braces where TeX does not: a letter at brace depth >= 1 is protected from
``change.case$`` (``{T}he`` vs ``The``, ``\\'{E}`` vs ``\\'E``), ``and`` and commas split
names only at depth 0, ``{\\...}`` at depth 1 is a "special character" for ``purify$``,
``text.length$`` and sorting. So ``{ABC}`` != ``ABC`` and ``\\'{e}`` != ``\\'e`` there.

``braces="tex"``: braces TeX cannot see are dropped, for comparing what TeX alone
prints: a group around one character (``\\'{e}`` = ``\\'e``, ``x^{2}`` = ``x^2``,
``{T}he`` = ``The``), and a group that is not an argument (not after a control
sequence, ``^``, ``_`` or ``}``) holding only characters and accent or letter commands
(``{ABC} x`` = ``ABC x``, ``{\\'e}`` = ``\\'e``). An empty group ``{}`` is kept (after
a control word it keeps the next space; elsewhere it breaks a ligature). Groups holding
any other control sequence are kept: ``{\\em x}`` scopes ``\\em``, and ``{\\TeX} x``
keeps its space where ``\\TeX x`` does not.

Never the same, in either mode: ``{\\AMSTeX}`` vs ``{{\\textbackslash}AMSTeX}``
(different tokens), ``~`` vs a space, ``\\%`` vs ``%``, ``é`` vs ``{\\'e}`` (the same
glyph, a different reading), NFC vs NFD Unicode.
"""

from __future__ import annotations

import re
from functools import lru_cache

_CARET = re.compile(r"\^\^([0-9a-f]{2}|[\x00-\x7f])")
_WHITE = " \t\r\n"


def _decode_carets(text: str) -> str:
    """TeX's ^^ notation: ^^xy (two lower-case hex digits) or ^^c (c < 128, code +- 64).
    The result is read again, as TeX does (^^5e^5e... builds further carets)."""
    for _ in range(len(text)):
        if "^^" not in text:
            break
        new = _CARET.sub(_caret_char, text, count=1)
        if new == text:
            break
        text = new
    return text


def _caret_char(match: re.Match[str]) -> str:
    code = match[1]
    if len(code) == 2:
        return chr(int(code, 16))
    value = ord(code)
    return chr(value + 64 if value < 64 else value - 64)


def _is_letter(char: str) -> bool:
    return ("a" <= char <= "z") or ("A" <= char <= "Z")


@lru_cache(maxsize=65536)
def reading(source: str, braces: str = "bibtex") -> tuple[str, ...]:
    """The tokens TeX reads from a field value (after BibTeX's white space handling).

    A control sequence is one token written with its backslash (``\\TeX``, ``\\'``,
    ``\\ ``); a space is ``" "``; every other character is its own token."""
    if braces not in ("bibtex", "tex"):
        raise ValueError(f"braces must be 'bibtex' or 'tex', not {braces!r}")
    text = _decode_carets(source)
    tokens: list[str] = []
    i, n = 0, len(text)
    skipping = True  # TeX's state S (and N at the start): spaces are not tokens
    while i < n:
        char = text[i]
        if char == "\\":
            if i + 1 >= n:
                tokens.append("\\")
                i += 1
                skipping = False
            elif _is_letter(text[i + 1]):
                j = i + 1
                while j < n and _is_letter(text[j]):
                    j += 1
                tokens.append(text[i:j])
                i = j
                skipping = True
            elif text[i + 1] in _WHITE:
                tokens.append("\\ ")
                i += 2
                skipping = True
            else:
                tokens.append(text[i : i + 2])
                i += 2
                skipping = False
        elif char in _WHITE:
            if not skipping:
                tokens.append(" ")
            skipping = True
            i += 1
        else:
            tokens.append(char)
            skipping = False
            i += 1
    while tokens and tokens[-1] == " ":
        tokens.pop()
    if braces == "tex":
        tokens = _drop_invisible_braces(tokens)
    return tuple(tokens)


# Control sequences that print a letter or accent one and change no state: a group of
# these and characters is invisible to TeX when it is not an argument ({\'e} = \'e).
_PLAIN_COMMANDS = frozenset(
    r"\' \` \^ \" \~ \= \. \u \v \H \c \d \b \r \k \t \i \j \o \O \l \L "
    r"\ss \SS \ae \AE \oe \OE \aa \AA".split()
)


def _drop_invisible_braces(tokens: list[str]) -> list[str]:
    """Unwrap the groups TeX cannot tell from their content (see the module text)."""
    return _flatten(_tree(tokens))


def _tree(tokens: list[str]) -> list:
    """Tokens as nested lists, one list per {...} group; an unmatched brace stays a token."""
    root: list = []
    stack = [root]
    for token in tokens:
        if token == "{":
            group: list = []
            stack[-1].append(group)
            stack.append(group)
        elif token == "}" and len(stack) > 1:
            stack.pop()
        else:
            stack[-1].append(token)
    while len(stack) > 1:  # unclosed groups: their '{' is a token again
        group = stack.pop()
        parent = stack[-1]
        index = next(i for i in range(len(parent) - 1, -1, -1) if parent[i] is group)
        parent[index : index + 1] = ["{", *group]
    return root


def _flatten(items: list) -> list[str]:
    out: list[str] = []
    previous = None  # the previous item as written (a token, or a list for a group)
    for item in items:
        if isinstance(item, list):
            inner = _flatten(item)
            is_argument = isinstance(previous, list) or (
                isinstance(previous, str) and (previous.startswith("\\") or previous in ("^", "_"))
            )
            single = (
                len(inner) == 1
                and inner[0] not in (" ", "{", "}")
                and not inner[0].startswith("\\")
            )
            plain = inner and not any(
                (t.startswith("\\") and t not in _PLAIN_COMMANDS) or t in ("{", "}") for t in inner
            )
            if single or (plain and not is_argument):
                out.extend(inner)
            else:
                out.extend(["{", *inner, "}"])
        else:
            out.append(item)
        previous = item
    return out


def tex_same(a: str, b: str, braces: str = "bibtex") -> bool:
    """Whether a TeX reader reads field values ``a`` and ``b`` (TeX source) the same."""
    if a == b:
        return True
    return reading(a, braces) == reading(b, braces)


def first_difference(a: str, b: str, braces: str = "bibtex") -> str | None:
    """Where the readings of ``a`` and ``b`` part, for reports; None when they do not."""
    ra, rb = reading(a, braces), reading(b, braces)
    if ra == rb:
        return None
    i = 0
    while i < min(len(ra), len(rb)) and ra[i] == rb[i]:
        i += 1
    context = "".join(ra[max(0, i - 4) : i])
    return f"after {context!r}: {''.join(ra[i : i + 6])!r} vs {''.join(rb[i : i + 6])!r}"
