"""Per-author publication lists: grouping, order, entry parts, and every format's escaping
(checked by the programs that read each format when they are installed)."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import unicodedata
from html.parser import HTMLParser
from pathlib import Path

import pytest

from pubdb.errors import UsageError
from pubdb.models import Author, Publication
from pubdb.render import DEFAULT_ORDER, FORMATS, ListOptions, author_matcher, render
from pubdb.render.entries import clean, safe_url
from pubdb.render.markdown import escape as markdown_escape

SEEDS_BIB = Path(__file__).resolve().parents[1] / "bib" / "seeds.bib"

HOSTILE = [
    pytest.param("<script>alert(1)</script>", id="script"),
    pytest.param("<img src=x onerror=\"document.title='pwned'\">", id="img-onerror"),
    pytest.param("Pitfalls & Opportunities &amp; &lt;b&gt;", id="ampersand"),
    pytest.param("top 5% of 100%", id="percent"),
    pytest.param("a_b_c", id="underscore"),
    pytest.param(r"\input{/etc/passwd}", id="input"),
    pytest.param(r"\immediate\write18{touch pwned}", id="write18"),
    pytest.param("^^5cinput{/etc/passwd}", id="caret-notation"),
    pytest.param("{ unbalanced", id="brace"),
    pytest.param("before\x00after", id="nul"),
    pytest.param("right\u200fto-left", id="rlm"),
    pytest.param("*bold* [link](http://x) @cite $x ~sub~ ^sup^ # hash | `code`", id="markup"),
]


def pub(title: str = "A title", **fields) -> Publication:
    fields.setdefault("authors", [Author("S. Jelassi")])
    fields.setdefault("kind", "conference")
    fields.setdefault("year", 2024)
    fields.setdefault("venue", "ICML")
    return Publication(title=title, **fields)


def sample() -> list[Publication]:
    """Two conference papers, a journal paper and a preprint, in a CV's own order."""
    return [
        pub("Conference old", year=2019, citekey="c2019"),
        pub("Conference new", year=2024, citekey="c2024", arxiv_id="2402.01032"),
        pub("Journal paper", kind="journal", venue="JMLR", year=2022, citekey="j2022"),
        pub("A preprint", kind="preprint", status="preprint", venue=None, year=2023),
    ]


def visible(text: str) -> str:
    return " ".join(text.split())


def without_quotes(text: str) -> str:
    """Text with quotation marks dropped: citeproc turns straight quotes into curly ones."""
    return re.sub("[\"'“”‘’]", "", text)


def titles_in(output: str, publications: list[Publication]) -> list[str]:
    found = [(output.index(p.title), p.title) for p in publications if p.title in output]
    return [title for _, title in sorted(found)]


def run(*command: str, cwd: Path | None = None, timeout: int = 120):
    return subprocess.run(
        command, cwd=cwd, capture_output=True, text=True, timeout=timeout, check=False
    )


# Grouping and order


def test_groups_follow_the_default_order_and_empty_groups_are_left_out():
    output = render(sample(), "markdown")
    headings = re.findall(r"^## (.+)$", output, re.MULTILINE)
    assert headings == ["Preprints", "Journal papers", "Conference papers"]
    assert list(DEFAULT_ORDER[:3]) == ["Preprints", "Journal papers", "Conference papers"]


@pytest.mark.parametrize(
    ("fields", "group"),
    [
        pytest.param({"kind": "preprint", "venue": None}, "Preprints", id="kind-preprint"),
        pytest.param({"status": "submitted", "venue": None}, "Preprints", id="submitted"),
        pytest.param({"status": "preprint", "venue": None}, "Preprints", id="no-venue"),
        pytest.param({"status": "submitted", "kind": "journal"}, "Journal papers", id="placed"),
        pytest.param({"kind": "workshop"}, "Workshop papers", id="workshop"),
        pytest.param({"kind": "thesis"}, "Theses", id="thesis"),
        pytest.param({"kind": "chapter"}, "Books and chapters", id="chapter"),
        pytest.param({"kind": "book"}, "Books and chapters", id="book"),
        pytest.param({"kind": "other"}, "Other", id="other"),
    ],
)
def test_each_publication_lands_in_its_group(fields, group):
    output = render([pub(**fields)], "text")
    assert output.startswith(f"{group}\n")


def test_newest_first_with_input_order_breaking_ties():
    publications = [
        pub("First of 2024", year=2024),
        pub("Undated", year=None),
        pub("May 2024", year=2024, month=5),
        pub("Of 2025", year=2025),
        pub("Second of 2024", year=2024),
        pub("Third of 2024", year=2024),
    ]
    output = render(publications, "text", ListOptions(group_by="none"))
    assert titles_in(output, publications) == [
        "Of 2025",
        "May 2024",
        "First of 2024",
        "Second of 2024",
        "Third of 2024",
        "Undated",
    ]


def test_custom_order_takes_titles_or_kinds_and_keeps_the_other_groups():
    options = ListOptions(order=["conference", "Journal Papers"])
    headings = re.findall(r"^## (.+)$", render(sample(), "markdown", options), re.MULTILINE)
    assert headings == ["Conference papers", "Journal papers", "Preprints"]


def test_unknown_group_in_order_is_a_usage_error():
    with pytest.raises(UsageError, match=r"unknown group 'Posters'.*Preprints"):
        render(sample(), "text", ListOptions(order=["Posters"]))


def test_group_by_year_puts_newest_year_first_and_undated_last():
    publications = [*sample(), pub("No year", year=None)]
    output = render(publications, "markdown", ListOptions(group_by="year"))
    headings = re.findall(r"^## (.+)$", output, re.MULTILINE)
    assert headings == ["2024", "2023", "2022", "2019", "Undated"]


def test_group_by_none_has_no_group_headings():
    output = render(sample(), "markdown", ListOptions(group_by="none", heading="Papers"))
    assert re.findall(r"^#+ (.+)$", output, re.MULTILINE) == ["Papers"]


@pytest.mark.parametrize(
    ("options", "message"),
    [
        pytest.param(ListOptions(group_by="venue"), "unknown grouping", id="group-by"),
        pytest.param(ListOptions(name_style="nick"), "unknown name style", id="name-style"),
    ],
)
def test_bad_options_are_usage_errors(options, message):
    with pytest.raises(UsageError, match=message):
        render(sample(), "text", options)


def test_unknown_format_is_a_usage_error():
    with pytest.raises(UsageError, match="unknown format 'docx'"):
        render(sample(), "docx")


@pytest.mark.parametrize("format", FORMATS)
def test_an_empty_list_renders(format):
    assert render([], format, ListOptions(heading="Publications"))


# Entry parts


@pytest.mark.parametrize(
    ("fields", "venue"),
    [
        pytest.param({"venue": "ICML"}, "ICML 2024.", id="venue-year"),
        pytest.param({"venue": "ICML 2024 ICL Workshop"}, "ICML 2024 ICL Workshop.", id="no-dup"),
        pytest.param({"status": "submitted", "venue": None}, "In submission, 2024.", id="sub"),
        pytest.param({"kind": "preprint", "venue": None}, "Preprint, 2024.", id="preprint"),
        pytest.param({"status": "accepted", "venue": "JMLR"}, "JMLR 2024 (to appear).", id="acc"),
    ],
)
def test_venue_and_year(fields, venue):
    assert venue in render([pub(**fields)], "text")


def test_notes_follow_the_venue():
    note = "Oral presentation (top 5%)"
    output = render([pub(note=note)], "text")
    assert "ICML 2024. Oral presentation (top 5%)." in visible(output)


def test_a_title_ending_in_a_question_mark_gets_no_period():
    output = render([pub("Can LLMs predict SGD?")], "text")
    assert "Can LLMs predict SGD? ICML 2024." in visible(output)


def test_links_to_arxiv_doi_and_pdf():
    publication = pub(
        arxiv_id="2410.19034",
        doi="10.5555/x(1)",
        pdf_url="https://example.org/paper.pdf",
        url="https://arxiv.org/abs/2410.19034",
    )
    output = render([publication], "markdown")
    assert "[arXiv:2410.19034](https://arxiv.org/abs/2410.19034)" in output
    assert "[doi:10.5555/x(1)](https://doi.org/10.5555/x%281%29)" in output
    assert "[PDF](https://example.org/paper.pdf)" in output
    assert "Web page" not in output  # the URL only repeats the arXiv link


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        pytest.param("https://a.org/x y(1)", "https://a.org/x%20y%281%29", id="space-parens"),
        pytest.param("https://a.org/<b>\"'", "https://a.org/%3Cb%3E%22%27", id="markup"),
        pytest.param("javascript:alert(1)", None, id="javascript"),
        pytest.param("JaVaScRiPt:alert(1)", None, id="javascript-case"),
        pytest.param("file:///etc/passwd", None, id="file"),
        pytest.param("data:text/html,<script>", None, id="data"),
    ],
)
def test_safe_url(url, expected):
    assert safe_url(url) == expected


def test_unsafe_urls_are_not_linked():
    output = render([pub(url="javascript:alert(1)", pdf_url="data:text/html,x")], "html")
    assert "javascript:" not in output
    assert "data:text" not in output


def test_highlight_marks_the_person_in_each_format():
    publication = pub(authors=[Author("C. Mohri"), Author("Jelassi, Samy")])
    options = ListOptions(highlight=author_matcher(["S. Jelassi"]))
    assert "C. Mohri, **Samy Jelassi**" in render([publication], "markdown", options)
    assert "C.\u00a0Mohri, <strong>Samy\u00a0Jelassi</strong>" in render(
        [publication], "html", options
    )
    assert r"C. Mohri, \textbf{Samy Jelassi}" in render([publication], "latex", options)
    assert "C. Mohri, Samy Jelassi." in render([publication], "text", options)


@pytest.mark.parametrize(
    ("author", "matches"),
    [
        pytest.param(Author("S. Jelassi"), True, id="initial"),
        pytest.param(Author("Jelassi, Samy"), True, id="family-first"),
        pytest.param(Author("Samy  Jelassi"), True, id="spaces"),
        pytest.param(Author("T. Jelassi"), False, id="other-initial"),
        pytest.param(Author("S. Jelassie"), False, id="other-family"),
        pytest.param(Author("Someone Else", person_id=7), True, id="person-id"),
    ],
)
def test_author_matcher(author, matches):
    assert author_matcher(["Samy Jelassi"], person_ids=[7])(author) is matches


def test_equal_contribution_marks_and_legend():
    publication = pub(
        authors=[
            Author("T. Pumir", equal_contribution=True),
            Author("S. Jelassi", equal_contribution=True),
            Author("N. Boumal"),
        ]
    )
    options = ListOptions(highlight=author_matcher(["S. Jelassi"]))
    markdown = render([publication], "markdown", options)
    assert r"T. Pumir\*, **S. Jelassi**\*, N. Boumal." in markdown
    assert markdown.rstrip().endswith(r"\* Equal contribution.")
    assert "T. Pumir*, S. Jelassi*, N. Boumal." in render([publication], "text")
    assert r"T. Pumir*, \textbf{S. Jelassi}*" in render([publication], "latex", options)
    html = render([publication], "html")
    assert 'T.\u00a0Pumir<abbr title="equal contribution">*</abbr>' in html
    assert "Equal contribution" in html


def test_no_legend_without_equal_contribution():
    for format in ("markdown", "html", "latex", "text"):
        assert "Equal contribution" not in render(sample(), format)


def test_numbering_continues_across_groups():
    options = ListOptions(numbered=True)
    markdown = render(sample(), "markdown", options)
    assert re.findall(r"^\\\[(\d+)\\\]", markdown, re.MULTILINE) == ["1", "2", "3", "4"]
    assert "## Conference papers\n\n\\[3\\] S. Jelassi. *Conference new*" in markdown
    text = render(sample(), "text", options)
    assert re.findall(r"^\[(\d+)\] ", text, re.MULTILINE) == ["1", "2", "3", "4"]
    latex = render(sample(), "latex", options)
    assert re.findall(r"\\item\[\{\[(\d+)\]\}\]", latex) == ["1", "2", "3", "4"]
    assert r"\begin{enumerate}" in latex
    html = render(sample(), "html", options)
    assert re.findall(r"<ol(?: start=\"(\d+)\")?>", html) == ["", "2", "3"]


def test_unnumbered_lists_use_bullets():
    assert "\\item{} S. Jelassi" in render(sample(), "latex")
    assert "<ul>" in render(sample(), "html")
    assert "- S. Jelassi." in render(sample(), "markdown")


NAMES = [Author("Jelassi, Samy", person_id=1), Author("Cedric Mohri"), Author("d'Ascoli, Stéphane")]
WRITTEN = "Samy Jelassi, Cedric Mohri, Stéphane d'Ascoli"


@pytest.mark.parametrize(
    ("style", "full_names", "expected"),
    [
        pytest.param("as-written", {}, WRITTEN, id="written"),
        pytest.param("initials", {}, "S. Jelassi, C. Mohri, S. d'Ascoli", id="initials"),
        pytest.param(
            "full", {1: "Samy Jelassi-Full"}, "Samy Jelassi-Full, Cedric Mohri, Stéphane d'Ascoli",
            id="full",
        ),
    ],
)  # fmt: skip
def test_name_styles(style, full_names, expected):
    options = ListOptions(name_style=style, full_names=full_names)
    assert f"{expected}. A title." in render([pub(authors=NAMES)], "text", options)


def test_heading_levels():
    options = ListOptions(heading="Samy Jelassi")
    assert render(sample(), "markdown", options).startswith("# Samy Jelassi\n\n## Preprints")
    latex = render(sample(), "latex", options)
    assert r"\section*{Samy Jelassi}" in latex
    assert r"\subsection*{Preprints}" in latex
    assert render(sample(), "text", options).startswith("Samy Jelassi\n============\n")


# Hostile data, format by format


def hostile_publication(text: str) -> Publication:
    return pub(
        text,
        authors=[Author(text), Author("S. Jelassi")],
        venue=f"Venue {text}",
        note=f"Note {text}",
        citekey="hostile",
    )


class PageReader(HTMLParser):
    """Tags, attributes and visible text of a page (style excluded)."""

    def __init__(self):
        super().__init__()
        self.tags: list[str] = []
        self.attributes: list[str] = []
        self.text: list[str] = []
        self._in_style = False

    def handle_starttag(self, tag, attrs):
        self.tags.append(tag)
        self.attributes += [name for name, _ in attrs]
        self._in_style = tag == "style"

    def handle_endtag(self, tag):
        self._in_style = False

    def handle_data(self, data):
        if not self._in_style:
            self.text.append(data)


PAGE_TAGS = {"html", "head", "meta", "title", "style", "body", "main", "h1", "h2", "section",
             "ol", "ul", "li", "span", "cite", "strong", "abbr", "a", "p"}  # fmt: skip


@pytest.mark.parametrize("text", HOSTILE)
def test_html_escapes_hostile_data(text):
    reader = PageReader()
    reader.feed(render([hostile_publication(text)], "html"))
    assert set(reader.tags) <= PAGE_TAGS
    assert not [name for name in reader.attributes if name.startswith("on")]
    shown = visible("".join(reader.text))
    expected = f"{clean(text)}, S. Jelassi. {clean(text)}. Venue {clean(text)} 2024. Note"
    assert expected in shown


@pytest.mark.parametrize("text", HOSTILE)
def test_markdown_escapes_hostile_data(text):
    escaped = markdown_escape(clean(text))
    assert not re.search(r"(?<!\\)[<>&*_\[\]`$@~^#|{}]", re.sub(r"\\.", "", escaped))
    assert re.sub(r"\\(.)", r"\1", escaped) == clean(text)
    assert f"- {escaped}, S. Jelassi. *{escaped}*" in render(
        [hostile_publication(text)], "markdown"
    )


@pytest.mark.parametrize("text", HOSTILE)
def test_latex_defuses_hostile_data(text):
    output = render([hostile_publication(text)], "latex")
    assert not re.search(r"(?<!\{\\textbackslash\})\\(input|write|immediate)\b", output)
    assert "^^" not in output
    assert "\x00" not in output and "\u200f" not in output


@pytest.mark.parametrize("text", HOSTILE)
def test_text_has_no_control_characters(text):
    output = render([hostile_publication(text)], "text")
    assert not [c for c in output if c != "\n" and unicodedata.category(c) in ("Cc", "Cf")]
    assert f"{clean(text)}, S. Jelassi. {clean(text)}." in visible(output)


@pytest.mark.parametrize("text", HOSTILE)
def test_json_keeps_the_records_whole(text):
    document = json.loads(render([hostile_publication(text)], "json"))
    [group] = document["groups"]
    [record] = group["publications"]
    assert group["title"] == "Conference papers"
    assert record["title"] == text
    assert record["authors"][0]["name"] == text


@pytest.mark.parametrize("text", HOSTILE)
def test_csl_json_items_carry_clean_text(text):
    [item] = json.loads(render([hostile_publication(text)], "csl-json"))
    assert item["title"] == clean(text)
    assert item["container-title"] == f"Venue {clean(text)}"


def test_csl_json_items():
    publications = [
        pub(
            "Repeat after me",
            citekey="jelassi2024repeat",
            authors=[Author("Jelassi, S."), Author("Y. Attia El Hili"), Author("OpenAI")],
            volume="3",
            number="2",
            pages="1--10",
            doi="10.1/x",
            month=7,
        ),
        pub("Mixture", kind="preprint", venue=None, arxiv_id="2410.19034", citekey="p"),
        pub("Thesis", kind="thesis", entry_type="phdthesis", venue="Princeton", citekey="P"),
        pub("Journal", kind="journal", venue="JMLR", note="Featured in Forbes"),
    ]
    items = json.loads(render(publications, "csl-json", ListOptions(group_by="none")))
    by_title = {item["title"]: item for item in items}
    conference = by_title["Repeat after me"]
    assert conference["type"] == "paper-conference"
    assert conference["author"] == [
        {"family": "Jelassi", "given": "S."},
        {"family": "Attia El Hili", "given": "Y."},
        {"literal": "OpenAI"},
    ]
    assert conference["issued"] == {"date-parts": [[2024, 7]]}
    assert (conference["container-title"], conference["volume"]) == ("ICML", "3")
    assert (conference["issue"], conference["page"], conference["DOI"]) == ("2", "1-10", "10.1/x")
    preprint = by_title["Mixture"]
    assert (preprint["type"], preprint["number"], preprint["publisher"]) == (
        "article",
        "2410.19034",
        "arXiv",
    )
    assert preprint["URL"] == "https://arxiv.org/abs/2410.19034"
    thesis = by_title["Thesis"]
    assert (thesis["type"], thesis["publisher"], thesis["genre"]) == (
        "thesis",
        "Princeton",
        "PhD thesis",
    )
    assert by_title["Journal"]["note"] == "Featured in Forbes"
    ids = [item["id"] for item in items]
    assert len({i.lower() for i in ids}) == len(ids) == 4


# The programs that read each format


@pytest.fixture
def chromium(tmp_path):
    binary = shutil.which("chromium")
    if binary is None:
        pytest.skip("chromium is not installed (apt-get install chromium)")

    def dump_dom(page: Path) -> str:
        result = run(
            binary, "--headless", "--no-sandbox", "--disable-gpu",
            "--disable-background-networking", "--disable-component-update", "--no-first-run",
            f"--user-data-dir={tmp_path / 'profile'}", "--dump-dom", page.as_uri(),
        )  # fmt: skip
        assert result.returncode == 0, result.stderr
        return result.stdout

    return dump_dom


TITLE_CHANGERS = [
    "<script>document.title='pwned'</script>",
    "<img src=x onerror=\"document.title='pwned'\">",
    "</cite></li></ol><script>document.title='pwned'</script>",
]


def test_chromium_shows_hostile_titles_as_text_and_runs_no_script(chromium, tmp_path):
    publications = [hostile_publication(text) for text in TITLE_CHANGERS]
    publications.append(pub("Plain & simple", kind="journal", venue="JMLR"))
    page = tmp_path / "list.html"
    page.write_text(render(publications, "html", ListOptions(heading="Samy Jelassi")))
    dom = chromium(page)
    reader = PageReader()
    reader.feed(dom)
    assert "<title>Samy Jelassi</title>" in dom
    assert "pwned</title>" not in dom
    assert "script" not in reader.tags and "img" not in reader.tags
    shown = visible("".join(reader.text))
    for text in TITLE_CHANGERS:
        assert text in shown
    assert "Plain & simple" in shown
    assert reader.tags.count("h2") == 2 and "main" in reader.tags


@pytest.fixture
def pdflatex(tmp_path):
    binary = shutil.which("pdflatex")
    if binary is None:
        pytest.skip("pdflatex is not installed (apt-get install texlive-latex-base)")

    def compile_body(body: str, preamble: str = "") -> tuple[int, str, str]:
        """Compile body in a minimal document; return code, log, and the files TeX read."""
        document = tmp_path / "cv.tex"
        document.write_text(
            f"\\documentclass{{article}}\n{preamble}\n\\begin{{document}}\n{body}\n"
            "\\end{document}\n"
        )
        result = run(
            binary, "-no-shell-escape", "-interaction=nonstopmode", "-halt-on-error",
            "-recorder", document.name, cwd=tmp_path,
        )  # fmt: skip
        log = (tmp_path / "cv.log").read_text(errors="replace")
        read = (tmp_path / "cv.fls").read_text(errors="replace")
        return result.returncode, log, read

    return compile_body


LATEX_HOSTILE = [
    r"\input{/etc/passwd}",
    r"\input{secret}",
    "^^5cinput{secret}",
    r"\immediate\write18{touch pwned}",
    r"\def\input{}",
    r"\catcode`\{=12",
    "100% & a_b # $ ~ ^ { } \\",
    "{ unbalanced",
    "before\x00after right\u200fto-left",
    "Boullé, Kégl, Ødegård, d’Ascoli",
    "Depth Dependence of $\\mu P$ Learning Rates",
]


@pytest.mark.parametrize("preamble", ["", r"\usepackage{hyperref}"], ids=["plain", "hyperref"])
def test_pdflatex_compiles_hostile_lists_without_reading_files(pdflatex, tmp_path, preamble):
    (tmp_path / "secret.tex").write_text("SECRET\n")
    publications = [hostile_publication(text) for text in LATEX_HOSTILE]
    publications[0].arxiv_id = "2410.19034"
    publications[0].url = "https://example.org/a b?x=1&y=2#top_1~u%7E"
    options = ListOptions(heading="Publications & 100%", numbered=True)
    body = render(publications, "latex", options)
    code, log, read = pdflatex(body, preamble)
    assert code == 0, log[-3000:]
    assert "/etc/passwd" not in read and "secret.tex" not in read
    assert not (tmp_path / "pwned").exists()


def test_pdflatex_check_would_see_an_input(pdflatex, tmp_path):
    (tmp_path / "secret.tex").write_text("SECRET\n")
    code, _, read = pdflatex(r"\input{secret}")
    assert code == 0 and "secret.tex" in read


@pytest.fixture
def pandoc(tmp_path):
    binary = shutil.which("pandoc")
    if binary is None:
        pytest.skip("pandoc is not installed (apt-get install pandoc)")

    def convert(text: str, *options: str) -> str:
        source = tmp_path / "input.txt"
        source.write_text(text)
        result = run(binary, *options, "-t", "plain", "--wrap=none", str(source), cwd=tmp_path)
        assert result.returncode == 0, result.stderr
        return result.stdout

    return convert


@pytest.mark.parametrize("reader", ["markdown-smart", "commonmark"])
def test_pandoc_reads_markdown_titles_back_as_text(pandoc, reader):
    texts = [p.values[0] for p in HOSTILE]
    publications = [pub(text, citekey=f"k{i}") for i, text in enumerate(texts)]
    shown = visible(pandoc(render(publications, "markdown"), "-f", reader))
    for text in texts:
        assert clean(text) in shown


def test_pandoc_citeproc_reads_the_csl_json(pandoc, tmp_path):
    texts = [p.values[0] for p in HOSTILE]
    publications = [*sample(), *(pub(text, citekey=f"h{i}") for i, text in enumerate(texts))]
    (tmp_path / "items.json").write_text(render(publications, "csl-json"))
    document = "---\nnocite: '@*'\n---\n"
    shown = visible(pandoc(document, "-f", "markdown", "--citeproc", "--bibliography=items.json"))
    assert "Jelassi" in shown
    for publication in publications:
        title = without_quotes(clean(publication.title)).casefold()
        assert title in without_quotes(shown).casefold()


# TeX math in titles


@pytest.mark.parametrize(
    ("title", "shown"),
    [
        pytest.param(
            r"Depth Dependence of $\mu P$ Learning Rates", "Depth Dependence of μP", id="mu-p"
        ),
        pytest.param(r"An $O(n \log n)$ algorithm", "An O(n log n) algorithm", id="log"),
        pytest.param(r"$\alpha$-divergences", "α-divergences", id="alpha"),
        pytest.param(r"Maps $\varphi\colon(0,1)\to[0,d]$", "Maps φ:(0,1)→[0,d]", id="colon"),
        pytest.param(
            r"Ratios $\varphi\Bigl(\fracλθ\Bigr)$", "Ratios φ(λ/θ)", id="frac-of-unicode-letters"
        ),
    ],
)
@pytest.mark.parametrize("fmt", ["markdown", "html", "text"])
def test_math_in_titles_is_shown_as_unicode(title, shown, fmt):
    rendered = render([pub(title)], fmt)
    words = visible(rendered) if fmt == "html" else rendered.replace("\\", "")
    assert shown in words


def test_latex_output_keeps_math_as_tex():
    assert r"$\mu P$" in render([pub(r"Depth Dependence of $\mu P$")], "latex")


# The seeds bibliography


def test_seeds_bib_parses_without_failed_blocks():
    import bibtexparser

    library = bibtexparser.parse_file(str(SEEDS_BIB))
    assert library.failed_blocks == []
    authors = [entry["author"] for entry in library.entries]
    assert sum("Jelassi, S." in a for a in authors) == 19
    assert sum("Zekri, O." in a for a in authors) == 4
    assert len(library.entries) == 23


def seeds() -> list[Publication]:
    from pubdb.bibtex.reader import parse_bibtex_file

    parsed = parse_bibtex_file(SEEDS_BIB)
    assert parsed.failures == [] and parsed.warnings == []
    return [entry.publication for entry in parsed.entries]


def of(person: str) -> list[Publication]:
    return [p for p in seeds() if any(a.family == person for a in p.authors)]


def test_seeds_bib_follows_the_cvs():
    jelassi = of("Jelassi")
    assert [p.kind for p in jelassi] == ["preprint"] * 5 + ["conference"] * 12 + ["journal"] * 2
    assert [p.status for p in jelassi[:5]] == ["submitted"] * 3 + ["preprint"] * 2
    assert all(p.arxiv_id for p in jelassi)
    zekri = of("Zekri")
    assert [p.kind for p in zekri] == ["preprint", "preprint", "conference", "workshop"]
    assert [p.arxiv_id for p in zekri] == ["2502.01384", "2410.02724", None, None]
    assert [p.note for p in zekri] == [None, "Featured in Forbes", None, "Top 10% submitted paper"]


def test_seeds_bib_equal_contributions_and_notes():
    by_key = {p.citekey: p for p in seeds()}
    hou = [a.equal_contribution for a in by_key["hou2024universal"].authors]
    assert hou == [False, False, False, True, True]
    pumir = [a.equal_contribution for a in by_key["pumir2018smoothed"].authors]
    assert pumir == [True, True, False]
    assert by_key["jelassi2022momentum"].note == (
        'Oral presentation (top 5%) at "Overparameterization: Pitfalls & Opportunities" '
        "workshop, ICML 2021"
    )


def test_seeds_render_as_the_cv_lists_them():
    options = ListOptions(highlight=author_matcher(["Oussama Zekri"]), numbered=True)
    output = render(of("Zekri"), "markdown", options)
    assert re.findall(r"^## (.+)$", output, re.MULTILINE) == [
        "Preprints",
        "Conference papers",
        "Workshop papers",
    ]
    assert (
        r"\[4\] **O. Zekri**, A. Benechehab, I. Redko. *Can LLMs predict the convergence of "
        "Stochastic Gradient Descent?* ICML 2024 ICL Workshop. Top 10% submitted paper."
    ) in output


def test_seeds_bib_runs_through_bibtex(tmp_path):
    if shutil.which("bibtex") is None:
        pytest.skip("bibtex is not installed (apt-get install texlive-binaries)")
    shutil.copy(SEEDS_BIB, tmp_path / "seeds.bib")
    (tmp_path / "cv.aux").write_text(
        "\\relax\n\\citation{*}\n\\bibstyle{plain}\n\\bibdata{seeds}\n"
    )
    result = run("bibtex", "cv", cwd=tmp_path)
    assert result.returncode == 0, result.stdout
    assert "Warning" not in result.stdout
    assert (tmp_path / "cv.bbl").read_text().count("\\bibitem") == 23
