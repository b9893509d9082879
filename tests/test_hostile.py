"""Hostile data end to end: text that attacks each output format, control characters and
huge fields set through the CLI, the API and import; SQL injection in every place a
user types a name; fuzzed BibTeX and identifiers. Stored as given, written out harmless."""

from __future__ import annotations

import json
import re
import shutil
import sqlite3
import tempfile
from pathlib import Path

import bibtexparser
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from pubdb.errors import PubdbError
from pubdb.library import Library

HOSTILE_TEXTS = {
    "script": "<script>alert(1)</script> & <b>bold</b>",
    "braces": "Unbalanced } closing { and {{ opening",
    "percent": "100% of $ and # and _ and ~ and ^ and \\",
    "input": "\\input{/etc/passwd} \\include{/etc/shadow}",
    "write18": "\\immediate\\write18{rm -rf ~} $\\write18{touch pwned}$",
    "controls": "bell \x07 escape \x1b[31m red \x0b vertical tab \x7f delete",
    "rtl": "right\u202eto-left \u200f mark \u2066isolate\u2069",
    "long": "Long " + "x" * 10_000,
}
FORMATS = ["markdown", "html", "latex", "text", "json", "csl-json"]


@pytest.fixture
def library(run, db_path):
    result = run("import", str(Path(__file__).parents[1] / "bib" / "seeds.bib"))
    assert result.exit_code == 0, result.stderr
    with Library(db_path) as lib:
        yield lib


def first_key(library: Library) -> str:
    return next(iter(library.publications())).citekey


def shown(run, key: str) -> dict:
    result = run("show", key, "--json")
    assert result.exit_code == 0, result.stderr
    return json.loads(result.stdout)


# -- stored as given -----------------------------------------------------------------


@pytest.mark.parametrize("name", HOSTILE_TEXTS)
def test_edit_stores_hostile_text_exactly(run, library, name):
    key, text = first_key(library), HOSTILE_TEXTS[name]
    result = run("edit", key, "--set", f"title={text}", "--set", f"note={text}")
    assert result.exit_code == 0, result.stderr
    record = shown(run, key)
    assert record["title"] == text and record["note"] == text


@pytest.mark.parametrize("name", HOSTILE_TEXTS)
def test_hostile_author_names_are_stored_as_written(run, library, name):
    key = first_key(library)
    written = f"Mallory {HOSTILE_TEXTS[name][:200].replace(' and ', ' & ')}"
    result = run("edit", key, "--set", f"authors=Alice Smith and {written}")
    assert result.exit_code == 0, result.stderr
    assert [a["name"] for a in shown(run, key)["authors"]][-1] == written.strip()


def test_nul_through_the_api_is_stored_and_never_written_raw(library, run):
    key = first_key(library)
    library.edit(key, [("title", "before\x00after")])
    assert library.get(key).title == "before\x00after"
    for format_name in ("markdown", "html", "latex", "text"):
        output = run("export", "--format", format_name, "--author", "Samy Jelassi").stdout
        assert "\x00" not in output, format_name
    assert "\x00" not in run("export", "--bibtex").stdout


def test_a_bib_file_with_nul_bytes_is_refused_in_one_line(run, db_path, library):
    before = dump(db_path)
    Path("nul.bib").write_bytes(b"@misc{a, title = {x\x00y}}\n")
    result = run("import", "nul.bib")
    assert result.exit_code == 2
    assert result.stderr.count("\n") == 1 and "binary" in result.stderr
    assert dump(db_path) == before


# -- exported harmless ---------------------------------------------------------------


@pytest.fixture
def hostile_library(run, library):
    """Every seed paper of Samy Jelassi carries one hostile text in title and note."""
    keys = [p.citekey for p in library.publications(author="Samy Jelassi")]
    texts = list(HOSTILE_TEXTS.values())
    for number, key in enumerate(keys):
        text = texts[number % len(texts)]
        assert run("edit", key, "--set", f"title={text}", "--set", f"note={text}").exit_code == 0
    return library


def export(run, *args: str) -> str:
    result = run("export", *args, "--author", "Samy Jelassi")
    assert result.exit_code == 0, result.stderr
    return result.stdout


@pytest.mark.parametrize("format_name", FORMATS)
def test_no_format_carries_control_characters(run, hostile_library, format_name):
    output = export(run, "--format", format_name)
    assert not re.search(r"[\x00-\x08\x0b\x0c\x0e-\x1f]", output), format_name


def test_html_has_no_live_markup_from_the_data(run, hostile_library):
    html = export(run, "--format", "html")
    assert "<script" not in html.lower() and "<b>bold" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html


@pytest.mark.parametrize("format_name", ["latex"])
def test_latex_never_holds_a_live_dangerous_command(run, hostile_library, format_name):
    tex = export(run, "--format", format_name)
    for command in ("\\input{", "\\include{", "\\write18", "\\immediate"):
        assert command not in tex


def test_bibtex_never_holds_a_live_dangerous_command(run, hostile_library):
    bib = run("export", "--bibtex").stdout
    for command in ("\\input{", "\\include{", "\\write18", "\\immediate"):
        assert command not in bib


def strings_in(value) -> set[str]:
    if isinstance(value, str):
        return {value}
    items = value.values() if isinstance(value, dict) else value if isinstance(value, list) else []
    return set().union(*(strings_in(item) for item in items)) if items else set()


def test_json_gives_the_texts_back_exactly(run, hostile_library):
    found = strings_in(json.loads(export(run, "--format", "json")))
    assert set(HOSTILE_TEXTS.values()) <= found


def test_csl_json_gives_the_texts_back_without_control_characters(run, hostile_library):
    """CSL-JSON feeds citation processors: text as readers see it, controls dropped."""
    found = strings_in(json.loads(export(run, "--format", "csl-json")))
    for name, text in HOSTILE_TEXTS.items():
        if name == "controls":
            assert not any(re.search(r"[\x00-\x08\x0b\x0c\x0e-\x1f]", v) for v in found)
        elif name != "rtl":
            assert text in found, name


def test_citation_style_in_html_escapes_and_in_text_keeps_the_text(run, hostile_library):
    html = export(run, "--style", "apa", "--format", "html")
    assert "<script" not in html.lower() and "script&#62;alert(1)" in html
    text = export(run, "--style", "apa")
    assert "<script>alert(1)</script> & <b>bold</b>" in text
    assert not re.search(r"[\x00-\x08\x0b\x0c\x0e-\x1f]", text + html)


def test_hostile_bibtex_parses_back_and_loses_no_entry(run, hostile_library):
    bib = run("export", "--bibtex").stdout
    parsed = bibtexparser.parse_string(bib)
    assert not parsed.failed_blocks
    assert len(parsed.entries) == hostile_library.count()
    from pybtex.database import parse_string

    assert len(parse_string(bib, "bibtex").entries) == hostile_library.count()


def test_hostile_bibtex_compiles_with_real_bibtex(run, hostile_library, tmp_path):
    if not (shutil.which("bibtex") and shutil.which("pdflatex")):
        pytest.skip("bibtex/pdflatex not installed (apt-get install texlive-latex-base)")
    from test_bibtex_export import compile_bibliography

    compiled = compile_bibliography(tmp_path, run("export", "--bibtex").stdout)
    assert compiled.returncodes == [0, 0, 0], compiled.log[-2000:] + compiled.blg
    assert not (tmp_path / "pwned").exists()


def test_hostile_latex_list_compiles(run, hostile_library, tmp_path):
    if not shutil.which("pdflatex"):
        pytest.skip("pdflatex not installed (apt-get install texlive-latex-base)")
    import subprocess

    body = export(run, "--format", "latex")
    document = "\\documentclass{article}\n\\usepackage[T1]{fontenc}\n\\begin{document}\n"
    (tmp_path / "cv.tex").write_text(document + body + "\n\\end{document}\n", encoding="utf-8")
    done = subprocess.run(
        ["pdflatex", "-interaction=nonstopmode", "-halt-on-error", "-no-shell-escape", "cv"],
        cwd=tmp_path,
        capture_output=True,
        timeout=120,
        stdin=subprocess.DEVNULL,
    )
    assert done.returncode == 0, done.stdout[-2000:]
    assert not (tmp_path / "pwned").exists()


# -- SQL injection -------------------------------------------------------------------

INJECTIONS = [
    "Robert'); DROP TABLE publications;--",
    "x' OR '1'='1",
    '" OR ""="',
    "%' UNION SELECT name FROM sqlite_master --",
]


def dump(db_path) -> list[str]:
    with sqlite3.connect(db_path) as conn:
        return [line for line in conn.iterdump() if 'INTO "meta"' not in line]


def table_counts(db_path) -> dict[str, int]:
    with sqlite3.connect(db_path) as conn:
        names = [r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type='table'")]
        return {n: conn.execute(f'SELECT count(*) FROM "{n}"').fetchone()[0] for n in names}


@pytest.mark.parametrize("injection", INJECTIONS)
def test_injected_names_and_queries_are_just_text(run, library, db_path, injection):
    before = table_counts(db_path)
    commands = [
        ("search", injection),
        ("show", injection),
        ("list", "--author", injection),
        ("export", "--bibtex", "--author", injection),
        ("authors", injection),
        ("author", "show", injection),
        ("coauthors", injection),
        ("overlap", injection, "Samy Jelassi"),
        ("path", "Samy Jelassi", injection),
        ("edit", injection, "--set", "note=x"),
        ("rm", injection),
    ]
    for command in commands:
        result = run(*command)
        assert result.exit_code in (0, 2), (command, result.stderr)
        if result.exit_code == 2:
            assert result.stderr.count("\n") == 1, (command, result.stderr)
    assert table_counts(db_path) == before


@pytest.mark.parametrize("injection", INJECTIONS)
def test_injected_text_is_stored_and_found_as_text(run, library, db_path, injection):
    key = first_key(library)
    assert (
        run("edit", key, "--set", f"title={injection}", "--set", f"venue={injection}").exit_code
        == 0
    )
    assert run("edit", key, "--set", f"authors=Samy Jelassi and {injection}").exit_code == 0
    assert shown(run, key)["title"] == injection
    counts = table_counts(db_path)
    assert counts["publications"] == library.count() > 1
    words = re.sub(r"\W+", " ", injection).split()
    if words:
        found = run("search", " ".join(words[:2]), "--json")
        assert key in {r["citekey"] for r in json.loads(found.stdout)}


def test_sql_in_the_source_is_parameterised():
    """f-strings holding SQL interpolate only '?' lists, fixed identifiers and clauses
    built from them, never a value."""
    source = Path(__file__).parents[1] / "src" / "pubdb"
    sql_fstring = re.compile(r'f"([^"]*\b(?:SELECT|INSERT|UPDATE|DELETE|WHERE|FROM)\b[^"]*)"')
    allowed = re.compile(
        r"(marks|columns|assignments|window|where|AUTHORS_SQL|_SELECT|select|name|row|id_column|table|event"
        r"|column|order_by|', '\.join\(map\(str, WEIGHTS\)\)"
        r"|','\.join\('\?' \* len\(params\)\)|\('WHERE ' \+ where\) if where else '')"
    )
    suspicious = []
    for path in source.rglob("*.py"):
        for literal in sql_fstring.finditer(path.read_text(encoding="utf-8")):
            for value in re.findall(r"\{([^}]*)\}", literal.group(1)):
                if not allowed.fullmatch(value.strip()):
                    suspicious.append(f"{path.name}: {{{value}}} in {literal.group(0)[:70]}")
    assert suspicious == []


# -- fuzzing -------------------------------------------------------------------------

_field_text = st.text(
    st.characters(blacklist_categories=("Cs",), blacklist_characters="\x00"), max_size=60
)
_junk = st.sampled_from(
    ["@", "{", "}", "}}", "{{", '"', "#", ",", "=", "\\", "%", "\n", "@string{", "@comment{"]
)


@st.composite
def bib_texts(draw) -> str:
    parts = []
    for number in range(draw(st.integers(0, 6))):
        kind = draw(st.sampled_from(["article", "misc", "inproceedings", "string", "preamble"]))
        key = draw(st.sampled_from([f"k{number}", "dup", ""]))
        fields = draw(
            st.lists(
                st.tuples(
                    st.sampled_from(["title", "author", "year", "doi", "eprint", "x"]), _field_text
                ),
                max_size=4,
            )
        )
        body = ",\n".join(f"  {name} = {{{value}}}" for name, value in fields)
        parts.append(f"@{kind}{{{key},\n{body}\n}}\n")
        if draw(st.booleans()):
            parts.append(draw(st.lists(_junk, max_size=4).map("".join)))
    return "".join(parts)


def _fuzz_import(text: str, strict: bool) -> None:
    with tempfile.TemporaryDirectory() as folder:
        bib = Path(folder) / "fuzz.bib"
        bib.write_text(text, encoding="utf-8")
        with Library(Path(folder) / "fuzz.db") as library:
            library.import_bibtex([Path(__file__).parents[1] / "bib" / "seeds.bib"])
            before = library.count()
            try:
                report = library.import_bibtex([bib], strict=strict)
            except PubdbError as error:
                assert "\n" not in str(error)
                assert library.count() == before
                return
            stored = library.count() - before
            if report.aborted:
                assert stored == 0
            else:
                assert stored == report.count("imported")
            findings, _ = library.check()
            assert all(f.ok for f in findings), [str(f) for f in findings if not f.ok]


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(text=bib_texts(), strict=st.booleans())
def test_fuzzed_bibtex_imports_whole_entries_or_fails_cleanly(text, strict):
    _fuzz_import(text, strict)


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(text=st.text(max_size=300).filter(lambda t: "\x00" not in t))
def test_arbitrary_text_as_bibtex_never_crashes(text):
    _fuzz_import(text, False)


@settings(
    max_examples=300, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(identifier=st.text(min_size=1, max_size=40).filter(lambda t: "\x00" not in t))
def test_add_with_garbage_is_a_usage_error_or_a_lookup(run, identifier):
    result = run("add", "--", identifier)
    assert result.exit_code in (1, 2), result.stderr
    assert "Traceback" not in result.stderr
    assert result.stderr.strip() and len(result.stderr.strip().splitlines()) <= 2
