"""Strong evidence only (papers/title_match.py): when a title from a CV and one from
arXiv are the same, when they are merely close, and pubdb's name rule for authors."""

from __future__ import annotations

import pytest

from pubdb.ids import parse_arxiv_id
from pubdb.papers.title_match import (
    author_fits,
    close_titles,
    family_agrees,
    judge,
    same_title,
    title_key,
)
from pubdb.sources.arxiv import ArxivAuthor, ArxivRecord


def record(arxiv_id: str, title: str, *authors: str) -> ArxivRecord:
    return ArxivRecord(
        id=parse_arxiv_id(arxiv_id),
        title=title,
        abstract="",
        authors=tuple(ArxivAuthor(name) for name in authors),
        published="2024-10-03T17:45:31Z",
        updated="2024-10-03T17:45:31Z",
    )


@pytest.mark.parametrize(
    "cv, arxiv",
    [
        ("Large Language Models as Markov Chains", "Large language models as Markov chains"),
        ("Depth Dependence of  $\\mu P$  Learning Rates in ReLU MLPs",
         "Depth Dependence of $μ$P Learning Rates in ReLU MLPs"),
        ("Depth Dependence of μP Learning Rates in ReLU MLPs",
         "Depth Dependence of $\\mu$P Learning Rates in ReLU MLPs"),
        ("Diffusion on Fractal Ces\\`aro Curve", "Diffusion on Fractal Cesàro Curve"),
        ("Diffusion on fractal Cesaro curve", "Diffusion on Fractal Cesàro Curve"),
        ("Can LLMs predict the convergence of Stochastic Gradient Descent?",
         "Can {LLMs} predict the convergence of stochastic gradient descent"),
        ("Zero shot model based reinforcement learning using large language models",
         "Zero-shot Model-based Reinforcement Learning using Large Language Models"),
        ("Repeat after me: Transformers are better than state space models at copying",
         "Repeat After Me: Transformers are Better than State Space Models at Copying"),
        ("$\\omega$Test: WebView-Oriented Testing for Android Applications",
         "$ω$Test: WebView-Oriented Testing for Android Applications"),
        ("Length generalization in arithmetic  transformers\n",
         "Length Generalization in Arithmetic Transformers"),
    ],
    ids=["case", "tex-math-vs-unicode-math", "unicode-vs-tex", "tex-accent", "no-accent",
         "punctuation-and-braces", "hyphens", "title-case", "math-prefix", "spacing"],
)  # fmt: skip
def test_same_title(cv, arxiv):
    assert same_title(cv, arxiv)


@pytest.mark.parametrize(
    "cv, arxiv",
    [
        ("Large Language Models as Markov Chains", "Large Language Models as Markov Chain"),
        ("Q-Probe: A Light Approach to Reward Maximization for Language Models",
         "Q-Probe: A Lightweight Approach to Reward Maximization for Language Models"),
        ("Markov Chains", "Large Language Models as Markov Chains"),
        ("", ""),
    ],
    ids=["one-letter", "one-word", "contained", "empty"],
)  # fmt: skip
def test_not_the_same_title(cv, arxiv):
    assert not same_title(cv, arxiv)


def test_close_titles():
    asked = "Large Language Models as Markov Chains"
    assert close_titles(asked, "Large Language Models as Markov Chains: Theory and Practice")
    assert close_titles(asked, "Large language model as Markov chains")
    assert not close_titles(asked, asked)  # equal is not "close"
    assert not close_titles(asked, "Markov Chains for Graph Sampling")


@pytest.mark.parametrize(
    "asked, written, fits",
    [
        ("O. Zekri", "Oussama Zekri", True),
        ("Oussama Zekri", "O. Zekri", True),
        ("Oussama Zekri", "Zekri, Oussama", True),
        ("Oussama Zekri", "Karim Zekri", False),
        ("Zekri", "Karim Zekri", True),
        ("Y. Attia El Hili", "Youssef Attia El Hili", True),
        ("Samy Jelassi", "Sami Jelassi", False),
        ("N. Boullé", "Nicolas Boulle", True),
        ("S. d'Ascoli", "Stéphane d’Ascoli", True),
        ("Yuanzhi Li", "Yu Li", False),
        ("Yuanzhi Li", "Y. Li", True),
    ],
    ids=["initial-fits-full", "full-fits-initial", "family-first", "other-given-name",
         "family-alone", "three-word-family", "spelling", "accents", "apostrophes",
         "prefix-is-not-initial", "initial-of-common-name"],
)  # fmt: skip
def test_author_fits(asked, written, fits):
    assert author_fits(asked, written) is fits


def test_family_agrees_ignores_given_names():
    assert family_agrees("O. Zekri", "Karim Zekri")
    assert family_agrees("S. d’Ascoli", "Stéphane d'Ascoli")
    assert not family_agrees("O. Zekri", "Oussama Zekri-Benali")


def test_judge_takes_the_one_equal_title_with_the_first_author():
    """Two papers share a title; the first author says which one."""
    title = "Learning Rates in Practice"
    found = [
        record("2501.00101", title, "Ana Smith", "Oussama Zekri"),
        record("2501.00102", title, "Oussama Zekri", "Ana Smith"),
        record("2501.00103", title + ": A Longer Version", "Oussama Zekri"),
    ]
    assert judge(title, "O. Zekri", found).match.id.base == "2501.00102"
    assert judge(title, "A. Smith", found).match.id.base == "2501.00101"


def test_judge_without_authors_on_the_line_needs_a_single_equal_title():
    title = "Learning Rates in Practice"
    one = [record("2501.00101", title, "Ana Smith")]
    assert judge(title, None, one).match is not None
    two = [*one, record("2501.00102", title, "Oussama Zekri")]
    judged = judge(title, None, two)
    assert judged.match is None and len(judged.possible) == 2
    assert judged.reason == "several papers have this title"


def test_judge_reports_a_longer_title_as_possible_never_a_match():
    found = [record("2501.00103", "Learning Rates in Practice: A Longer Version", "O. Zekri")]
    judged = judge("Learning Rates in Practice", "O. Zekri", found)
    assert judged.match is None
    assert [r.id.base for r in judged.possible] == ["2501.00103"]
    assert judged.reason == "the title on arXiv is not the same"


def test_judge_reports_an_equal_title_by_another_first_author_as_possible():
    found = [record("2501.00101", "Learning Rates in Practice", "Ana Smith")]
    judged = judge("Learning Rates in Practice", "O. Zekri", found)
    assert judged.match is None and judged.possible == found
    assert judged.reason == "same title, another first author (Ana Smith)"


def test_judge_with_nothing_close():
    judged = judge("Learning Rates", "O. Zekri", [record("2501.00101", "Other things", "A. B")])
    assert judged.match is None and judged.possible == []
    assert judged.reason == "no paper with this title on arXiv"


def test_title_key_ignores_spacing_entirely():
    assert title_key("μ P") == title_key("$\\mu$P") == "μp"
