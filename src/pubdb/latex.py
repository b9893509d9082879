"""Text to TeX for BibTeX and LaTeX output.

Stored text is Unicode that may carry TeX as its authors wrote it (arXiv titles hold
``$\\mu$P``). The encoder keeps that TeX, escapes every special character that is not
already escaped, turns accented letters into classic macros (``Boull{\\'e}``) and
defuses TeX primitives that could read files or run programs (``\\input``, ``\\write18``).
"""

from __future__ import annotations

import re
from functools import lru_cache

from .text import strip_control

# Control words that touch files, the shell, or the meaning of other commands.
DANGEROUS_COMMANDS = frozenset(
    """
    input include includeonly InputIfFileExists IfFileExists write immediate openout
    openin closeout closein read readline newwrite newread def edef gdef xdef let
    futurelet global catcode lccode uccode mathcode sfcode csname endcsname expandafter
    newcommand renewcommand providecommand DeclareRobustCommand newenvironment
    renewenvironment usepackage RequirePackage documentclass LoadClass special jobname
    endinput makeatletter makeatother shipout output everypar everymath everyjob
    errmessage message typeout scantokens directlua luaexec latelua ShellEscape
    pdfprimitive begin end verb batchmode nonstopmode scrollmode errorstopmode dump
    afterassignment aftergroup outer long loop repeat setlength addtolength
    """.split()
)

_ESCAPES = {
    "&": r"\&",
    "%": r"\%",
    "#": r"\#",
    "_": r"\_",
    "$": r"\$",
    "{": r"\{",
    "}": r"\}",
    "~": r"{\textasciitilde}",
    "^": r"{\textasciicircum}",
    "\\": r"{\textbackslash}",
    "<": r"{\textless}",
    ">": r"{\textgreater}",
    "|": r"{\textbar}",
}
_CONTROL_WORD = re.compile(r"\\([A-Za-z@]+)")


@lru_cache(maxsize=1)
def _unicode_encoder():
    from pylatexenc.latexencode import UnicodeToLatexEncoder

    return UnicodeToLatexEncoder(
        non_ascii_only=True,
        replacement_latex_protection="braces-all",
        unknown_char_policy="keep",
        unknown_char_warning=False,
    )


@lru_cache(maxsize=4096)
def encode_char(char: str) -> str:
    """One non-ASCII character as a braced TeX macro (é -> {\\'e}), or itself if none."""
    return _unicode_encoder().unicode_to_latex(char)


def _encode_unicode(text: str) -> str:
    if text.isascii():
        return text
    return "".join(c if c.isascii() else encode_char(c) for c in text)


def _math_spans(text: str) -> list[tuple[int, int]]:
    """(start, end) of each math span: $...$, \\(...\\) or \\[...\\], by unescaped delimiters."""
    spans, start, closer, i = [], None, "", 0
    while i < len(text):
        pair = text[i : i + 2]
        if start is None and pair in ("\\(", "\\["):
            start, closer = i, "\\)" if pair == "\\(" else "\\]"
            i += 2
            continue
        if start is not None and closer and pair == closer:
            spans.append((start, i + 2))
            start, closer = None, ""
            i += 2
            continue
        if text[i] == "\\":
            i += 2
            continue
        if text[i] == "$" and not closer:
            if start is None:
                start = i
            elif i > start + 1:
                spans.append((start, i + 1))
                start = None
            else:
                start = i
        i += 1
    return spans


def _matched_braces(text: str, skip: set[int]) -> set[int]:
    """Positions of braces that pair up (outside escaped characters and ``skip``)."""
    stack: list[int] = []
    matched: set[int] = set()
    i = 0
    while i < len(text):
        char = text[i]
        if char == "\\":
            i += 2
            continue
        if i not in skip:
            if char == "{":
                stack.append(i)
            elif char == "}" and stack:
                matched.update((stack.pop(), i))
        i += 1
    return matched


def _defuse(control_word: re.Match[str]) -> str:
    name = control_word[1]
    return rf"{{\textbackslash}}{name}" if name in DANGEROUS_COMMANDS else control_word[0]


def _defuse_in_math(control_word: re.Match[str]) -> str:
    name = control_word[1]
    return rf"\backslash{{}}{name}" if name in DANGEROUS_COMMANDS else control_word[0]


def _encode_math(span: str) -> str:
    width = 1 if span.startswith("$") else 2
    opener, body, closer = span[:width], span[width:-width], span[-width:]
    body = _balance(_CONTROL_WORD.sub(_defuse_in_math, body))
    return opener + _encode_unicode(body) + closer


def _balance(text: str) -> str:
    """Escape braces that do not pair, so the result can never unbalance a field."""
    matched = _matched_braces(text, set())
    out, i = [], 0
    while i < len(text):
        char = text[i]
        if char == "\\" and i + 1 < len(text):
            out.append(text[i : i + 2])
            i += 2
            continue
        if (char in "{}" and i not in matched) or char == "\\":
            out.append(_ESCAPES[char])
        else:
            out.append(char)
        i += 1
    return "".join(out)


def _encode_text(text: str, matched: set[int], offset: int) -> str:
    out, i = [], 0
    while i < len(text):
        char = text[i]
        if char == "\\":
            word = _CONTROL_WORD.match(text, i)
            if word:
                out.append(_defuse(word))
                i = word.end()
                continue
            if i + 1 < len(text) and not text[i + 1].isspace():
                out.append(text[i : i + 2])  # \&, \%, \'e: already TeX
                i += 2
                continue
            out.append(_ESCAPES["\\"])
        elif char in "{}":
            out.append(char if i + offset in matched else _ESCAPES[char])
        elif char in _ESCAPES:
            out.append(_ESCAPES[char])
        elif char.isascii():
            out.append(char)
        else:
            out.append(encode_char(char))
        i += 1
    return "".join(out)


def to_latex(text: str) -> str:
    """Unicode text (possibly holding TeX) as TeX that compiles and shows that text.

    >>> to_latex("Boullé & co: 10% of $\\\\mu$P_1")
    "Boull{\\\\'e} \\\\& co: 10\\\\% of $\\\\mu$P\\\\_1"
    """
    text = " ".join(strip_control(text).split())
    spans = _math_spans(text)
    in_math = {i for start, end in spans for i in range(start, end)}
    matched = _matched_braces(text, in_math)
    out, position = [], 0
    for start, end in spans:
        out.append(_encode_text(text[position:start], matched, position))
        out.append(_encode_math(text[start:end]))
        position = end
    out.append(_encode_text(text[position:], matched, position))
    return "".join(out)


_WORD_CAPITAL_INSIDE = re.compile(r"^[^\s]*?\w[^\s]*?[A-Z]")
_SMALL_WORDS = frozenset(
    """
    a an and as at but by for from if in into is nor of on or per the to vs via with
    """.split()
)


def _needs_protection(word: str, first: bool, sentence_case: bool) -> bool:
    letters = re.sub(r"\\[A-Za-z]+|[^A-Za-z]", "", word)
    if not letters or "$" in word:
        return False
    if any(c.isupper() for c in letters[1:]):
        return True  # LoRA, ICML, GPT-4, ReLU
    return sentence_case and not first and letters[0].isupper()


def _is_sentence_case(words: list[str]) -> bool:
    content = [w for w in words[1:] if w.isalpha() and w.lower() not in _SMALL_WORDS]
    if not content:
        return False
    capitalised = sum(1 for w in content if w[0].isupper())
    return capitalised * 2 < len(content)


def protect_capitals(tex: str) -> str:
    """Brace words whose capitals a BibTeX style must not lower-case: acronyms and
    inner capitals always (``{LoRA}``), proper nouns when the title is in sentence case."""
    words = tex.split(" ")
    plain = [re.sub(r"[^\w]", "", w) for w in words]
    sentence_case = _is_sentence_case(plain)
    depth, out = 0, []
    for index, word in enumerate(words):
        protect = depth == 0 and _brace_delta(word) == 0
        if protect and _needs_protection(word, index == 0, sentence_case):
            core = re.match(r"^([\"'(\[]*)(.*?)([\"'.,:;!?)\]]*)$", word)
            word = f"{core[1]}{{{core[2]}}}{core[3]}" if core and core[2] else word
        depth += _brace_delta(word)
        out.append(word)
    return " ".join(out)


def _brace_delta(word: str) -> int:
    cleaned = re.sub(r"\\.", "", word)
    return cleaned.count("{") - cleaned.count("}")
