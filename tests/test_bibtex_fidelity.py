"""A researcher's BibTeX comes back as they wrote it: files read as BibTeX and biber
read them (the pre-pass), unknown macros kept and only what acts outside the document
defused, @string and @preamble blocks stored and written back, values as written,
expansion bounded, and what would stop bibtex or biber mended with a warning."""

from __future__ import annotations

import gzip
import os
import re
import shutil
import subprocess
import time
from pathlib import Path

import bibtexparser
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from pubdb.bibtex.prepass import parse_blocks, prepass, restore_type
from pubdb.bibtex.reader import parse_bibtex
from pubdb.library import Library
from pubdb.tex.defuse import defuse_source, denied_commands, preamble_part


def write(name: str, text: str) -> str:
    Path(name).write_text(text, encoding="utf-8")
    return name


def export(run, *args: str) -> str:
    """The export, which is the same when written (first) and read from the cache."""
    result = run("export", "--bibtex", *args)
    assert result.exit_code == 0, result.stderr
    again = run("export", "--bibtex", *args)
    assert again.stdout == result.stdout, "the cached export differs"
    return result.stdout


def imported(run, *names: str):
    result = run("import", *names)
    assert result.exit_code == 0, result.stderr
    return result


def fields_of(text: str) -> dict[str, dict[str, str]]:
    """key -> {field: value expression as written}."""
    library = bibtexparser.parse_string(text, parse_stack=[])
    assert not library.failed_blocks, [b.error for b in library.failed_blocks]
    return {e.key: {f.key.lower(): f.value for f in e.fields} for e in library.entries}


def stored(key: str):
    with Library() as library:
        return library.get(key)


# -- the pre-pass: bibtexparser reads what BibTeX and biber read ---------------------------

PREPASS_CASES = [
    pytest.param(
        '@book{k,\n  editor = "A and {Stadtb"ucherei N}",\n  title = "T",\n  year = "2004",\n}\n',
        {"k": ["editor", "title", "year"]},
        id="quote-inside-braces-in-a-quoted-value",
    ),
    pytest.param(
        "@commentary{k, title = {T}}\n@COMMENTED{j, title = {U}}\n",
        {"k": ["title"], "j": ["title"]},
        id="types-that-start-like-comment",
    ),
    pytest.param(
        "@article{k,\n  title = {T},\n  % note = {dropped},\n  year = 2004,\n}\n",
        {"k": ["title", "year"]},
        id="percent-comment-inside-an-entry",
    ),
    pytest.param(
        "%@article{a, title = {x}}\n@article{b, title = {y}}\n",
        {"b": ["title"]},
        id="entry-commented-out-with-percent",
    ),
    pytest.param(
        "@comment{ old: @article{k, title = {In}} }\n@article{m, title = {Out}}\n",
        {"k": ["title"], "m": ["title"]},
        id="entry-inside-comment",
    ),
    pytest.param(
        "@incollection\n(\n    k, title = {T})\n@ article{j, title = {U}}\n",
        {"k": ["title"], "j": ["title"]},
        id="white-space-in-the-header",
    ),
]


@pytest.mark.parametrize(("text", "expected"), PREPASS_CASES)
def test_prepass_reads_entries_as_bibtex_and_biber_do(text, expected):
    rewritten = prepass(text).text
    assert rewritten.count("\n") == text.count("\n")  # every line where it was
    assert prepass(rewritten).text == rewritten
    library = parse_blocks(rewritten)
    assert {e.key: [f.key for f in e.fields] for e in library.entries} == expected


def test_renamed_entry_types_are_given_back():
    library = parse_blocks(prepass("@commentary{k, title = {T}}\n").text)
    assert [restore_type(e.entry_type) for e in library.entries] == ["commentary"]


def test_line_numbers_stay_right_after_a_backslash_at_a_line_end():
    text = "@article{a,\n  title = {one\\\\\n two},\n}\n@article{b, title = {x}}\n"
    assert parse_blocks(text).entries[1].start_line == 3  # bibtexparser alone: one short
    assert parse_blocks(prepass(text).text).entries[1].start_line == 4


def test_ordinary_text_takes_the_fast_path_unchanged():
    text = (
        '@string{j = "J"}\n@preamble{"\\newcommand{\\noopsort}[1]{}"}\n'
        '@article{k, author = "A. {\\"U}ber and B. B", title = {{T}he $x$}, '
        'journal = j # " x", year = 1999, url = {http://x/@y}}\n'
    )
    result = prepass(text)
    assert result.text == text and not result.warnings and not result.fixes


def test_percent_comment_is_read_as_biber_with_a_warning_naming_the_line(run):
    bib = "@article{k,\n  title = {T},\n  % note = {old},\n  year = 2004,\n}\n"
    result = imported(run, write("c.bib", bib))
    assert "c.bib:3: entry k: '%' is no comment inside an entry" in result.stderr
    assert stored("k").year == 2004


def test_entry_bibtexparser_would_cut_short_comes_in_whole(run):
    bib = (
        '@book{tschichold,\n  title = "{Die Neue Typographie}",\n'
        '  subtitle = "{Ein Handbuch f{\\"u}r zeitgem{"a}{\\ss} Schaffende}",\n'
        '  year = "1991",\n  pages = "240",\n}\n'
    )
    imported(run, write("t.bib", bib))
    record = stored("tschichold")
    assert record.year == 1991 and record.pages == "240"
    assert fields_of(export(run))["tschichold"]["subtitle"].endswith("Schaffende}}")


# -- real files (TeX Live's texlive-bibtex-extra) -------------------------------------------


def realbib(relative: str) -> Path:
    """A file under $PUBDB_REALBIB (TeX Live's bibtex/bib folder), or under the same
    package's documentation (usr/share/doc beside usr/share/texlive)."""
    root = Path(os.environ.get("PUBDB_REALBIB") or "/nonexistent/x/y/z/w")
    for base in (root, root.parents[3] / "doc"):
        if (base / relative).is_file():
            return base / relative
    pytest.skip(f"{relative} not found: set PUBDB_REALBIB (see tests/test_realbib_sweep.py)")


def read_real(path: Path) -> str:
    data = path.read_bytes()
    return (gzip.decompress(data) if path.name.endswith(".gz") else data).decode("utf-8")


@pytest.mark.parametrize(
    ("relative", "key", "fields"),
    [
        pytest.param(
            "beebe/texbook1.bib",
            "Tschichold:NT91",
            {"subtitle", "publisher", "history", "pages", "price", "bibdate"},
            id="quote-inside-braces",
        ),
        pytest.param("jurabib/comment.bib", "palandt", {"title"}, id="commented-type"),
        pytest.param(
            "texlive-doc/latex/bibtopic/articles.bib",
            "RouxSmart:95",
            {"title", "author"},
            id="line-break-in-header",
        ),
    ],
)
def test_real_entries_bibtexparser_misreads_are_read_whole(relative, key, fields):
    path = realbib(relative)
    parsed = parse_bibtex(read_real(path), str(path))
    entry = next(e for e in parsed.entries if e.key == key)
    assert fields <= {*entry.publication.fields, *entry.publication.latex, "pages", "title"}
    assert not any(f"{key}:" in str(failure) for failure in parsed.failures)


def test_real_file_with_percent_comments_in_entries_reads_every_entry():
    path = realbib("texlive-doc/latex/biblatex-abnt/NBR6023-2002.bib.gz")
    parsed = parse_bibtex(read_real(path), str(path))
    assert parsed.failures == []  # 35 entries failed before the pre-pass
    assert any("'%' is no comment" in w.message for w in parsed.warnings)


# -- defusing: a denylist -------------------------------------------------------------------


@pytest.mark.parametrize(
    "tex",
    [
        pytest.param(r"{\AMSTeX} Panel Discussion", id="AMSTeX"),
        pytest.param(r"Knuth\Dash and \emdash", id="dashes"),
        pytest.param(r"\mkbibquote{Quoted} \enquote{x} \NoCaseChange{DNA}", id="biblatex"),
        pytest.param(r"\path{/usr/share} and \url{https://ctan.org}", id="path-url"),
        pytest.param(r"\SI{3}{\metre} \ce{H2O} $\bm{x} \mathds{R} {\cal I}$", id="packages"),
        pytest.param(r"\foreignlanguage{german}{Gr\"u\ss e} \acro{CD}", id="language"),
    ],
)
def test_unknown_macros_are_kept(tex):
    assert defuse_source(tex) == tex
    assert denied_commands(tex) == ()


@pytest.mark.parametrize(
    ("tex", "command"),
    [
        pytest.param(r"\input{/etc/passwd}", r"\input", id="input"),
        pytest.param(r"\immediate\write18{id}", r"\immediate", id="write18"),
        pytest.param(r"\openout1=x", r"\openout", id="openout"),
        pytest.param(r"\directlua{os.exit()}", r"\directlua", id="directlua"),
        pytest.param(r"{\catcode`\@=11 \@@input x}", r"\catcode", id="catcode"),
        pytest.param(r"\csname input\endcsname", r"\csname", id="csname"),
        pytest.param(r"\def\x{y}", r"\def", id="definition"),
        pytest.param(r"\scantokens{x}", r"\scantokens", id="scantokens"),
        pytest.param("^^5cinput", "^^", id="caret-notation"),
        pytest.param(r"\begin{filecontents}{x}", r"\begin{filecontents}", id="environment"),
        pytest.param(r"\href{run:calc}{x}", "a run: link", id="launch-link"),
    ],
)
def test_what_acts_outside_the_document_is_printed_as_text(tex, command):
    assert command in denied_commands(tex)
    defused = defuse_source(tex)
    assert denied_commands(defused) == ()
    assert defuse_source(defused) == defused


@settings(max_examples=400, deadline=None)
@given(
    st.lists(
        st.sampled_from(
            [
                "\\",
                "input",
                "@",
                "^",
                "{",
                "}",
                "begin",
                "filecontents",
                "href",
                "run:",
                "csname",
                "x",
                " ",
                "5c",
                "\\\\",
                "def",
                "Input",
            ]
        ),
        max_size=12,
    ).map("".join)
)
def test_the_quick_check_never_misses_a_denied_command(tex):
    from pubdb.tex.defuse import _SUSPECT, scan_denied

    assert not scan_denied(tex) or _SUSPECT.search(tex)
    assert denied_commands(tex) == scan_denied(tex)


def test_preamble_allows_definitions_but_no_file_access():
    assert preamble_part(r'"\newcommand{\noopsort}[1]{} \def\x{y} \let\k=\c"') == ()
    assert preamble_part(r'"\input bibnames.sty "') == (r"\input",)
    assert preamble_part(r'"\def\x{\input secret}"') == (r"\input",)


def test_import_warns_naming_entry_field_and_command(run):
    bib = "@misc{evil,\n  title = {\\input{/etc/passwd} \\AMSTeX},\n}\n"
    result = imported(run, write("e.bib", bib))
    assert "e.bib:1: evil: title holds \\input (reads a file): exported as text" in result.stderr
    title = fields_of(export(run))["evil"]["title"]
    assert title == r"{{\textbackslash}input{/etc/passwd} \AMSTeX}"


# -- @string and @preamble ------------------------------------------------------------------

ABBREVIATED = r"""
@preamble{ "\newcommand{\noopsort}[1]{} " # "\input secret.sty " }
@string{jasa = "Journal of the Acoustical Society of America"}
@string{ieee = "IEEE"}
@string{tpami = ieee # " Transactions on Pattern Analysis"}

@article{a,
  author = {Doe, Jane},
  title = {First},
  journal = jasa,
  year = {{\noopsort{a}}2001},
  month = jan # "~15",
}

@article{b,
  author = {Roe, Rich},
  title = {Second},
  journal = tpami # " (special issue)",
  year = 2002,
}
"""


def test_strings_and_preambles_are_written_back_before_the_entries(run):
    result = imported(run, write("abbr.bib", ABBREVIATED))
    assert "abbr.bib:2: @preamble part" in result.stderr and "\\input" in result.stderr
    text = export(run)
    assert text.startswith('@preamble{ "\\newcommand{\\noopsort}[1]{} " }\n\n@string{')
    assert "secret.sty" not in text
    assert "@string{jasa = {Journal of the Acoustical Society of America}}" in text
    assert "@string{tpami = {IEEE Transactions on Pattern Analysis}}" in text
    assert "@string{ieee" not in text  # no entry uses it
    entries = fields_of(text)
    assert entries["a"]["journal"] == "jasa"
    assert entries["a"]["month"] == 'jan # "~15"'
    assert entries["b"]["journal"] == 'tpami # " (special issue)"'
    assert stored("a").journal == "Journal of the Acoustical Society of America"


def test_a_preamble_over_several_lines_comes_back_whole(run):
    """tugboat.bib's \\hyphenation{...} preamble spans six lines."""
    preamble = '"\\hyphenation{\n    Jac-kow-ski\n    Mik-la-vec\n}"'
    imported(run, write("h.bib", f"@preamble{{{preamble}}}\n@misc{{m, title = {{T}}}}\n"))
    assert export(run).startswith(f"@preamble{{ {preamble} }}")


def test_expand_strings_writes_plain_values(run):
    imported(run, write("abbr.bib", ABBREVIATED))
    text = export(run, "--expand-strings")
    assert "@string" not in text and "@preamble" in text
    entries = fields_of(text)
    assert entries["a"]["journal"] == "{Journal of the Acoustical Society of America}"
    assert entries["b"]["journal"] == "{IEEE Transactions on Pattern Analysis (special issue)}"


def test_a_macro_the_file_does_not_define_stays_a_reference(run):
    bib = "@article{p,\n  author = {Doe, J.},\n  title = {T},\n  journal = IEEE_M_PCOM,\n}\n"
    result = imported(run, write("p.bib", bib))
    assert "undefined @string 'IEEE_M_PCOM' in journal" in result.stderr
    text = export(run)
    assert fields_of(text)["p"]["journal"] == "IEEE_M_PCOM"
    assert "@string" not in text


ABBREVIATIONS = '@string{IEEE_M_PCOM = "{IEEE} Personal Communications Magazine"}\n'
USING = "@article{p,\n  author = {Doe, J.},\n  title = {T},\n  journal = IEEE_M_PCOM,\n}\n"


@pytest.mark.parametrize("together", [True, False], ids=["one-import", "abbreviations-first"])
def test_a_macro_from_another_file_resolves_as_bibtex_resolves_it(run, together):
    names = [write("IEEEabrv.bib", ABBREVIATIONS), write("paper.bib", USING)]
    if together:
        result = imported(run, *names)
    else:
        imported(run, names[0])
        result = imported(run, names[1])
    assert "undefined" not in result.stderr
    assert stored("p").journal == "IEEE Personal Communications Magazine"
    text = export(run)
    assert fields_of(text)["p"]["journal"] == "IEEE_M_PCOM"
    assert "@string{IEEE_M_PCOM = {{IEEE} Personal Communications Magazine}}" in text


def test_abbreviations_imported_after_the_paper_are_written_for_its_reference(run):
    imported(run, write("paper.bib", USING))
    imported(run, write("IEEEabrv.bib", ABBREVIATIONS))
    text = export(run)
    assert fields_of(text)["p"]["journal"] == "IEEE_M_PCOM"
    assert "@string{IEEE_M_PCOM =" in text


def test_a_macro_defined_two_ways_is_written_as_text_where_it_would_mislead(run):
    imported(
        run, write("one.bib", '@string{j = "First Journal"}\n' + USING.replace("IEEE_M_PCOM", "j"))
    )
    other = '@string{j = "Second Journal"}\n@article{q,\n  title = {U},\n  journal = j,\n}\n'
    imported(run, write("two.bib", other))
    entries = fields_of(export(run))
    assert {entries["p"]["journal"], entries["q"]["journal"]} == {"{First Journal}", "j"}


def test_a_redefined_string_applies_from_where_it_stands(run):
    bib = (
        '@string{pub = "Univ.\\ Press"}\n@book{a, title = {A}, publisher = pub}\n'
        '@string{pub = "University Press"}\n@book{b, title = {B}, publisher = pub}\n'
    )
    imported(run, write("r.bib", bib))
    assert stored("a").publisher == "Univ. Press"
    assert stored("b").publisher == "University Press"
    entries = fields_of(export(run))
    texts = {key: entries[key]["publisher"] for key in ("a", "b")}
    assert texts["a"] != texts["b"]


def test_strings_of_a_reimported_file_replace_its_old_ones(run):
    imported(run, write("x.bib", '@string{j = "Old"}\n@article{k, title = {T}, journal = j}\n'))
    imported(run, write("x.bib", '@string{j = "New"}\n@article{k, title = {T}, journal = j}\n'))
    with Library() as library:
        rows = library.conn.execute("SELECT name, value FROM bibtex_strings").fetchall()
    assert [tuple(row) for row in rows] == [("j", "New")]


def test_doubling_strings_are_bounded_and_the_rest_of_the_file_imports(run):
    """A 1 kB file whose macros double (2^60 characters): one clear error per @string
    and entry that goes too far, the other entries imported, in well under a second."""
    lines = ['@string{s0 = "xx"}'] + [
        f"@string{{s{i} = s{i - 1} # s{i - 1}}}" for i in range(1, 61)
    ]
    lines += [
        "@misc{small, title = s3}",
        "@misc{huge, title = s60}",
        "@misc{plain, title = {Plain}}",
    ]
    started = time.perf_counter()
    result = run("import", write("bomb.bib", "\n".join(lines) + "\n"))
    assert time.perf_counter() - started < 10
    assert result.exit_code == 1
    assert "@string s19 expands to more than 1,000,000 characters" in result.stderr
    assert "huge: title uses @string s60, which was too long" in result.stderr
    assert "2 added," in result.stdout
    assert stored("small").title == "x" * 16


# -- values as written ----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("line", "name", "value"),
    [
        pytest.param("eprinttype = {arxiv}", "eprinttype", "{arxiv}", id="eprinttype"),
        pytest.param("eprintclass = {cs.LG}", "eprintclass", "{cs.LG}", id="eprintclass"),
        pytest.param("eprint = {1008.2849v1}", "eprint", "{1008.2849v1}", id="arxiv-version"),
        pytest.param(
            "doi = {https://doi.org/10.1000/ABC}", "doi", "{https://doi.org/10.1000/ABC}", id="doi"
        ),
        pytest.param(
            "url = {http://a.org/x\\_y http://b.org}",
            "url",
            "{http://a.org/x\\_y http://b.org}",
            id="two-urls",
        ),
        pytest.param(
            "eprint = {2009 WL 2423138}, eprinttype = {westlaw}",
            "eprint",
            "{2009 WL 2423138}",
            id="non-arxiv-eprint",
        ),
        pytest.param("note = {}", "note", "{}", id="empty-field"),
        pytest.param("title = {}", "title", "{}", id="empty-title"),
    ],
)
def test_values_come_back_as_written(run, line, name, value):
    bib = f"@article{{v,\n  author = {{Doe, Jane}},\n  title = {{T}},\n  {line},\n}}\n"
    bib = bib.replace("  title = {T},\n  title", "  title")
    imported(run, write("v.bib", bib))
    assert fields_of(export(run))["v"][name] == value


def test_normalised_identifiers_still_match(run):
    """DOIs and arXiv ids are normalised for matching, not for storage."""
    imported(
        run, write("a.bib", "@article{a, title = {Same}, doi = {https://doi.org/10.1000/ABC}}\n")
    )
    result = imported(run, write("b.bib", "@article{b, title = {Same}, doi = {10.1000/abc}}\n"))
    assert result.stdout.splitlines()[-1] == "1 unchanged"
    assert stored("10.1000/abc").citekey == "a"


# -- what would stop bibtex, biber or pdflatex ----------------------------------------------

BREAKING = r"""
@article{lone,
  author = {Doe, Jane},
  title = {Sets \{x\} and a lone \{ brace},
  journal = {J},
  year = {2020},
}

@article{pct%key,
  author = {Roe, Rich},
  title = {Percent in the key},
  journal = {J},
  year = {2021},
}

@article{empty,
  author = {Poe, P. and and Moe, M.},
  title = {Empty name},
  journal = {J},
  year = {2022},
}
"""
DOCUMENT = r"""\documentclass{article}
\begin{document}
\nocite{*}
\bibliographystyle{plain}
\bibliography{refs}
\end{document}
"""


def test_values_that_break_bibtex_are_warned_about_and_written_to_compile(run):
    result = imported(run, write("breaking.bib", BREAKING))
    assert "key 'pct%key' breaks \\cite and \\bibitem" in result.stderr
    assert "breaking.bib:16: empty: author holds an empty name ('and and'" in result.stderr
    assert "breaking.bib:2: lone: title holds a lone \\{ or \\}" in result.stderr
    entries = fields_of(export(run))
    assert entries["lone"]["title"] == r"{Sets \{x\} and a lone {\textbraceleft} brace}"
    assert entries["empty"]["author"] == "{Poe, P. and Moe, M.}"
    assert "pct%key" not in entries


needs_tex = pytest.mark.skipif(
    not (shutil.which("bibtex") and shutil.which("pdflatex")),
    reason="bibtex/pdflatex not installed (apt-get install texlive-latex-base texlive-binaries)",
)


def compile_with_bibtex(directory: Path, bib: str) -> tuple[list[int], str, str]:
    (directory / "refs.bib").write_text(bib, encoding="utf-8")
    (directory / "doc.tex").write_text(DOCUMENT, encoding="utf-8")
    latex = ["pdflatex", "-interaction=nonstopmode", "-no-shell-escape", "doc"]
    codes = []
    for command in (latex, ["bibtex", "doc"], latex, latex):
        done = subprocess.run(command, cwd=directory, capture_output=True, timeout=120)
        codes.append(done.returncode)
    log = (directory / "doc.log").read_text(encoding="utf-8", errors="replace")
    blg = (directory / "doc.blg").read_text(encoding="utf-8", errors="replace")
    return codes, log, blg


@needs_tex
def test_mended_export_compiles_with_bibtex_and_pdflatex(run, tmp_path):
    imported(run, write("breaking.bib", BREAKING))
    codes, log, blg = compile_with_bibtex(tmp_path, export(run))
    assert codes == [0, 0, 0, 0], blg + log[-2000:]
    assert "error message" not in blg and "\n! " not in log
    bbl = (tmp_path / "doc.bbl").read_text(encoding="utf-8")
    assert bbl.count("\\bibitem") == 3


@pytest.mark.skipif(not shutil.which("biber"), reason="biber not installed (apt-get install biber)")
def test_mended_export_is_read_by_biber_without_error(run, tmp_path):
    imported(run, write("breaking.bib", BREAKING))
    (tmp_path / "refs.bib").write_text(export(run), encoding="utf-8")
    done = subprocess.run(
        ["biber", "--tool", "--output-file", "out.bib", "refs.bib"],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stdout
    assert "ERROR" not in done.stdout and "skipping entry" not in done.stdout, done.stdout


XAMPL = Path("/usr/share/texlive/texmf-dist/bibtex/bib/base/xampl.bib")


@needs_tex
def test_xampl_export_compiles_with_its_noopsort_defined(run, tmp_path):
    """xampl.bib's @preamble defines \\noopsort, which its years use: the export
    compiles as the original does (before, 7 "Undefined control sequence")."""
    if not XAMPL.is_file():
        pytest.skip("xampl.bib not installed (apt-get install texlive-base)")
    imported(run, str(XAMPL))
    original, exported = tmp_path / "original", tmp_path / "exported"
    original.mkdir()
    exported.mkdir()
    _, _, original_blg = compile_with_bibtex(original, XAMPL.read_text(encoding="utf-8"))
    codes, log, blg = compile_with_bibtex(exported, export(run))
    assert codes == [0, 0, 0, 0], blg + log[-2000:]
    assert "Undefined control sequence" not in log and "\n! " not in log
    assert re.findall(r"Warning--.*", blg) == re.findall(r"Warning--.*", original_blg)
