"""TeX as written in BibTeX fields to Unicode (`pubdb.tex.decode.tex_to_unicode`): golden
titles and names, math and unknown commands kept as written, and the per-string cache."""

from __future__ import annotations

import pytest

from pubdb.tex.decode import tex_to_unicode

TITLES = [  # (id, TeX as written, Unicode)
    ("latex-logo", r"{\LaTeX}: A Document System", "LaTeX: A Document System"),
    ("log-operator", r"A \log-space algorithm", "A log-space algorithm"),
    ("log-in-math-kept", r"An $O(n \log n)$ bound", r"An $O(n \log n)$ bound"),
    ("AA-with-empty-group", r"\AA{}ngstr\"om units", "Ångström units"),
    ("AA-braced", r"{\AA}ngstr{\"o}m units", "Ångström units"),
    ("escaped-percent", r"10\% faster training", "10% faster training"),
    ("math-kept", r"$10^{21}$ operations per second", "$10^{21}$ operations per second"),
    ("tex-live", r"{\TeX} Live 2023", "TeX Live 2023"),
    ("escaped-specials", r"R\&D at 50\,\$ a \#1 snake\_case", "R&D at 50 $ a #1 snake_case"),
    ("protecting-braces", r"{Deep} {L}earning with {{BERT}}", "Deep Learning with BERT"),
    ("emph-textbf", r"\emph{Deep} learning, \textbf{really}", "Deep learning, really"),
    ("em-declaration", r"{\em Deep} learning", "Deep learning"),
    ("en-dash", r"Pages 1--10", "Pages 1–10"),
    ("em-dash", r"Theory---and practice", "Theory—and practice"),
    ("tex-quotes", r"The ``quoted'' word", "The “quoted” word"),
    ("unknown-commands-kept", r"See \cite{knuth} or \foo{x}{y}", r"See \cite{knuth} or \foo{x}{y}"),
    ("unknown-command-without-argument", r"a \weird b", r"a \weird b"),
    ("unknown-two-arguments", r"\textcolor{red}{warm} start", r"\textcolor{red}{warm} start"),
    ("plain-unchanged", "plain ASCII title", "plain ASCII title"),
    ("unicode-unchanged", "Ångström — already Unicode", "Ångström — already Unicode"),
    ("line-break-plain", "A long\n    title", "A long title"),
    ("line-break-with-braces", "A {long}\n    title", "A long title"),
    ("relax-sorting-trick", r"On {\relax Ch}ebyshev polynomials", "On Chebyshev polynomials"),
    ("noopsort-prints-nothing", r"{\noopsort{a}}Zeta functions", "Zeta functions"),
]  # fmt: skip

NAMES = [
    ("umlaut-braced", r"Schr{\"o}dinger", "Schrödinger"),
    ("umlaut-bare", r"Schr\"odinger", "Schrödinger"),
    ("capital-umlaut", r"{\"O}zt{\"u}rk", "Öztürk"),
    ("slashed-o", r"Bj{\o}rn", "Bjørn"),
    ("slashed-O-ring-a", r"{\O}deg{\aa}rd", "Ødegård"),
    ("barred-l", r"\l{}ukasz", "łukasz"),
    ("barred-l-ogonek", r"Wa\l{}\k{e}sa", "Wałęsa"),
    ("acute-braced", r"Boull{\'e}", "Boullé"),
    ("acute-bare", r"Jos\'e", "José"),
    ("capital-acute", r"{\'E}douard", "Édouard"),
    ("cedilla", r"\c{C}elik", "Çelik"),
    ("cedilla-space-argument", r"Fran\c cois", "François"),
    ("caron", r"\v{S}emrl", "Šemrl"),
    ("carons", r"Ko\v{c}ka and \v{Z}i\v{z}ek", "Kočka and Žižek"),
    ("double-acute", r"Erd\H{o}s", "Erdős"),
    ("eszett-braced", r"Stra{\ss}e", "Straße"),
    ("eszett-space-ends-control-word", r"Stra\ss e", "Straße"),
    ("acute-dotless-i", r"Mar\'{\i}a", "María"),
    ("acute-dotless-i-bare", r"Mar\'\i a", "María"),
    ("breve", r"Y\u{g}it", "Yğit"),
    ("tie-is-no-break-space", r"Jean~Dupont", "Jean\u00a0Dupont"),
]  # fmt: skip


def cases(rows):
    return [pytest.param(tex, expected, id=name) for name, tex, expected in rows]


@pytest.mark.parametrize(("tex", "expected"), cases(TITLES))
def test_titles_decode_to_unicode(tex, expected):
    assert tex_to_unicode(tex) == expected


@pytest.mark.parametrize(("tex", "expected"), cases(NAMES))
def test_names_decode_to_unicode(tex, expected):
    assert tex_to_unicode(tex) == expected


def test_result_is_composed_unicode():
    decoded = tex_to_unicode(r"Boull{\'e}")
    assert decoded == "Boull\u00e9"  # one code point, not e + combining accent
    assert len(decoded) == 6


def test_unbalanced_closing_brace_is_dropped_not_fatal():
    assert tex_to_unicode("Deep} learning") == "Deep learning"


def test_same_input_twice_returns_the_cached_result():
    text = r"Cached Schr{\"o}dinger, decoded twice in test_texdecode"
    before = tex_to_unicode.cache_info()
    first = tex_to_unicode(text)
    second = tex_to_unicode(text)
    after = tex_to_unicode.cache_info()
    assert first == "Cached Schrödinger, decoded twice in test_texdecode"
    assert second is first
    assert after.hits == before.hits + 1
    assert after.misses == before.misses + 1
