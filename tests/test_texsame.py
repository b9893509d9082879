"""texsame: the yardstick of the fidelity tests reads field values as TeX does."""

from __future__ import annotations

import pytest

from texsame import first_difference, reading, tex_same

SAME_BOTH = [
    ("A  B\n  C", "A B C"),
    ("A\tB", "A B"),
    ("  A B  ", "A B"),
    ("a\n\nb", "a b"),  # BibTeX compresses the blank line before TeX sees a \par
    ("a\r\nb", "a b"),
    (r"\TeX  book", r"\TeX book"),
    ("\\TeX\n   book", r"\TeX book"),
    (r"{\TeX }", r"{\TeX}"),  # TeX skips the space after a control word
    (r"\TeX{}", r"\TeX{}"),
    ("^^5cinput{x}", r"\input{x}"),  # TeX's ^^ notation builds the backslash
    (r"\^^65mph{x}", r"\emph{x}"),
    ("^^5c^^69nput", r"\input"),
    ("^^\x1c", "\\"),  # ^^c with c < 64: code + 64 (0x1c + 0x40 = 0x5c)
    ("\\\nx", r"\ x"),  # backslash-newline is a control space
    ("\\\tx", r"\ x"),
    (r"{\AMSTeX}", r"{\AMSTeX}"),
    ("", "   "),
]

DIFFERENT_BOTH = [
    (r"{\AMSTeX}", r"{{\textbackslash}AMSTeX}"),
    (r"\AMSTeX", r"{\textbackslash}AMSTeX"),
    (r"\TeX book", r"\TeXbook"),
    ("a~b", "a b"),
    (r"100\%", "100%"),
    ("é", r"{\'e}"),
    ("e\u0301", "é"),  # NFD vs NFC: pdflatex reads different characters
    (r"{\em x} y", r"\em x y"),  # scope of \em
    (r"{\TeX} x", r"\TeX x"),  # the space after {\TeX} is kept, after \TeX skipped
    (r"\TeX{} x", r"\TeX\ x"),  # same print, different reading: kept apart
    (r"\'e", r"\' e"),
    ("a,b", "a, b"),
    (r"\input", r"{\textbackslash}input"),
]

DIFFERENT_BIBTEX_SAME_TEX = [
    ("{ABC}", "ABC"),  # case protection for BibTeX
    (r"\'{e}", r"\'e"),
    (r"\'{E}", r"\'E"),  # change.case$ lower-cases \'E, not \'{E}
    ("{T}he", "The"),
    ("x^{2}", "x^2"),
    (r"{\'e}", r"\'e"),  # special character for BibTeX
    (r"{\ss}x", r"\ss x"),
    ("{Barnes and Noble}", "Barnes and Noble"),  # one name vs two for BibTeX
    (r"\emph{a}b", r"\emph ab"),
]

DIFFERENT_TEX_TOO = [
    (r"\textbf{ABC}", r"\textbf ABC"),  # a group as argument stays
    (r"\frac{a}{bc}", r"\frac{a}bc"),  # the second argument: after '}'
    (r"{\ss} x", r"\ss x"),  # the space after the group is kept
    ("f{}i", "fi"),  # ligature break kept
    (r"{\em ABC}", "ABC"),
]


@pytest.mark.parametrize("a,b", SAME_BOTH)
def test_same_in_both_modes(a, b):
    assert tex_same(a, b)
    assert tex_same(a, b, braces="tex")
    assert first_difference(a, b) is None


@pytest.mark.parametrize("a,b", DIFFERENT_BOTH)
def test_different_in_both_modes(a, b):
    assert not tex_same(a, b)
    assert not tex_same(a, b, braces="tex")
    assert first_difference(a, b)


@pytest.mark.parametrize("a,b", DIFFERENT_BIBTEX_SAME_TEX)
def test_braces_count_for_bibtex_not_for_tex(a, b):
    assert not tex_same(a, b)
    assert tex_same(a, b, braces="tex")


@pytest.mark.parametrize("a,b", DIFFERENT_TEX_TOO)
def test_braces_tex_cannot_drop(a, b):
    assert not tex_same(a, b, braces="tex")


def test_symmetric():
    for a, b in SAME_BOTH + DIFFERENT_BOTH + DIFFERENT_BIBTEX_SAME_TEX + DIFFERENT_TEX_TOO:
        assert tex_same(a, b) == tex_same(b, a)
        assert tex_same(a, b, "tex") == tex_same(b, a, "tex")


def test_tokens():
    assert reading(r"{\AMSTeX} and  \'{e}") == (
        "{",
        r"\AMSTeX",
        "}",
        " ",
        "a",
        "n",
        "d",
        " ",
        r"\'",
        "{",
        "e",
        "}",
    )
    assert reading("\\") == ("\\",)
    assert reading(r"a\\ b") == ("a", "\\\\", " ", "b")  # \\ is a control symbol: space kept
    assert reading(r"@x") == ("@", "x")  # '@' is not a letter in a document
    assert reading(r"\makeatletter\@gobble") == (
        r"\makeatletter",
        "\\@",
        "g",
        "o",
        "b",
        "b",
        "l",
        "e",
    )


def test_unbalanced_braces_do_not_crash():
    assert not tex_same("{a", "a")
    assert not tex_same("a}", "a", braces="tex")
    assert tex_same("}{", "}{", braces="tex")


def test_bad_mode():
    with pytest.raises(ValueError):
        reading("x", braces="latex")
