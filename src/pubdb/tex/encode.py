"""Text to TeX for BibTeX and LaTeX output.

Stored text is Unicode that may carry TeX as its authors wrote it (arXiv titles hold
``$\\mu$P``). The encoder keeps that TeX, escapes every special character that is not
already escaped, turns accented letters into classic macros (``Boull{\\'e}``), and
prints as text every command not on a short list of harmless ones, so that nothing can
read files or run programs (``\\input``, ``\\write18``, ``^^5cinput``).
"""

from __future__ import annotations

import re
from functools import lru_cache

from ..normalize import strip_control
from .math import math_spans

# Only commands known to be harmless and defined in any pdflatex document pass through;
# every other control word is printed as text. (A list of dangerous names cannot be
# complete: TeX can build \input from ^^5c, \csname, \UseName, expl3 and more.)
TEXT_COMMANDS = frozenset(
    """
    u v H c d b r k t i j o O l L ss SS ae AE oe OE aa AA
    emph textit textbf textsc texttt textrm textsf textsl textup textmd textnormal
    textsuperscript textsubscript mbox ensuremath relax
    LaTeX LaTeXe TeX
    textendash textemdash ldots dots textquoteleft textquoteright textquotedblleft
    textquotedblright textregistered texttrademark copyright textcopyright S P pounds
    textbackslash textasciitilde textasciicircum textless textgreater textbar
    textunderscore textbraceleft textbraceright textdollar textdagger textdaggerdbl
    textbullet textperiodcentered textexclamdown textquestiondown
    space quad qquad enspace thinspace nobreakspace slash
    """.split()
)
MATH_COMMANDS = TEXT_COMMANDS | frozenset(
    """
    alpha beta gamma delta epsilon varepsilon zeta eta theta vartheta iota kappa lambda
    mu nu xi pi varpi rho varrho sigma varsigma tau upsilon phi varphi chi psi omega
    Gamma Delta Theta Lambda Xi Pi Sigma Upsilon Phi Psi Omega
    sum prod coprod int iint oint lim limsup liminf sup inf max min arg det dim ker deg
    gcd hom log lg ln exp sin cos tan cot sec csc sinh cosh tanh arcsin arccos arctan Pr
    leq geq neq le ge ne ll gg approx sim simeq cong equiv propto prec succ preceq succeq
    in ni notin subset subseteq supset supseteq cup cap setminus mid parallel perp
    models vdash dashv to gets mapsto rightarrow leftarrow Rightarrow Leftarrow
    leftrightarrow Leftrightarrow longrightarrow longleftarrow longmapsto implies iff
    uparrow downarrow forall exists nexists nabla partial infty emptyset varnothing ell
    hbar imath jmath wp Re Im aleph prime top bot angle triangle neg lnot land lor
    times cdot cdots ldots vdots ddots pm mp div ast star circ bullet oplus ominus
    otimes oslash odot wedge vee bigcup bigcap bigoplus bigotimes bigvee bigwedge
    dagger ddagger
    left right big Big bigg Bigg bigl bigr Bigl Bigr biggl biggr Biggl Biggr middle
    langle rangle lfloor rfloor lceil rceil vert Vert lbrace rbrace lvert rvert lVert rVert
    frac dfrac tfrac sqrt binom overline underline hat tilde bar vec dot ddot check breve
    acute grave widehat widetilde overrightarrow overleftarrow underbrace overbrace
    mathbb mathcal mathrm mathbf mathit mathsf mathtt mathfrak boldsymbol operatorname
    text colon quad qquad displaystyle textstyle scriptstyle limits nolimits not backslash
    """.split()
)

_ESCAPES = {
    "&": r"\&",
    "%": r"\%",
    "#": r"\#",
    "_": r"\_",
    "$": r"\$",
    "{": r"{\textbraceleft}",
    "}": r"{\textbraceright}",
    "~": r"{\textasciitilde}",
    "^": r"{\textasciicircum}",
    "\\": r"{\textbackslash}",
    "<": r"{\textless}",
    ">": r"{\textgreater}",
    "|": r"{\textbar}",
}
_MATH_ESCAPES = {"{": r"\lbrace{}", "}": r"\rbrace{}", "\\": r"\backslash{}"}
# A control word as TeX reads it in a document, where '@' is not a letter.
_CONTROL_WORD = re.compile(r"\\([A-Za-z]+)")
# '^^5c' is a backslash to TeX, '^^69' an 'i': never let math spell a command that way.
_CARET_PAIR = re.compile(r"\^(?=\^)")
_BACKSLASH_NON_ASCII = re.compile(r"(?<!\\)((?:\\\\)*)\\(?=[^\x00-\x7f])")
_MATH_SPECIAL = re.compile(r"(?<!\\)((?:\\\\)*)([%#&])")


@lru_cache(maxsize=1)
def _unicode_encoder():
    from pylatexenc.latexencode import UnicodeToLatexEncoder

    return UnicodeToLatexEncoder(
        non_ascii_only=True,
        replacement_latex_protection="braces-all",
        unknown_char_policy="keep",
        unknown_char_warning=False,
    )


# pylatexenc 2.11 maps ű/Ű to an acute accent; they take the double acute (\H).
_ENCODING_FIXES = {"ű": r"{\H{u}}", "Ű": r"{\H{U}}"}


@lru_cache(maxsize=4096)
def encode_char(char: str) -> str:
    """One non-ASCII character as a braced TeX macro (é -> {\\'e}), or itself if none."""
    return _ENCODING_FIXES.get(char) or _unicode_encoder().unicode_to_latex(char)


def _encode_unicode(text: str) -> str:
    if text.isascii():
        return text
    return "".join(c if c.isascii() else encode_char(c) for c in text)


def _matched_braces(text: str, skip: set[int]) -> set[int]:
    """Positions of braces that pair up (outside ``skip``). Plain braces pair with plain
    braces, escaped ones (the brace of ``\\{``) with escaped ones: BibTeX counts both
    kinds, so each kind must balance on its own."""
    plain: list[int] = []
    escaped: list[int] = []
    matched: set[int] = set()
    i = 0
    while i < len(text):
        char = text[i]
        if char == "\\":
            if i + 1 not in skip and text[i + 1 : i + 2] in ("{", "}"):
                _pair(escaped, matched, text[i + 1], i + 1)
            i += 2
            continue
        if i not in skip and char in "{}":
            _pair(plain, matched, char, i)
        i += 1
    return matched


def _pair(stack: list[int], matched: set[int], char: str, position: int) -> None:
    if char == "{":
        stack.append(position)
    elif stack:
        matched.update((stack.pop(), position))


def _defuse(control_word: re.Match[str]) -> str:
    name = control_word[1]
    return control_word[0] if name in TEXT_COMMANDS else rf"{{\textbackslash}}{name}"


def _defuse_in_math(control_word: re.Match[str]) -> str:
    name = control_word[1]
    return control_word[0] if name in MATH_COMMANDS else rf"\backslash\mathrm{{{name}}}"


def _encode_math(span: str) -> str:
    width = 1 if span.startswith("$") else 2
    opener, body, closer = span[:width], span[width:-width], span[-width:]
    body = _CONTROL_WORD.sub(_defuse_in_math, body)
    body = _BACKSLASH_NON_ASCII.sub(r"\1\\backslash{}", body)
    body = _CARET_PAIR.sub("^{}{}", body)
    body = _MATH_SPECIAL.sub(r"\1\\\2", body)
    return opener + _encode_unicode(_balance(body)) + closer


def _balance(text: str) -> str:
    """Replace braces that do not pair (plain or escaped) by \\lbrace / \\rbrace, so the
    math can never unbalance a BibTeX field."""
    matched = _matched_braces(text, set())
    out, i = [], 0
    while i < len(text):
        char = text[i]
        if char == "\\" and i + 1 < len(text):
            pair = text[i : i + 2]
            brace = pair[1] in "{}" and i + 1 not in matched
            out.append(_MATH_ESCAPES[pair[1]] if brace else pair)
            i += 2
            continue
        if (char in "{}" and i not in matched) or char == "\\":
            out.append(_MATH_ESCAPES[char])
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
            if text[i + 1 : i + 2] in ("(", ")", "[", "]"):
                out.append(_ESCAPES["\\"] + text[i + 1])  # a math delimiter left unpaired
                i += 2
                continue
            if text[i + 1 : i + 2] in ("{", "}") and i + 1 + offset not in matched:
                out.append(_ESCAPES[text[i + 1]])  # a lone \{ would unbalance BibTeX
                i += 2
                continue
            if i + 1 < len(text) and text[i + 1].isascii() and not text[i + 1].isspace():
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


@lru_cache(maxsize=65536)
def to_latex(text: str) -> str:
    """Unicode text (possibly holding TeX) as TeX that compiles and shows that text.

    >>> to_latex("Boullé & co: 10% of $\\\\mu$P_1")
    "Boull{\\\\'e} \\\\& co: 10\\\\% of $\\\\mu$P\\\\_1"
    """
    text = " ".join(strip_control(text).split())
    spans = math_spans(text)
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


# Letters TeX writes as macros: their first letter decides the case (\O -> O, \ss -> s).
_LETTER_MACRO = re.compile(r"\\(AE|OE|AA|SS|DH|TH|NG|ae|oe|aa|ss|dh|th|ng|[LOlo])(?![A-Za-z])")


def _needs_protection(word: str, first: bool, sentence_case: bool) -> bool:
    word = _LETTER_MACRO.sub(lambda letter: letter[1][0], word)
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
        protect = depth == 0 and _brace_delta(word) == 0 and not _braced(word)
        if protect and _needs_protection(word, index == 0, sentence_case):
            core = re.match(r"^([\"'(\[]*)(.*?)([\"'.,:;!?)\]]*)$", word)
            word = f"{core[1]}{{{core[2]}}}{core[3]}" if core and core[2] else word
        depth += _brace_delta(word)
        out.append(word)
    return " ".join(out)


def _braced(word: str) -> bool:
    """Already protected: the word's core is one brace group ('{LoRA}', '"{LoRA}",')."""
    core = re.sub(r"\\.", "", word.strip("\"'()[].,:;!?"))
    depth = 0
    for index, char in enumerate(core):
        depth += {"{": 1, "}": -1}.get(char, 0)
        if depth == 0 and (index == 0 or index < len(core) - 1):
            return False
    return bool(core) and depth == 0


def _brace_delta(word: str) -> int:
    cleaned = re.sub(r"\\.", "", word)
    return cleaned.count("{") - cleaned.count("}")
