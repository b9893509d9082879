"""Text to TeX (`pubdb.tex.encode`): escaping, accents, TeX kept as TeX, dangerous commands
defused, capitals protected. Compiling the result is tested in test_bibtex_export.py."""

from __future__ import annotations

import re

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from pubdb.tex.encode import protect_capitals, to_latex

# Control sequences that read or write files, run programs, or build / redefine other
# control sequences. None may survive into the output as a live command.
FORBIDDEN = frozenset(
    """
    input include openin openout read write immediate csname def edef let catcode
    scantokens UseName ExpandArgs ExplSyntaxOn pdffiledump filedump pdfobj pdfximage
    """.split()
)


def live_commands(tex: str) -> set[str]:
    """Control words as TeX reads them in a document (letters only: '@' is not one)."""
    tokens = re.findall(r"\\([A-Za-z]+|.)", tex, flags=re.DOTALL)
    return {token for token in tokens if token.isalpha()}


def bibtex_balanced(tex: str) -> bool:
    """BibTeX counts every brace, escaped or not: a field must balance that way."""
    depth = 0
    for char in tex:
        depth += {"{": 1, "}": -1}.get(char, 0)
        if depth < 0:
            return False
    return depth == 0


def tex_balanced(tex: str) -> bool:
    """TeX's view: braces that are not escaped must pair up."""
    depth = 0
    for token in re.findall(r"\\.|[{}]", tex, flags=re.DOTALL):
        depth += {"{": 1, "}": -1}.get(token, 0)
        if depth < 0:
            return False
    return depth == 0


def unescaped(chars: str, tex: str) -> list[str]:
    return re.findall(rf"(?<!\\)[{re.escape(chars)}]", tex)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        pytest.param("R&D", r"R\&D", id="ampersand"),
        pytest.param("10% better", r"10\% better", id="percent"),
        pytest.param("costs $5", r"costs \$5", id="lone-dollar"),
        pytest.param("issue #1", r"issue \#1", id="hash"),
        pytest.param("snake_case", r"snake\_case", id="underscore"),
        pytest.param("a~b", r"a{\textasciitilde}b", id="tilde"),
        pytest.param("x^2", r"x{\textasciicircum}2", id="caret"),
        pytest.param("a \\ b", r"a {\textbackslash} b", id="backslash"),
        pytest.param("trailing\\", r"trailing{\textbackslash}", id="trailing-backslash"),
        pytest.param(
            "a \\é b", r"a {\textbackslash}{\'e} b", id="backslash-before-accented-letter"
        ),
        pytest.param(
            "<script>alert(1)</script>",
            r"{\textless}script{\textgreater}alert(1){\textless}/script{\textgreater}",
            id="script-tag",
        ),
        pytest.param("'; DROP TABLE x; --", "'; DROP TABLE x; --", id="sql-is-just-text"),
        pytest.param("a\x00b\x07c", "abc", id="nul-and-bell-dropped"),
        pytest.param("ab\u200fc\u202ed", "abcd", id="bidi-marks-dropped"),
        pytest.param("two\nlines\tand  spaces", "two lines and spaces", id="whitespace"),
    ],
)
def test_special_characters_are_escaped_outside_math(text, expected):
    assert to_latex(text) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        pytest.param("Boullé", r"Boull{\'e}", id="acute"),
        pytest.param("Müller", r"M{\"u}ller", id="umlaut"),
        pytest.param("Ramírez", r"Ram{\'\i}rez", id="dotless-i"),
        pytest.param("Núñez", r"N{\'u}{\~n}ez", id="tilde-n"),
        pytest.param("Łukasz", r"{\L}ukasz", id="L-stroke"),
        pytest.param("Møldrup", r"M{\o}ldrup", id="o-slash"),
        pytest.param("Ødegård", r"{\O}deg{\r{a}}rd", id="O-slash-ring"),
        pytest.param("Weiß", r"Wei{\ss}", id="eszett"),
        pytest.param("Dvořák", r"Dvo{\v{r}}{\'a}k", id="caron"),
    ],
)
def test_accented_letters_become_classic_bibtex_macros(text, expected):
    assert to_latex(text) == expected


@pytest.mark.parametrize(
    "tex",
    [
        pytest.param(r"$\mu$P: Efficient Transfer", id="arxiv-inline-math"),
        pytest.param(r"Promises \& Perils", id="escaped-ampersand"),
        pytest.param(r"in 10\% of cases", id="escaped-percent"),
        pytest.param(r"Equation In $\mathbb{R}$", id="math-with-braces"),
        pytest.param(r"$x_1^{2}$ and $\{a\}$", id="math-sub-superscript"),
        pytest.param(r"\(\alpha_i\) and \[\beta\]", id="paren-bracket-math"),
        pytest.param(r"Boull{\'e} and H{\"o}lder", id="accent-macros"),
        pytest.param(r"{LoRA} adapters", id="braced-word"),
    ],
)
def test_tex_already_in_text_is_kept(tex):
    assert to_latex(tex) == tex


@pytest.mark.parametrize(
    "text",
    [
        pytest.param("R&D at 10% for $5 #1 a_b", id="specials"),
        pytest.param("a~b^c\\d <x> |y|", id="textcommands"),
        pytest.param("Boullé Łukasz Ødegård Weiß", id="accents"),
        pytest.param(r"$\mu$P and $\input{x}$", id="math"),
        pytest.param(r"\input{/etc/passwd} \write18{id}", id="defused"),
        pytest.param("unbalanced { and } braces", id="braces"),
        pytest.param(r"${\(}\)", id="unclosed-dollar-around-paren-math"),
    ],
)
def test_encoding_twice_changes_nothing(text):
    once = to_latex(text)
    assert to_latex(once) == once


@pytest.mark.parametrize(
    "text",
    [
        pytest.param("Unbalanced { brace", id="open"),
        pytest.param("closing } only", id="close"),
        pytest.param("x}{y", id="reversed-pair"),
        pytest.param("{a}}", id="one-extra-close"),
        pytest.param("{{a}", id="one-extra-open"),
        pytest.param(r"escaped \{ alone", id="escaped-open-alone"),
        pytest.param(r"$\{x$", id="escaped-open-in-math"),
        pytest.param("${x$", id="open-in-math"),
        pytest.param("$x\\é$", id="backslash-before-accented-letter-in-math"),
    ],
)
def test_unbalanced_braces_cannot_unbalance_a_bibtex_field(text):
    tex = to_latex(text)
    assert bibtex_balanced(tex), tex
    assert tex_balanced(tex), tex


@pytest.mark.parametrize(
    "text",
    [
        pytest.param("Gains of $50%$ in practice", id="percent"),
        pytest.param("Macro $a#1$ here", id="hash"),
        pytest.param("Tab $a&b$ here", id="ampersand"),
    ],
)
def test_tex_specials_that_break_math_are_escaped_inside_math(text):
    tex = to_latex(text)
    assert not unescaped("%#&", tex), tex


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        pytest.param(r"a \( b", r"a {\textbackslash}( b", id="open-paren"),
        pytest.param(r"a \) b", r"a {\textbackslash}) b", id="close-paren"),
        pytest.param(r"a \[ b", r"a {\textbackslash}[ b", id="open-bracket"),
        pytest.param(r"a \] b", r"a {\textbackslash}] b", id="close-bracket"),
        pytest.param(r"costs $5 or \(x\)", r"costs \$5 or \(x\)", id="unclosed-dollar-then-math"),
    ],
)
def test_unpaired_math_delimiters_are_text(text, expected):
    assert to_latex(text) == expected


@pytest.mark.parametrize(
    "payload",
    [
        pytest.param(r"\input{/etc/passwd}", id="input"),
        pytest.param(r"\include{secret}", id="include"),
        pytest.param(r"\write18{rm -rf ~}", id="write18"),
        pytest.param(r"\immediate\write18{id}", id="immediate-write18"),
        pytest.param(r"\openout1=pwned", id="openout"),
        pytest.param(r"\csname input\endcsname{/etc/passwd}", id="csname"),
        pytest.param(r"\def\title{x}", id="def"),
        pytest.param(r"\catcode64=11", id="catcode"),
        pytest.param(r"$\input{/etc/passwd}$", id="input-in-dollar-math"),
        pytest.param(r"\(\input{/etc/passwd}\)", id="input-in-paren-math"),
        pytest.param(r"$x\immediate\write18{id}$", id="write18-in-math"),
        pytest.param(r"\input/etc/passwd", id="input-without-braces"),
        # Bypasses of a name blacklist, each shown to read a file in test_bibtex_export.
        pytest.param(r"$^^5cinput{/etc/passwd}$", id="caret-notation-backslash-in-math"),
        pytest.param(r"$\^^69nput{/etc/passwd}$", id="caret-notation-letter-in-math"),
        pytest.param(r"\input@/etc/passwd", id="at-sign-glued-to-input"),
        pytest.param(r"{\UseName{input}{/etc/passwd}}", id="UseName"),
        pytest.param(r"{\ExpandArgs{c}\relax{input}{/etc/passwd}}", id="ExpandArgs"),
        pytest.param(r"{\ExplSyntaxOn \use:c{input}{/etc/passwd}}", id="expl3-use-c"),
        pytest.param(r"{\pdffiledump length 40 {/etc/passwd}}", id="pdffiledump"),
    ],
)
def test_dangerous_commands_are_defused(payload):
    tex = to_latex(payload)
    assert not live_commands(tex) & FORBIDDEN, tex
    assert "^^" not in tex, tex
    assert bibtex_balanced(tex), tex


def test_defused_command_is_still_readable_as_text():
    assert to_latex(r"\input{/etc/passwd}") == r"{\textbackslash}input{/etc/passwd}"


def test_harmless_commands_are_kept():
    assert to_latex(r"\emph{inputs} \textbf{x} $\mathcal{O}(\log n)$") == (
        r"\emph{inputs} \textbf{x} $\mathcal{O}(\log n)$"
    )


def test_unknown_commands_are_shown_as_text():
    assert to_latex(r"\ours{} beats $\inputlength$") == (
        r"{\textbackslash}ours{} beats $\backslash\mathrm{inputlength}$"
    )


@pytest.mark.parametrize(
    ("title", "protected"),
    [
        pytest.param("LoRA: Low-Rank Adaptation of Large Language Models", "{LoRA}", id="LoRA"),
        pytest.param("Deep ReLU networks", "{ReLU}", id="ReLU"),
        pytest.param("Fine-tuning GPT-4 on data", "{GPT-4}", id="GPT-4"),
        pytest.param("Results from ICML workshops", "{ICML}", id="acronym"),
        pytest.param('A "LoRA" study', '"{LoRA}"', id="quoted"),
        pytest.param(
            "Diffusion models for protein design in Escherichia coli",
            "{Escherichia}",
            id="proper-noun-in-sentence-case",
        ),
        pytest.param(
            "Random graphs and the Łojasiewicz inequality",
            r"{{\L}ojasiewicz}",
            id="proper-noun-starting-with-L-stroke",
        ),
        pytest.param(
            "Random walks near Ødegård and beyond",
            r"{{\O}deg{\r{a}}rd}",
            id="proper-noun-starting-with-O-slash",
        ),
    ],
)
def test_capitals_a_style_would_lowercase_are_protected(title, protected):
    assert protected in protect_capitals(to_latex(title))


@pytest.mark.parametrize(
    "title",
    [
        pytest.param("Attention Is All You Need", id="title-case"),
        pytest.param("Attainable forms of spectra", id="sentence-case-no-nouns"),
        pytest.param(r"$\mu$P: Efficient Transfer", id="math-word"),
    ],
)
def test_ordinary_words_are_not_braced(title):
    assert "{" not in protect_capitals(to_latex(title)).replace(r"$\mu$", "")


def test_protection_is_not_applied_twice():
    once = protect_capitals(to_latex("{LoRA} and ReLU adapters"))
    assert once == "{LoRA} and {ReLU} adapters"
    assert protect_capitals(once) == once


_PIECES = st.sampled_from(
    [
        *"ab AZ$\\{}&%#_~^<>|'é\u200f\x00-:.1@",
        *(r"\mu", r"\input", r"\&", r"\(", r"\)", r"\{", r"\}", r"\\", "^^", "LoRA"),
    ]
)
_TEXTS = st.lists(_PIECES, max_size=12).map("".join)


@settings(max_examples=300, deadline=None)
@given(_TEXTS)
def test_any_text_encodes_idempotently(text):
    once = to_latex(text)
    assert to_latex(once) == once


@settings(max_examples=300, deadline=None)
@given(_TEXTS)
def test_any_text_encodes_to_a_balanced_field(text):
    tex = to_latex(text)
    assert bibtex_balanced(tex), tex
    assert tex_balanced(tex), tex
    assert not live_commands(tex) & FORBIDDEN, tex
