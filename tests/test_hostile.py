"""Hostile data end to end: text that attacks each output format, control characters and
huge fields set through the CLI, the API and import (TeX commands and citation keys
that would read files included); SQL injection in every place a user types a name;
fuzzed BibTeX and identifiers; `export -o` paths. Stored as given, written out
harmless."""

from __future__ import annotations

import contextlib
import functools
import json
import re
import shutil
import sqlite3
import tempfile
from pathlib import Path

import bibtexparser
import pytest
from click.testing import CliRunner
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

from dbdump import bibliographic_dump
from pubdb.cli import cli
from pubdb.errors import InvalidIdentifier, PubdbError
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
def library(db_path):
    """The test database holding bib/seeds.bib (imported once per session, then copied)."""
    db_path.parent.mkdir(parents=True, exist_ok=True)
    db_path.write_bytes(seeded_database())
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


def test_a_bib_file_with_nul_bytes_is_read_with_a_warning(run, library):
    """BibTeX reads control characters (a JabRef file held five NULs in abstracts):
    the entry is imported, the line named, and no NUL reaches the export."""
    Path("nul.bib").write_bytes(b"@misc{nul2024,\n  title = {x\x00y},\n}\n")
    result = run("import", "nul.bib")
    assert result.exit_code == 0, result.stderr
    assert "nul.bib:2: entry nul2024: control character(s)" in result.stderr
    exported = run("export", "--bibtex").stdout
    assert "@misc{nul2024," in exported and "\x00" not in exported


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
    assert "<script" not in html.lower() and "&lt;script&gt;alert(1)" in html
    text = export(run, "--style", "apa")
    # CSL-JSON is rich text: pandoc reads <b> as bold (text: plain), other tags as text
    assert "<script>alert(1)</script> & bold" in text
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


def table_counts(db_path) -> dict[str, int]:
    """Rows of each table, but the BibTeX entry cache (which an export fills)."""
    with sqlite3.connect(db_path) as conn:
        names = [
            r[0]
            for r in conn.execute("SELECT name FROM sqlite_master WHERE type='table'")
            if r[0] != "bibtex_entries"
        ]
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
        r"(marks|columns|assignments|window|where|AUTHORS_SQL|_AUTHORS_COLUMN|DOCUMENT_SQL|ORPHANS|_SELECT|select"
        r"|name|row|id_column|table|event"
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

SEEDS = Path(__file__).parents[1] / "bib" / "seeds.bib"


@functools.cache
def seeded_database() -> bytes:
    """seeds.bib imported once; every fuzzed import starts from a copy of it."""
    with tempfile.TemporaryDirectory() as folder:
        with Library(Path(folder) / "build.db") as library:
            library.import_bibtex([SEEDS])
            copy = library.backup(Path(folder) / "seeded.db")
        return Path(copy).read_bytes()


@functools.cache
def seeded_dump() -> list[str]:
    with tempfile.TemporaryDirectory() as folder:
        database = Path(folder) / "seeded.db"
        database.write_bytes(seeded_database())
        return bibliographic_dump(database)


_field_text = st.one_of(
    st.text(st.characters(blacklist_categories=("Cs",), blacklist_characters="\x00"), max_size=60),
    st.sampled_from([t for n, t in HOSTILE_TEXTS.items() if n not in ("braces", "percent")]),
    st.sampled_from(["{x", "x}", "\\", "\\input{/etc/passwd}", "@", "{{}", "$", "\x1b\x07"]),
)
_junk = st.sampled_from(
    ["@", "{", "}", "}}", "{{", '"', "#", ",", "=", "\\", "%", "\n", "@misc{", "@string{x=",
     "@comment{", "@preamble{", "\x07", "\u202e", "@@", "@misc(k,", ")"]
)  # fmt: skip


@st.composite
def bib_texts(draw) -> str:
    """.bib-like text: entries (some valid, some not) with junk between them, @string,
    @comment and @preamble blocks, duplicate keys, repeated fields, hostile values."""
    parts = []
    for number in range(draw(st.integers(0, 6))):
        kind = draw(
            st.sampled_from(
                ["article", "misc", "INPROCEEDINGS", "book", "string", "preamble", "comment", ""]
            )
        )
        key = draw(st.sampled_from([f"k{number}", "dup", "", "a b", "x'y", "\\k"]))
        fields = draw(
            st.lists(
                st.tuples(
                    st.sampled_from(["title", "author", "year", "doi", "eprint", "month", "x"]),
                    _field_text,
                ),
                max_size=5,
            )
        )
        body = ",\n".join(f"  {name} = {{{value}}}" for name, value in fields)
        parts.append(f"@{kind}{{{key},\n{body}\n}}\n")
        if draw(st.booleans()):
            parts.append(draw(st.lists(_junk, max_size=4).map("".join)))
    return "".join(parts)


def _fuzz_import(text: str, strict: bool) -> None:
    """Library.import_bibtex on a seeded database: whole entries or a clean failure."""
    with tempfile.TemporaryDirectory() as folder:
        bib, database = Path(folder) / "fuzz.bib", Path(folder) / "fuzz.db"
        bib.write_text(text, encoding="utf-8")
        database.write_bytes(seeded_database())
        with Library(database) as library:
            seeded = library.count()
            try:
                report = library.import_bibtex([bib], strict=strict)
            except PubdbError as error:
                assert "\n" not in str(error)
                report = None
                event("refused in one line")
            stored = library.count() - seeded
            findings, _ = library.check()
        assert all(f.ok for f in findings), [str(f) for f in findings if not f.ok]
        if report is not None:
            event("aborted (--strict)" if report.aborted else f"imported {min(stored, 2)}+")
            event("with failed entries" if report.failures else "no failed entry")
        if report is None or report.aborted:
            assert bibliographic_dump(database) == seeded_dump()
            return
        assert stored == report.count("added")
        assert not (strict and report.failures)
        assert all("\n" not in str(p) for p in [*report.failures, *report.warnings])


@settings(max_examples=450, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(text=bib_texts(), strict=st.booleans())
def test_fuzzed_bibtex_imports_whole_entries_or_fails_cleanly(text, strict):
    _fuzz_import(text, strict)


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(text=st.text(max_size=300).filter(lambda t: "\x00" not in t), strict=st.booleans())
def test_arbitrary_text_as_bibtex_never_crashes(text, strict):
    _fuzz_import(text, strict)


@settings(max_examples=50, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(text=bib_texts(), strict=st.booleans())
def test_fuzzed_bibtex_through_the_cli(text, strict):
    """`pubdb import`: exit 0, 1 or 2; every stderr line is pubdb's own; --strict with a
    failure changes nothing; otherwise the summary's imported count is what was stored."""
    with tempfile.TemporaryDirectory() as folder:
        bib, database = Path(folder) / "fuzz.bib", Path(folder) / "fuzz.db"
        bib.write_text(text, encoding="utf-8")
        database.write_bytes(seeded_database())
        args = ["import", "--db", str(database), str(bib), *(["--strict"] if strict else [])]
        result = CliRunner().invoke(cli, args, catch_exceptions=False)
        assert result.exit_code in (0, 1, 2)
        lines = result.stderr.splitlines()
        assert all(line.startswith(("error: ", "warning: ", "pubdb: ")) for line in lines)
        if result.exit_code == 2:
            assert len(lines) == 1 and lines[0].startswith("pubdb: ")
        if result.exit_code != 0 and (strict or result.exit_code == 2):
            assert bibliographic_dump(database) == seeded_dump()
            return
        added = re.match(r"(\d+) added", result.stdout.splitlines()[-1])
        imported = int(added[1]) if added else 0
        with Library(database) as library:
            assert library.count() - 23 == imported
            assert all(f.ok for f in library.check()[0])


def test_the_seeded_database_holds_the_seed_papers():
    with tempfile.TemporaryDirectory() as folder:
        database = Path(folder) / "seeded.db"
        database.write_bytes(seeded_database())
        with Library(database) as library:
            assert library.count() == 23


# Identifiers: what a user pastes, and text that only resembles an id.
_identifier_text = st.one_of(
    st.text(max_size=40),
    st.text(alphabet="0123456789.v/:-arxivXIVdoihtps. \n", max_size=40),
    st.from_regex(r"\A(arXiv:|doi:|https://arxiv\.org/abs/)?[0-9]{4}\.[0-9]{3,6}(v[0-9]{1,3})?\Z"),
    st.from_regex(r"\A(https://doi\.org/)?10\.[0-9]{3,10}/[!-~]{1,12}\Z"),
    st.from_regex(r"\A[a-z-]{2,9}(\.[A-Z]{2})?/[0-9]{6,8}(v[0-9])?\Z"),
)


@settings(max_examples=600, deadline=None)
@given(text=_identifier_text)
def test_identifier_parsing_gives_a_canonical_id_or_invalid_identifier(text):
    from pubdb.ids import arxiv_id_from_doi, find_arxiv_ids, normalize_doi, parse_identifiers

    try:
        parsed = parse_identifiers([text])
        arxiv_ids, dois = parsed.arxiv_ids, parsed.dois
    except InvalidIdentifier as error:
        assert "\n" not in str(error)
    else:
        assert len(arxiv_ids) + len(dois) == 1
        assert all(parse_identifiers([str(a)]).arxiv_ids == [a] for a in arxiv_ids)
        assert all(normalize_doi(d) == d and d.isprintable() for d in dois)
    for doi in [text, f"10.48550/arXiv.{text}"]:
        with contextlib.suppress(InvalidIdentifier):
            arxiv_id_from_doi(doi)
    assert all(str(found).isascii() for found in find_arxiv_ids(text))


@settings(
    max_examples=200, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(identifier=_identifier_text.filter(lambda t: "\x00" not in t))
def test_add_with_garbage_exits_2_with_one_line(run, identifier):
    """Malformed: exit 2 and the parser's one line. Well formed: arXiv and doi.org are
    unreachable here (conftest), so a one-line network error, exit 1."""
    from pubdb.ids import parse_identifiers

    result = run("add", "--", identifier)
    try:
        parse_identifiers([identifier])
    except InvalidIdentifier as error:
        event("malformed")
        assert result.exit_code == 2
        assert result.stderr == f"pubdb: {error}\n"
    else:
        event("well formed")
        assert result.exit_code == 1
        assert result.stderr.count("\n") == 1 and result.stderr.startswith("pubdb: ")


# -- hostile text through the API and through import ------------------------------------


@pytest.mark.parametrize("name", [*HOSTILE_TEXTS, "nul"])
def test_api_edit_stores_hostile_text_exactly(library, name):
    key = first_key(library)
    text = HOSTILE_TEXTS.get(name, "before\x00after")
    library.edit(key, [("title", text), ("note", text)])
    stored = library.get(key)
    assert (stored.title, stored.note) == (text, text)


def test_nul_through_the_cli_edit_is_stored_as_given(run, library):
    key = first_key(library)
    assert run("edit", key, "--set", "title=a\x00b", "--set", "note=\x00").exit_code == 0
    record = shown(run, key)
    assert (record["title"], record["note"]) == ("a\x00b", "\x00")


def bib_entry(key: str, **fields: str) -> str:
    body = ",\n".join(f"  {name} = {{{value}}}" for name, value in fields.items())
    return f"@misc{{{key},\n{body},\n  year = {{2024}}\n}}\n"


# Texts without TeX specials: a .bib holds them as they are, and import stores them so.
PLAIN_HOSTILE = ["script", "controls", "rtl", "long"]


@pytest.mark.parametrize("name", PLAIN_HOSTILE)
def test_import_stores_hostile_text_as_given(run, name):
    text = HOSTILE_TEXTS[name]
    Path("hostile.bib").write_text(bib_entry("h1", title=text, note=text), encoding="utf-8")
    result = run("import", "hostile.bib")
    assert result.exit_code == 0, result.stderr
    record = shown(run, "h1")
    assert (record["title"], record["note"]) == (text, text)
    assert record["latex"]["title"] == text


def test_import_keeps_the_tex_source_of_commands_and_decodes_the_text(run):
    source = r"\input{/etc/passwd} and \write18{rm -rf ~} at 100\%"
    Path("tex.bib").write_text(bib_entry("t1", title=source), encoding="utf-8")
    assert run("import", "tex.bib").exit_code == 0
    record = shown(run, "t1")
    assert record["latex"]["title"] == source
    assert record["title"].startswith("\\input{/etc/passwd}") and record["title"].endswith("100%")


def test_unbalanced_braces_fail_that_entry_alone_in_one_line(run, db_path):
    good = bib_entry("good", title="Fine")
    broken = "@misc{broken,\n  title = {Unbalanced } closing { and {{ opening},\n  year = 2024\n}\n"
    Path("mixed.bib").write_text(good + broken, encoding="utf-8")
    result = run("import", "mixed.bib")
    assert result.exit_code == 1
    said = result.stderr.splitlines()
    assert said[0] == f"pubdb: created a new library at {db_path}"
    assert all(line.startswith(("error: ", "warning: ")) for line in said[1:])
    with Library(db_path) as library:
        assert [p.citekey for p in library.publications()] == ["good"]
        assert all(f.ok for f in library.check()[0])


# Control words through which TeX reads or writes files or builds such a command; in
# written TeX each must be printed text ({\textbackslash}input), never a command.
_LIVE_COMMAND = re.compile(
    r"(?<!\\)(?:\\\\)*\\(input|include|write|immediate|csname|openin|openout|UseName"
    r"|ExpandArgs|ExplSyntaxOn|use|pdffiledump|catcode|def)(?![A-Za-z])|\^\^"
)


def live_commands(tex: str) -> list[str]:
    return [match[0] for match in _LIVE_COMMAND.finditer(tex)]


TEX_ATTACKS = [
    pytest.param(r"\input{/etc/passwd}", id="input"),
    pytest.param(r"\include{/etc/shadow}", id="include"),
    pytest.param(r"\immediate\write18{touch pwned}", id="write18"),
    pytest.param(r"$\input{/etc/passwd}$", id="input-in-math"),
    pytest.param(r"{\csname input\endcsname{/etc/passwd}}", id="csname"),
    pytest.param(r"$^^5cinput{/etc/passwd}$", id="caret-notation"),
    pytest.param(r"\input@secret and more", id="at-sign"),
    pytest.param(r"{\UseName{input}{secret}}", id="UseName"),
    pytest.param(r"{\ExplSyntaxOn \use:c{input}{secret}}", id="expl3"),
    pytest.param(r"\def\x{\input}\x{secret}", id="def"),
    pytest.param(r"a \\input{secret}", id="after-a-line-break"),
]


@pytest.mark.parametrize("attack", TEX_ATTACKS)
@pytest.mark.parametrize("field", ["title", "author", "note", "howpublished", "journal"])
def test_imported_tex_is_never_a_live_command_in_exported_bibtex(run, attack, field):
    Path("attack.bib").write_text(bib_entry("attack", **{field: attack}), encoding="utf-8")
    result = run("import", "attack.bib")
    assert result.exit_code == 0, result.stderr
    bib = run("export", "--bibtex").stdout
    assert "@misc{attack," in bib
    assert live_commands(bib) == []
    assert not bibtexparser.parse_string(bib).failed_blocks


@pytest.mark.parametrize("field", ["doi", "url"])
def test_imported_links_never_carry_a_live_command(run, field):
    value = "10.1000/{\\input{/etc/passwd}}" if field == "doi" else "https://x.org/\\input{a}"
    Path("attack.bib").write_text(bib_entry("attack", **{field: value}), encoding="utf-8")
    assert run("import", "attack.bib").exit_code == 0
    bib = run("export", "--bibtex").stdout
    assert live_commands(bib) == []


def test_imported_tex_stays_as_written_when_harmless(run):
    """The allow-listed TeX of real files (accents, \\emph, math) goes out untouched."""
    source = r"Boull{\'e} and \emph{M{\"o}bius}: $\mu$P at 10\% with \LaTeX{} and \v{S}emrl"
    Path("fine.bib").write_text(bib_entry("fine", title=source), encoding="utf-8")
    assert run("import", "fine.bib").exit_code == 0
    assert f"title = {{{source}}}" in run("export", "--bibtex").stdout


def _read_attempts():
    from test_bibtex_export import READ_ATTEMPTS

    return READ_ATTEMPTS


@pytest.mark.parametrize("attack", _read_attempts())
def test_imported_tex_never_reads_a_file_when_compiled(run, tmp_path, attack):
    if not (shutil.which("bibtex") and shutil.which("pdflatex")):
        pytest.skip("bibtex/pdflatex not installed (apt-get install texlive-latex-base)")
    from test_bibtex_export import SECRET, compile_bibliography, leaks

    for name in ("secret.tex", "@secret.tex"):
        (tmp_path / name).write_text(SECRET, encoding="ascii")
    entry = bib_entry("attack", title=attack, note=attack, author=f"Eve {attack} Reader")
    Path("attack.bib").write_text(entry, encoding="utf-8")
    assert run("import", "attack.bib").exit_code == 0
    build = tmp_path / "build"
    build.mkdir()
    for name in ("secret.tex", "@secret.tex"):
        (build / name).write_text(SECRET, encoding="ascii")
    compiled = compile_bibliography(build, run("export", "--bibtex").stdout, halt_on_error=False)
    assert r"\bibitem{attack}" in compiled.bbl, compiled.blg
    assert leaks(compiled) == [], compiled.bbl


# Citation keys are read as TeX in \bibitem and \cite: one that spells a command reads
# a file while LaTeX writes the .aux (this one opened ./@secret.tex before the fix).
KEY_ATTACKS = [
    pytest.param(r"a\csname@@input\endcsname@secret\relax", id="backslash"),
    pytest.param("a^^5ccsname@@input^^5cendcsname@secret^^5crelax", id="caret-notation"),
]


@pytest.mark.parametrize("key", KEY_ATTACKS)
def test_imported_key_that_tex_would_run_is_replaced_with_a_warning(run, key):
    Path("key.bib").write_text(bib_entry(key, title="Keyed", author="Eve Reader"), "utf-8")
    result = run("import", "key.bib")
    assert result.exit_code == 0, result.stderr
    assert "would run as TeX" in result.stderr and "stored as 'reader2024keyed'" in result.stderr
    bib = run("export", "--bibtex").stdout
    assert "@misc{reader2024keyed," in bib
    assert live_commands(bib) == []


@pytest.mark.parametrize("key", KEY_ATTACKS)
def test_imported_key_attack_reads_no_file_when_compiled(run, tmp_path, key):
    if not (shutil.which("bibtex") and shutil.which("pdflatex")):
        pytest.skip("bibtex/pdflatex not installed (apt-get install texlive-latex-base)")
    from test_bibtex_export import SECRET, compile_bibliography, leaks

    Path("key.bib").write_text(bib_entry(key, title="Keyed", author="Eve Reader"), "utf-8")
    assert run("import", "key.bib").exit_code == 0
    build = tmp_path / "build"
    build.mkdir()
    (build / "@secret.tex").write_text(SECRET, encoding="ascii")
    compiled = compile_bibliography(build, run("export", "--bibtex").stdout)
    assert compiled.returncodes == [0, 0, 0], compiled.log[-2000:]
    assert leaks(compiled) == []


@pytest.mark.parametrize("key", KEY_ATTACKS)
def test_edit_refuses_a_key_tex_would_run(run, library, key):
    result = run("edit", first_key(library), "--set", f"citekey={key}")
    assert result.exit_code == 2
    assert result.stderr.count("\n") == 1 and "cannot be a citation key" in result.stderr


_tex_text = st.lists(
    st.sampled_from([*"\\{}$^@ ax5c", "input", "csname", "emph", "mu", "^^", "\\\\", "\\("]),
    max_size=20,
).map("".join)


@settings(max_examples=300, deadline=None)
@given(_tex_text)
def test_defused_source_holds_no_live_command_and_is_stable(tex):
    from pubdb.tex.defuse import defuse_source

    defused = defuse_source(tex)
    assert live_commands(defused) == []
    assert defuse_source(defused) == defused


@settings(max_examples=200, deadline=None)
@given(st.text(max_size=60))
def test_defusing_leaves_encoded_text_unchanged(text):
    """What pubdb writes itself (to_latex) is already harmless: defusing changes nothing."""
    from pubdb.tex.defuse import defuse_source
    from pubdb.tex.encode import to_latex

    assert defuse_source(to_latex(text)) == to_latex(text)


# -- imported hostile records in every output -------------------------------------------


@pytest.fixture
def imported_hostile(run):
    """One imported record per hostile text, each in title, note and an author name."""
    entries = []
    for number, (name, text) in enumerate(HOSTILE_TEXTS.items()):
        if name in ("braces", "percent"):
            continue  # unbalanced braces, a final backslash: not BibTeX (a failed entry)
        text = text.replace("&", r"\&")  # TeX as a .bib holds it (a raw & is a TeX error)
        author = f"Eve {text[:300].replace(' and ', ' ')} and Samy Jelassi".replace(",", " ")
        entries.append(bib_entry(f"h{number}", title=text, note=text, author=author))
    Path("hostile.bib").write_text("\n".join(entries), encoding="utf-8")
    result = run("import", "hostile.bib")
    assert result.exit_code == 0, result.stderr
    return len(entries)


@pytest.mark.parametrize("format_name", FORMATS)
def test_imported_hostile_records_come_out_inert(run, imported_hostile, format_name):
    output = export(run, "--format", format_name)
    assert not re.search(r"[\x00-\x08\x0b\x0c\x0e-\x1f]", output)
    if format_name == "html":
        assert "<script" not in output.lower() and "<b>bold" not in output
    if format_name == "markdown":
        assert not re.search(r"(?<!\\)<(?:script|b)\b", output)
    if format_name == "latex":
        assert live_commands(output) == []
    if format_name == "json":
        assert "<script>alert(1)</script> & <b>bold</b>" in strings_in(json.loads(output))
        assert HOSTILE_TEXTS["long"] in strings_in(json.loads(output))
    if format_name == "csl-json":
        assert len(json.loads(output)) == imported_hostile


def test_imported_hostile_bibtex_parses_back_and_compiles(run, imported_hostile, tmp_path):
    bib = run("export", "--bibtex").stdout
    assert live_commands(bib) == []
    assert len(bibtexparser.parse_string(bib).entries) == imported_hostile
    from pybtex.database import parse_string

    assert len(parse_string(bib, "bibtex").entries) == imported_hostile
    if shutil.which("bibtex") and shutil.which("pdflatex"):
        from test_bibtex_export import compile_bibliography

        compiled = compile_bibliography(tmp_path, bib)
        assert compiled.returncodes == [0, 0, 0], compiled.log[-2000:] + compiled.blg
        assert not (tmp_path / "pwned").exists()


def test_markdown_with_hostile_text_renders_no_markup(run, hostile_library, tmp_path):
    if not shutil.which("pandoc"):
        pytest.skip("pandoc not installed (apt-get install pandoc)")
    import subprocess

    markdown = export(run, "--format", "markdown")
    html = subprocess.run(
        ["pandoc", "-f", "markdown", "-t", "html"],
        input=markdown,
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    ).stdout
    assert "<script" not in html.lower() and "<b>bold" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html


# -- SQL injection through imported names ------------------------------------------------

# Braced, so each is one name exactly as written (BibTeX turns "--" into an en dash).
IMPORTED_INJECTIONS = ["Robert'); DROP TABLE publications;", "x' OR '1'='1", '" OR ""="']


@pytest.fixture
def injected(run, library, db_path):
    """The seeds plus one imported paper per injection, written with Samy Jelassi."""
    entries = [
        bib_entry(f"inj{n}", title=f"Injected {n}", author=f"{{{name}}} and Samy Jelassi")
        for n, name in enumerate(IMPORTED_INJECTIONS)
    ]
    Path("injected.bib").write_text("\n".join(entries), encoding="utf-8")
    result = run("import", "injected.bib")
    assert result.exit_code == 0, result.stderr
    return table_counts(db_path)


def json_of(run, *args: str):
    result = run(*args, "--json")
    assert result.exit_code == 0, (args, result.stderr)
    return json.loads(result.stdout)


@pytest.mark.parametrize("number", range(len(IMPORTED_INJECTIONS)))
def test_injected_author_names_answer_every_people_command(run, injected, db_path, number):
    name, key = IMPORTED_INJECTIONS[number], f"inj{number}"
    assert [p["name"] for p in json_of(run, "authors", name)] == [name]
    assert [p["citekey"] for p in json_of(run, "author", "show", name)["publications"]] == [key]
    assert [c["name"] for c in json_of(run, "coauthors", name)] == ["Samy Jelassi"]
    assert [p["citekey"] for p in json_of(run, "overlap", name, "Samy Jelassi")["joint"]] == [key]
    steps = json_of(run, "path", name, "Samy Jelassi")
    assert [step["paper"]["citekey"] for step in steps] == [key]
    assert [p["citekey"] for p in json_of(run, "list", "--author", name)] == [key]
    exported = json.loads(export_of(run, "--format", "json", "--author", name))
    assert [p["citekey"] for g in exported["groups"] for p in g["publications"]] == [key]
    assert re.findall(r"@misc\{(inj\d)", export_of(run, "--bibtex", "--author", name)) == [key]
    assert table_counts(db_path) == injected


def export_of(run, *args: str) -> str:
    result = run("export", *args)
    assert result.exit_code == 0, result.stderr
    return result.stdout


def test_injected_names_path_between_two_injections(run, injected):
    steps = json_of(run, "path", IMPORTED_INJECTIONS[0], IMPORTED_INJECTIONS[1])
    assert [step["paper"]["citekey"] for step in steps] == ["inj0", "inj1"]


def test_injected_keys_and_queries_find_exactly_their_record(run, injected, db_path):
    key = "Robert');DROP_TABLE_publications;--"
    Path("keys.bib").write_text(bib_entry(key, title="Quoted key"), "utf-8")
    assert run("import", "keys.bib").exit_code == 0
    assert shown(run, key)["title"] == "Quoted key"
    assert [r["citekey"] for r in json_of(run, "search", "Quoted key")] == [key]
    assert "inj0" in [r["citekey"] for r in json_of(run, "search", key)]  # by its author
    assert run("rm", key).exit_code == 0
    data = {n: c for n, c in table_counts(db_path).items() if "_fts_" not in n}  # FTS segments
    assert data == {n: c for n, c in injected.items() if "_fts_" not in n}
    assert run("check").exit_code == 0


@pytest.mark.parametrize(
    "assignment",
    [
        "x'); DROP TABLE publications;--=1",
        "title') WHERE 1=1;--=x",
        "citekey=x' OR '1'='1",
        "year=2024; DROP TABLE people",
    ],
)
def test_injected_edit_names_and_values_are_usage_errors(run, injected, db_path, assignment):
    result = run("edit", "inj0", "--set", assignment)
    assert result.exit_code == 2
    assert result.stderr.count("\n") == 1 and result.stderr.startswith("pubdb: ")
    assert table_counts(db_path) == injected


# -- terminals ----------------------------------------------------------------------------


@pytest.mark.parametrize("command", [("list",), ("show", "esc")])
def test_terminal_output_carries_no_escape_sequences(run, command):
    title = "Evil \x1b]0;pwned\x07 title \x1b[2J"
    Path("esc.bib").write_text(bib_entry("esc", title=title), encoding="utf-8")
    assert run("import", "esc.bib").exit_code == 0
    output = run(*command).stdout
    assert "Evil" in output and "\x1b" not in output and "\x07" not in output


# -- output paths ---------------------------------------------------------------------------


def tree(directory: Path) -> dict[str, bytes]:
    return {
        str(p.relative_to(directory)): p.read_bytes() if p.is_file() else b"<dir>"
        for p in sorted(directory.rglob("*"))
        if "db" not in p.relative_to(directory).parts
    }


@pytest.mark.parametrize("format_args", [("--bibtex",), *(("--format", f) for f in FORMATS)])
def test_export_o_writes_only_the_named_file(run, library, tmp_path, format_args):
    (tmp_path / "out").mkdir()
    before = tree(tmp_path)
    result = run("export", *format_args, "-o", "out/cv.txt")
    assert result.exit_code == 0, result.stderr
    after = tree(tmp_path)
    assert set(after) - set(before) == {"out/cv.txt"}
    assert {k: v for k, v in after.items() if k in before} == before
    assert after["out/cv.txt"].decode("utf-8") == export_of(run, *format_args)


def test_export_o_replaces_a_file_whole_and_keeps_its_mode(run, library, tmp_path):
    target = tmp_path / "cv.md"
    target.write_text("old\n", encoding="utf-8")
    target.chmod(0o640)
    assert run("export", "--format", "markdown", "-o", str(target)).exit_code == 0
    assert target.read_text(encoding="utf-8") == export_of(run, "--format", "markdown")
    assert target.stat().st_mode & 0o777 == 0o640
    assert [p.name for p in tmp_path.iterdir() if p.name.endswith(".tmp")] == []


@pytest.mark.parametrize(
    "args",
    [
        ("--format", "html", "--author", "Nobody Atall"),
        ("--style", "no-such-style"),
        ("--format", "markdown", "--style", "apa"),
    ],
    ids=["unknown-author", "unknown-style", "style-with-markdown"],
)
def test_failed_export_leaves_the_target_untouched(run, library, tmp_path, args):
    target = tmp_path / "cv.html"
    target.write_text("precious\n", encoding="utf-8")
    result = run("export", *args, "-o", str(target))
    assert result.exit_code == 2
    assert result.stderr.count("\n") == 1 and result.stderr.startswith("pubdb: ")
    assert target.read_text(encoding="utf-8") == "precious\n"
    assert sorted(p.name for p in tmp_path.iterdir() if p.is_file()) == ["cv.html"]


def test_export_o_into_missing_directories_is_refused(run, library, tmp_path):
    """As `cp` and `pandoc -o` do: a typo in a path leaves no tree of new folders."""
    before = tree(tmp_path)
    target = tmp_path / "missing" / "deeper" / "all.bib"
    result = run("export", "--bibtex", "-o", str(target))
    assert result.exit_code == 2
    assert result.stderr == (
        f"pubdb: cannot write {target}: folder {target.parent} does not exist\n"
    )
    assert tree(tmp_path) == before


@pytest.mark.parametrize("target", ["site", "."])
@pytest.mark.parametrize("format_args", [("--bibtex",), ("--format", "html")])
def test_export_o_at_a_directory_is_refused_and_writes_nothing(
    run, library, tmp_path, format_args, target
):
    (tmp_path / "site").mkdir()
    before = tree(tmp_path)
    result = run("export", *format_args, "-o", target)
    assert result.exit_code == 2
    assert "is a directory" in result.stderr  # click's own usage error (three lines)
    assert tree(tmp_path) == before


def test_export_o_empty_is_a_one_line_error(run, library, tmp_path):
    before = tree(tmp_path)
    result = run("export", "--format", "text", "-o", "")
    assert result.exit_code == 2
    assert result.stderr == "pubdb: . is a directory; give a file name\n"
    assert tree(tmp_path) == before


def test_export_o_below_a_file_is_a_one_line_error(run, library, tmp_path):
    (tmp_path / "plain").write_text("a file\n", encoding="utf-8")
    before = tree(tmp_path)
    result = run("export", "--format", "json", "-o", str(tmp_path / "plain" / "cv.json"))
    assert result.exit_code == 2
    assert result.stderr.count("\n") == 1 and "cannot write" in result.stderr
    assert tree(tmp_path) == before


def test_export_o_dash_is_standard_output(run, library, tmp_path):
    before = tree(tmp_path)
    result = run("export", "--format", "text", "-o", "-")
    assert result.exit_code == 0
    assert result.stdout == export_of(run, "--format", "text")
    assert tree(tmp_path) == before


# -- hostile arXiv feeds -------------------------------------------------------------------


def arxiv_entry(
    arxiv_id: str = "2206.06921v3",
    *,
    title: str = "Attainable forms of Assouad spectra",
    published: str = "2022-06-14T15:35:46Z",
    updated: str = "2025-01-30T01:23:42Z",
) -> bytes:
    return (
        f"<entry><id>http://arxiv.org/abs/{arxiv_id}</id><title>{title}</title>"
        f"<summary>A short placeholder abstract.</summary><published>{published}</published>"
        f"<updated>{updated}</updated><author><name>Alex Rutar</name></author>"
        '<arxiv:primary_category term="math.CA"/></entry>'
    ).encode()


NESTED = "<b>" * 1000 + "deep" + "</b>" * 1000
HOSTILE_FEEDS = {
    # name: (entry, what the one line says)
    "1,000 nested tags in the title": (arxiv_entry(title=NESTED), "nests elements"),
    "a version past SQLite's integers": (
        arxiv_entry("2206.06921v99999999999999999999"),
        "unusable id",
    ),
    "a published date that is no date": (
        arxiv_entry(published="99999-13-45"),
        "impossible date",
    ),
    "an updated date that is no date": (
        arxiv_entry(updated="2022-02-30T10:00:00Z"),
        "impossible date",
    ),
}


@pytest.fixture
def serve_feed(httpserver, monkeypatch):
    def serve(entry: bytes) -> None:
        from arxiv_standin import feed

        body = feed([entry])
        httpserver.expect_request("/api/query").respond_with_data(
            body, content_type="application/atom+xml"
        )
        monkeypatch.setenv("PUBDB_ARXIV_URL", httpserver.url_for("/api/query"))

    return serve


@pytest.mark.parametrize("name", HOSTILE_FEEDS)
def test_hostile_feed_is_one_line_and_stores_nothing(run, library, db_path, serve_feed, name):
    entry, says = HOSTILE_FEEDS[name]
    serve_feed(entry)
    before = bibliographic_dump(db_path)
    result = run("add", "2206.06921")
    assert result.exit_code == 1
    assert result.stderr.startswith("pubdb: ") and result.stderr.count("\n") == 1, result.stderr
    assert says in result.stderr
    assert bibliographic_dump(db_path) == before


def test_a_few_nested_tags_in_a_title_give_its_text(run, library, serve_feed):
    serve_feed(arxiv_entry(title="Attainable <b>forms of <i>Assouad</i></b> spectra"))
    result = run("add", "2206.06921")
    assert result.exit_code == 0, result.stderr
    assert shown(run, "2206.06921")["title"] == "Attainable forms of Assouad spectra"


@pytest.mark.parametrize("text", ["2206.06921v99999999999999999999", "2206.06921v0"])
def test_an_id_with_an_impossible_version_is_not_an_identifier(run, text):
    result = run("add", text)
    assert result.exit_code == 2
    assert result.stderr == f"pubdb: not an arXiv id or DOI: {text!r}; nothing was fetched\n"


_feed_text = st.one_of(
    st.text(max_size=30),
    st.sampled_from(["99999-13-45", "2022-02-30", "0000-00-00T00:00:00Z", "2024-01-01T25:61:00Z",
                     "1e400", "-1", "2206.06921v99999999999999999999", "&amp;", "<![CDATA[x]]>"]),
)  # fmt: skip


@settings(max_examples=300, deadline=None)
@given(
    arxiv_id=st.one_of(
        st.from_regex(r"\A2[0-4][01][0-9]\.[0-9]{5}(v[0-9]{1,25})?\Z"), st.text(max_size=20)
    ),
    published=_feed_text,
    updated=_feed_text,
    title=_feed_text,
    depth=st.integers(0, 3000),
)
def test_any_feed_gives_records_or_one_clean_error(arxiv_id, published, updated, title, depth):
    """What arXiv (or whatever answers in its place) sends is parsed into records that
    can be stored, or refused with a NetworkError: no other exception escapes."""
    from xml.sax.saxutils import escape

    from arxiv_standin import feed
    from pubdb.errors import NetworkError
    from pubdb.papers.from_arxiv import publication_from_arxiv
    from pubdb.sources.arxiv import Retryable, parse_feed

    nested = "<i>" * depth + escape(title) + "</i>" * depth
    entry = arxiv_entry(escape(arxiv_id), title=nested, published=escape(published),
                        updated=escape(updated))  # fmt: skip
    try:
        records = parse_feed(feed([entry]))
    except (NetworkError, Retryable) as error:
        assert "\n" not in str(error)
        return
    for record in records:
        publication = publication_from_arxiv(record)
        assert publication.year is None or 1000 <= publication.year <= 9999
        assert record.id.version is None or record.id.version < 2**63
