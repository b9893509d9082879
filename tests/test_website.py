"""Lists that go onto a CV and a website: notes with their emphasis in every format,
links, the selected flag, the HTML fragment (opened in headless Chromium), HugoBlox
pages (built by Hugo when installed) and al-folio's BibTeX fields."""

from __future__ import annotations

import re
import shutil
import subprocess
from html.parser import HTMLParser
from pathlib import Path

import pytest
import yaml

from pubdb.library import Library
from pubdb.models import Author, Publication
from pubdb.render import ListOptions, render
from pubdb.render.emphasis import EM, STRONG, Span, spans

SEEDS_BIB = Path(__file__).resolve().parents[1] / "bib" / "seeds.bib"


@pytest.mark.parametrize(
    ("tex", "expected"),
    [
        pytest.param("Featured in \\emph{Forbes}", [("Featured in ", ()), ("Forbes", (EM,))],
                     id="emph"),
        pytest.param("\\textbf{Oral (top 5\\%)} at NeurIPS",
                     [("Oral (top 5%)", (STRONG,)), (" at NeurIPS", ())], id="textbf"),
        pytest.param("{\\em Best paper} award", [("Best paper", (EM,)), (" award", ())],
                     id="em-group"),
        pytest.param("{\\bf Oral, \\emph{invited}} talk",
                     [("Oral, ", (STRONG,)), ("invited", (EM, STRONG)), (" talk", ())],
                     id="nested"),
        pytest.param("\\textit{Na\\\"{\\i}ve} Bayes", [("Naïve", (EM,)), (" Bayes", ())],
                     id="accent-inside"),
        pytest.param("top 10% paper", [("top 10% paper", ())], id="typed-percent"),
        pytest.param("Plain {Text} with $\\mu$", [("Plain Text with $\\mu$", ())], id="math"),
        pytest.param("\\emph{unclosed", [("unclosed", (EM,))], id="unbalanced"),
    ],
)  # fmt: skip
def test_emphasis_spans(tex, expected):
    assert spans(tex) == tuple(Span(text, frozenset(styles)) for text, styles in expected)


def noted(note: str, **fields) -> Publication:
    fields.setdefault("authors", [Author("O. Zekri")])
    return Publication(
        citekey="zekri2024markov", title="Large Language Models as Markov Chains", year=2024,
        kind="preprint", status="submitted", latex={"note": note}, note="(decoded)",
        arxiv_id="2410.02724", **fields,
    )  # fmt: skip


@pytest.mark.parametrize(
    ("format_name", "shown"),
    [
        ("markdown", "Featured in *Forbes*. **Oral (top 5%)**."),
        ("html", "Featured in <em>Forbes</em>. <strong>Oral (top 5%)</strong></span>."),
        ("latex", r"Featured in \emph{Forbes}. \textbf{Oral (top 5\%)}."),
        ("text", "Featured in Forbes. Oral (top 5%)."),
    ],
)
def test_a_notes_emphasis_in_each_format(format_name, shown):
    publication = noted("Featured in \\emph{Forbes}. \\textbf{Oral (top 5\\%)}")
    output = render([publication], format_name)
    assert shown in " ".join(output.split())
    assert "\\emph" not in output or format_name == "latex"
    assert "textbf" not in output.replace("\\textbf{Oral", "") or format_name != "latex"


def test_a_note_typed_with_tex_shows_its_emphasis_and_no_backslash(run):
    run("import", str(SEEDS_BIB))
    result = run("edit", "zekri2025finetuning", "--set", "note=\\textbf{Spotlight} (top 3%)")
    assert result.exit_code == 0, result.stderr
    markdown = run("export", "--format", "markdown", "--author", "Oussama Zekri").stdout
    assert "**Spotlight** (top 3%)." in markdown and "textbf" not in markdown
    html = run("export", "--format", "html", "--author", "Oussama Zekri").stdout
    assert "<strong>Spotlight</strong> (top 3%)" in html and "textbf" not in html


def test_both_seed_cvs_come_out_with_their_emphasis(run):
    run("import", str(SEEDS_BIB))
    zekri = run("export", "--format", "markdown", "--author", "Oussama Zekri").stdout
    assert "Featured in *Forbes*." in zekri
    jelassi = run("export", "--format", "markdown", "--author", "Samy Jelassi").stdout
    assert jelassi.count("**Oral presentation (top") == 3
    assert "**Oral presentation (top 10%)** at the “Mathematics of modern" in jelassi
    html = run("export", "--format", "html", "--author", "Oussama Zekri").stdout
    assert "Featured in <em>Forbes</em>" in html
    latex = run("export", "--format", "latex", "--author", "Samy Jelassi").stdout
    assert r"\textbf{Oral presentation (top 3\%)}" in latex


def test_links_pdf_on_https_and_fields_people_add():
    publication = noted(
        "x", pdf_url="http://arxiv.org/pdf/2410.02724v1", doi="10.1000/xyz",
        fields={"code": "https://github.com/o/markov", "slides": "https://s.org/a.pdf",
                "video": "https://youtu.be/x", "poster": "https://p.org/p.pdf",
                "project": "https://markov.github.io", "preview": "x.png"},
    )  # fmt: skip
    markdown = render([publication], "markdown")
    labels = re.findall(r"\[([^\]]+)\]\((https://[^)]+)\)", markdown)
    assert [label for label, _ in labels] == [
        "arXiv:2410.02724", "doi:10.1000/xyz", "PDF", "Code", "Slides", "Video", "Poster",
        "Project page",
    ]  # fmt: skip
    assert ("PDF", "https://arxiv.org/pdf/2410.02724v1") in labels
    assert "http://" not in markdown


def test_selected_flag_filters_every_export(run, tmp_path):
    run("import", str(SEEDS_BIB))
    assert run("edit", "zekri2024markov", "--set", "selected=true").exit_code == 0
    assert run("edit", "jelassi2022momentum", "--set", "selected=yes").exit_code == 0
    markdown = run("export", "--format", "markdown", "--selected").stdout
    assert markdown.count("\n- ") == 2 and "Markov Chains" in markdown
    bibtex = run("export", "--bibtex", "--selected").stdout
    assert bibtex.count("@") == 2 and "selected = {true}" in bibtex
    style = run("export", "--style", "ieee", "--selected").stdout
    assert len(style.splitlines()) == 2


class Page(HTMLParser):
    def __init__(self):
        super().__init__()
        self.tags: list[str] = []
        self.text: list[str] = []

    def handle_starttag(self, tag, attrs):
        self.tags.append(tag)

    def handle_data(self, data):
        self.text.append(data)


def test_fragment_has_no_page_around_it(run):
    run("import", str(SEEDS_BIB))
    fragment = run("export", "--format", "html", "--fragment", "--author", "Zekri").stdout
    assert fragment.startswith('<div class="publications">\n') and fragment.endswith("</div>\n")
    for absent in ("<html", "<head", "<style", "<title", "<h1", "<body", "<!doctype"):
        assert absent not in fragment
    assert "O.\u00a0Zekri" in fragment and "Y.\u00a0Attia\u00a0El\u00a0Hili" in fragment
    page = run("export", "--format", "html", "--author", "Zekri").stdout
    assert page.startswith("<!doctype html>") and fragment.strip().splitlines()[1] in page


def test_fragment_rendered_in_headless_chromium(run, tmp_path):
    binary = shutil.which("chromium")
    if binary is None:
        pytest.skip("chromium is not installed (apt-get install chromium)")
    run("import", str(SEEDS_BIB))
    fragment = run("export", "--format", "html", "--fragment", "--author", "Zekri").stdout
    page = tmp_path / "site.html"  # as a Jekyll or Hugo page includes it
    page.write_text(
        "<!doctype html><html><head><meta charset='utf-8'><title>Site</title>"
        "<style>body{width:22em}</style></head><body><h1>My site</h1>"
        f"{fragment}</body></html>",
        encoding="utf-8",
    )
    result = subprocess.run(
        [binary, "--headless", "--no-sandbox", "--disable-gpu",
         "--disable-background-networking", "--disable-component-update", "--disable-sync",
         "--no-first-run", f"--user-data-dir={tmp_path / 'profile'}", "--dump-dom",
         page.as_uri()],
        capture_output=True, text=True, timeout=120,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    reader = Page()
    reader.feed(result.stdout)
    shown = " ".join("".join(reader.text).split())
    assert reader.tags.count("h1") == 1 and reader.tags.count("h2") == 3
    assert reader.tags.count("li") == 4 and "em" in reader.tags
    assert "Featured in Forbes." in shown and "O.&nbsp;Zekri" in result.stdout


def test_hugo_pages_hold_the_themes_fields(run, tmp_path):
    run("import", str(SEEDS_BIB))
    run("edit", "zekri2024markov", "--set", "selected=true",
        "--set", "code=https://github.com/o/markov")  # fmt: skip
    result = run("export", "--format", "hugo", "--author", "Oussama Zekri",
                 "-o", str(tmp_path / "publications"))  # fmt: skip
    assert result.exit_code == 0, result.stderr
    assert "wrote 4 publication pages" in result.stderr
    folder = tmp_path / "publications" / "zekri2024markov"
    text = (folder / "index.md").read_text(encoding="utf-8")
    front, body = text.split("---\n")[1], text.split("---\n", 2)[2]
    data = yaml.safe_load(front)
    assert data["title"] == "Large Language Models as Markov Chains"
    assert data["authors"][0] == "O. Zekri" and len(data["authors"]) == 6
    assert data["date"] == "2024-01-01T00:00:00Z"
    assert data["publication_types"] == ["article"] and data["publication"] == "In submission"
    assert data["featured"] is True
    assert data["hugoblox"] == {"ids": {"arxiv": "2410.02724"}}
    assert data["links"] == [{"type": "code", "url": "https://github.com/o/markov"}]
    assert body.strip() == "Featured in *Forbes*"
    cite = (folder / "cite.bib").read_text(encoding="utf-8")
    assert cite.startswith("@misc{zekri2024markov,") and "eprint = {2410.02724}" in cite
    conference = yaml.safe_load(
        (tmp_path / "publications" / "benechehab2025zeroshot" / "index.md")
        .read_text(encoding="utf-8").split("---\n")[1]
    )  # fmt: skip
    assert conference["publication_types"] == ["paper-conference"]
    assert conference["publication"] == "*ICLR*" and conference["publication_short"] == "ICLR"
    assert conference["featured"] is False


def test_hugo_front_matter_keeps_hostile_text_as_one_value(tmp_path):
    title = 'A "title"\n---\nlayout: evil\ntitle: x # not a comment'
    publication = Publication(citekey="../../etc/x", title=title, year=2020,
                              authors=[Author("O'Brien: \"Q\"")])  # fmt: skip
    library = tmp_path / "h.db"
    from pubdb.papers.website import write_hugo_pages

    count = write_hugo_pages([publication], tmp_path / "out", ListOptions())
    assert count == 1 and library.exists() is False
    (page,) = (tmp_path / "out").iterdir()
    assert page.name == "etc-x"
    data = yaml.safe_load((page / "index.md").read_text(encoding="utf-8").split("---\n")[1])
    assert data["title"] == " ".join(title.split()) and "layout" not in data
    assert data["authors"] == ['O\'Brien: "Q"']


def test_hugo_builds_the_pages(run, tmp_path):
    """Hugo reads the front matter as the HugoBlox publication layout does (the theme
    itself needs Hugo modules from the network: a small layout reads the same keys)."""
    hugo = shutil.which("hugo")
    if hugo is None:
        pytest.skip("hugo is not installed (apt-get install hugo)")
    run("import", str(SEEDS_BIB))
    site = tmp_path / "site"
    (site / "layouts" / "_default").mkdir(parents=True)
    (site / "config.toml").write_text('baseURL = "https://example.org/"\ntitle = "t"\n')
    (site / "layouts" / "_default" / "single.html").write_text(
        '<h1>{{ .Title }}</h1><p class=authors>{{ delimit .Params.authors ", " }}</p>'
        "<p class=type>{{ index .Params.publication_types 0 }}</p>"
        "<p class=venue>{{ .Params.publication | markdownify }}</p>"
        "<p class=arxiv>{{ .Params.hugoblox.ids.arxiv }}</p>"
        '{{ range .Params.links }}<a class={{ .type }} href="{{ .url }}">{{ .type }}</a>{{ end }}'
        "<div class=body>{{ .Content }}</div>"
        '{{ with .Resources.GetMatch "cite.bib" }}<a class=cite href="{{ .RelPermalink }}">'
        "Cite</a>{{ end }}",
        encoding="utf-8",
    )
    (site / "layouts" / "_default" / "list.html").write_text("{{ range .Pages }}{{ end }}")
    (site / "content").mkdir()
    result = run("export", "--format", "hugo", "--author", "Samy Jelassi",
                 "-o", str(site / "content" / "publications"))  # fmt: skip
    assert result.exit_code == 0, result.stderr
    built = subprocess.run([hugo, "--source", str(site), "--quiet"], capture_output=True,
                           text=True, timeout=120)  # fmt: skip
    assert built.returncode == 0, built.stderr
    page = (site / "public" / "publications" / "pumir2018smoothed" / "index.html").read_text()
    assert (
        "<h1>Smoothed analysis of low-rank approach for smooth semidefinite programs</h1>" in page
    )
    assert "<strong>Oral presentation (top 3%)</strong>" in page
    assert "<em>Conference on Neural Information Processing Systems (NeurIPS)</em>" in page
    assert "<p class=arxiv>1806.03763</p>" in page and "class=cite" in page
    assert (site / "public" / "publications" / "pumir2018smoothed" / "cite.bib").exists()


def test_al_folio_fields_in_bibtex(run):
    run("import", str(SEEDS_BIB))
    run("edit", "jelassi2024repeat", "--set", "selected=true",
        "--set", "code=https://github.com/x/repeat", "--set", "preview=repeat.png")  # fmt: skip
    bibtex = run("export", "--bibtex", "--al-folio", "--author", "Samy Jelassi").stdout
    entry = bibtex.split("@inproceedings{jelassi2024repeat,")[1].split("\n}")[0]
    for field in ("selected = {true}", "code = {https://github.com/x/repeat}",
                  "preview = {repeat.png}", "arxiv = {2402.01032}", "abbr = {ICML}"):  # fmt: skip
        assert field in entry
    plain = run("export", "--bibtex", "--author", "Samy Jelassi").stdout
    assert "arxiv = {" not in plain and "abbr = {" not in plain
    assert "selected = {true}" in plain  # a field the record has always comes out


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--format", "markdown", "--fragment"], "--fragment is for --format html"),
        (["--format", "hugo"], "--format hugo writes a folder"),
        (["--format", "html", "--al-folio"], "--al-folio is for BibTeX"),
    ],
)
def test_options_for_another_format_are_usage_errors(run, args, message):
    result = run("export", *args)
    assert result.exit_code == 2 and message in result.stderr


def test_lists_stream_in_the_order_memory_sorting_gives(tmp_path):
    """The store's SQL order (section, year, month, entry order) gives what sorting the
    same records in memory gives, for every grouping."""
    with Library(tmp_path / "l.db") as library:
        library.import_bibtex([SEEDS_BIB])
        library.edit("zekri2024convergence", [("month", "7")])
        library.edit("pari2024collective", [("status", "preprint")])
        records = list(library.publications(order_by="id"))
        for group_by in ("kind", "year", "none"):
            for order in (None, ["journal", "preprint"]):
                options = {"group_by": group_by, "order": order}
                streamed = library.render_list("markdown", **options)
                assert streamed == render(records, "markdown", ListOptions(**options))


def test_readme_shows_the_hugo_page_the_command_writes(run, tmp_path):
    readme = (Path(__file__).resolve().parents[1] / "README.md").read_text(encoding="utf-8")
    section = readme.split("## Lists for websites", 1)[1].split("\n## ", 1)[0]
    shown = re.search(r"```yaml\n(.*?)```", section, re.DOTALL)[1]
    run("import", str(SEEDS_BIB))
    run("edit", "jelassi2024repeat", "--set", "selected=true",
        "--set", "code=https://github.com/example/repeat-after-me")  # fmt: skip
    run("edit", "pumir2018smoothed", "--set", "selected=true")
    folder = tmp_path / "site" / "content" / "publications"
    folder.parent.mkdir(parents=True)  # a Hugo site's content folder
    result = run("export", "--format", "hugo", "--author", "Samy Jelassi", "-o", str(folder))
    assert result.exit_code == 0, result.stderr
    written = (folder / "pumir2018smoothed" / "index.md").read_text(encoding="utf-8")
    assert written == shown
