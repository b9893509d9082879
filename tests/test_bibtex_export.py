"""BibTeX export: entry types and fields, round trips through bibtexparser and pybtex, real
`bibtex` + `pdflatex` runs, hostile text that must neither break nor attack the document,
and atomic `export -o`."""

from __future__ import annotations

import io
import json
import re
import shutil
import subprocess
import zlib
from dataclasses import dataclass
from pathlib import Path

import bibtexparser
import pytest
from pybtex.database import parse_string as pybtex_parse

from pubdb.bibtex.writer import entry_fields, write_bibtex
from pubdb.library import Library
from pubdb.models import Author, Publication

# Recorded arXiv entries: preprints, journal and conference records, old-style ids,
# TeX in titles, accents and particles in names.
FETCHED = (
    "2104.12832",  # preprint; Sean van der Merwe
    "2206.06921",  # journal_ref + DOI -> @article, June
    "2405.13786",  # workshop journal_ref -> @inproceedings; Ramírez, José Raúl Romero
    "2302.03287",  # conference; "Promises & Perils"
    "astro-ph/0601001",  # old-style id, journal_ref without DOI
    "2306.03845",  # $ω$Test, DOI only
    "1805.09398",  # $\mathbb{R}$ in the title
    "1707.08567",  # 34 authors: de With, van der Putten, Han Vinck
    "2505.05162",  # Møldrup
    "2602.15552",  # Weißl
    "1706.00679",  # Azaïs; "~" in the abstract
    "1205.6628",  # Meißner, "H. -W. Hammer"
    "hep-ph/0301050",  # Andre de Gouvea
    "2104.12255",  # the title is "0"
)


# -- helpers ---------------------------------------------------------------------------


def export_file(run, path: Path, *args: str) -> str:
    result = run("export", "--bibtex", "-o", str(path), *args)
    assert result.exit_code == 0, result.output
    return path.read_text(encoding="utf-8")


def fetched_bibtex(run, tmp_path: Path) -> str:
    result = run("add", *FETCHED)
    assert result.exit_code == 0, result.output
    (tmp_path / "out").mkdir(exist_ok=True)
    return export_file(run, tmp_path / "out" / "all.bib")


def stored_publications() -> list[Publication]:
    with Library() as library:
        return list(library.publications())


def by_key(text: str) -> dict:
    library = bibtexparser.parse_string(text)
    assert library.failed_blocks == []
    return {entry.key: entry for entry in library.entries}


def fields_of(entry) -> dict[str, str]:
    return {field.key: field.value for field in entry.fields}


def persons(text: str, key: str) -> list[tuple[str, str, str]]:
    """(first and middle, von, last) of each author, as pybtex splits them."""
    entry = pybtex_parse(text, "bibtex").entries[key]
    return [
        (
            " ".join(p.first_names + p.middle_names),
            " ".join(p.prelast_names),
            " ".join(p.last_names),
        )
        for p in entry.persons["author"]
    ]


def expected_fields(publication: Publication) -> dict[str, str]:
    fields = dict(entry_fields(publication))
    if publication.month:
        fields["month"] = "jan feb mar apr may jun jul aug sep oct nov dec".split()[
            publication.month - 1
        ]
    return fields


def assert_round_trips(text: str, publications: list[Publication]) -> None:
    """bibtexparser reads back every entry, key and field value as written."""
    entries = by_key(text)
    assert sorted(entries) == sorted(p.citekey for p in publications)
    for publication in publications:
        entry = entries[publication.citekey]
        assert entry.entry_type == publication.entry_type
        assert fields_of(entry) == expected_fields(publication), publication.citekey


# -- real TeX --------------------------------------------------------------------------

TEX_TOOLS = ("pdflatex", "bibtex")
needs_tex = pytest.mark.skipif(
    not all(shutil.which(tool) for tool in TEX_TOOLS),
    reason="pdflatex and bibtex are needed to compile the bibliography (not on PATH)",
)
DOCUMENT = r"""\documentclass{article}
\usepackage{amssymb}
\begin{document}
Cited: \nocite{*}
\bibliographystyle{plain}
\bibliography{refs}
\end{document}
"""


@dataclass
class Compiled:
    returncodes: list[int]
    log: str
    blg: str
    bbl: str
    pdf_text: str


def compile_bibliography(directory: Path, bib: str, *, halt_on_error: bool = True) -> Compiled:
    """pdflatex -> bibtex -> pdflatex on refs.bib, shell escape off."""
    (directory / "refs.bib").write_text(bib, encoding="utf-8")
    (directory / "doc.tex").write_text(DOCUMENT, encoding="utf-8")
    latex = ["pdflatex", "-interaction=nonstopmode", "-no-shell-escape", "doc"]
    if halt_on_error:
        latex.insert(1, "-halt-on-error")
    codes = []
    for command in (latex, ["bibtex", "doc"], latex):
        done = subprocess.run(
            command, cwd=directory, capture_output=True, timeout=120, stdin=subprocess.DEVNULL
        )
        codes.append(done.returncode)

    def read(name: str) -> str:
        path = directory / name
        return path.read_text(encoding="utf-8", errors="replace") if path.exists() else ""

    return Compiled(codes, read("doc.log"), read("doc.blg"), read("doc.bbl"), _pdf_text(directory))


def _pdf_text(directory: Path) -> str:
    """The strings drawn on the PDF's pages, kerning removed."""
    pdf = directory / "doc.pdf"
    if not pdf.exists():
        return ""
    drawn = []
    for stream in re.findall(rb"stream\r?\n(.*?)endstream", pdf.read_bytes(), re.S):
        try:
            content = zlib.decompress(stream)
        except zlib.error:
            continue
        if b"TJ" in content or b"Tj" in content:
            drawn += re.findall(rb"\(((?:\\.|[^\\)])*)\)", content)
    return b"".join(drawn).decode("latin-1")


def tex_errors(compiled: Compiled) -> str:
    """BibTeX's complaints and LaTeX's error lines, for assertion messages."""
    blg = compiled.blg.split("You've used")[0].splitlines()[2:]
    log = [line for line in compiled.log.splitlines() if line.startswith(("!", "l."))]
    return "\n".join(blg[:40] + log[:40])


def assert_compiles_cleanly(compiled: Compiled) -> None:
    assert compiled.returncodes == [0, 0, 0], tex_errors(compiled)
    assert "error message" not in compiled.blg, tex_errors(compiled)
    assert "Warning--I didn't find a database entry" not in compiled.blg, tex_errors(compiled)
    assert "\n! " not in compiled.log, tex_errors(compiled)


# -- entry types and fields of fetched records ------------------------------------------


def test_preprint_is_misc_with_arxiv_fields(run, arxiv, tmp_path):
    text = fetched_bibtex(run, tmp_path)
    entry = by_key(text)["merwe2021determining"]
    assert entry.entry_type == "misc"
    fields = fields_of(entry)
    assert fields["eprint"] == "2104.12832"
    assert fields["archiveprefix"] == "arXiv"
    assert fields["primaryclass"] == "stat.ME"
    assert fields["howpublished"] == "arXiv preprint arXiv:2104.12832"
    assert fields["url"] == "https://arxiv.org/abs/2104.12832"
    assert fields["year"] == "2021"
    assert "doi" not in fields


def test_old_style_arxiv_id_is_the_eprint(run, arxiv, tmp_path):
    fields = fields_of(by_key(fetched_bibtex(run, tmp_path))["gould2006frequency"])
    assert fields["eprint"] == "astro-ph/0601001"
    assert fields["primaryclass"] == "astro-ph"
    assert fields["url"] == "https://arxiv.org/abs/astro-ph/0601001"


def test_journal_record_is_article_with_doi_and_bare_month(run, arxiv, tmp_path):
    text = fetched_bibtex(run, tmp_path)
    entry = by_key(text)["rutar2024attainable"]
    assert entry.entry_type == "article"
    fields = fields_of(entry)
    assert fields["journal"] == "Indiana Univ. Math. J. 73 (2024), 1331-1356"
    assert fields["doi"] == "10.1512/iumj.2024.73.9928"
    assert fields["url"] == "https://arxiv.org/abs/2206.06921"
    assert fields["eprint"] == "2206.06921"
    assert "howpublished" not in fields
    block = text[text.index("@article{rutar2024attainable,") :].split("\n}\n")[0]
    assert "\n  month = jun,\n" in block  # a macro: no braces, no quotes


@pytest.mark.parametrize(
    ("key", "booktitle"),
    [
        pytest.param(
            "ramirez2024explainable",
            "Proc. 2023 IEEE International Conference on Software Testing, Verification and "
            "Validation Workshops (ICSTW), pp. 66-69",
            id="workshop",
        ),
        pytest.param(
            "jalil2023chatgpt",
            "2023 IEEE International Conference on Software Testing, Verification and "
            "Validation Workshops (ICSTW)",
            id="conference",
        ),
    ],
)
def test_conference_record_is_inproceedings(run, arxiv, tmp_path, key, booktitle):
    entry = by_key(fetched_bibtex(run, tmp_path))[key]
    assert entry.entry_type == "inproceedings"
    assert fields_of(entry)["booktitle"] == booktitle
    assert fields_of(entry)["doi"].startswith("10.1109/")


def test_every_entry_has_a_url_and_the_stored_doi(run, arxiv, tmp_path):
    entries = by_key(fetched_bibtex(run, tmp_path))
    for publication in stored_publications():
        fields = fields_of(entries[publication.citekey])
        assert fields["url"] == publication.url
        assert fields.get("doi") == publication.doi


def test_arxiv_tex_in_titles_is_kept_not_escaped(run, arxiv, tmp_path):
    entries = by_key(fetched_bibtex(run, tmp_path))
    title = {key: fields_of(entry)["title"] for key, entry in entries.items()}
    assert title["jalil2023chatgpt"] == (
        r"{ChatGPT} and Software Testing Education: Promises \& Perils"
    )
    assert title["ginting2018fractional"].endswith(r"In $\mathbb{R}$")
    assert title["hu2023test"].startswith("$")
    assert title["nguyen2021"] == "0"


# -- parsing back ----------------------------------------------------------------------


def test_fetched_records_round_trip_through_bibtexparser(run, arxiv, tmp_path):
    assert_round_trips(fetched_bibtex(run, tmp_path), stored_publications())


def test_fetched_records_parse_with_pybtex_into_the_right_people(run, arxiv, tmp_path):
    text = fetched_bibtex(run, tmp_path)
    parsed = pybtex_parse(text, "bibtex")
    for publication in stored_publications():
        people = parsed.entries[publication.citekey].persons["author"]
        assert len(people) == len(publication.authors), publication.citekey
    assert persons(text, "ramirez2024explainable") == [
        ("Aurora", "", r"Ram{\'\i}rez"),
        ("Mario", "", "Berrios"),
        (r"Jos{\'e} Ra{\'u}l", "", "Romero"),
        ("Robert", "", "Feldt"),
    ]
    assert persons(text, "merwe2021determining") == [("Sean", "van der", "Merwe")]
    assert persons(text, "gouvea2003statistical") == [
        ("Andre", "de", "Gouvea"),
        ("Hitoshi", "", "Murayama"),
    ]
    immink = persons(text, "immink2017proceedings")
    assert ("Peter H. N.", "de", "With") in immink
    assert ("Joost", "van der", "Putten") in immink
    assert ("A. J.", "", "Han Vinck") in immink


def test_hyphenated_initials_stay_in_the_given_name(run, arxiv, tmp_path):
    """arXiv writes 'H. -W. Hammer': the family name is Hammer."""
    text = fetched_bibtex(run, tmp_path)
    last_names = [last for _, _, last in persons(text, "lorenz2012size")]
    assert last_names == ["Lorenz", "Hammer", r"Mei{\ss}ner"]


@needs_tex
def test_fetched_records_compile_with_bibtex(run, arxiv, tmp_path):
    compiled = compile_bibliography(tmp_path, fetched_bibtex(run, tmp_path))
    assert_compiles_cleanly(compiled)
    for publication in stored_publications():
        assert rf"\bibitem{{{publication.citekey}}}" in compiled.bbl
    for expected in (
        r"Ram{\'\i}rez",
        r"M{\o}ldrup",
        r"Wei{\ss}l",
        r"Aza{\"\i}s",
        r"Mei{\ss}ner",
        r"Promises \& perils",  # the style lower-cases; \& survives
        r"$\mathbb{R}$",
        "{AEW10}",
    ):
        assert expected in compiled.bbl, expected


# -- hand-built records with hostile text -------------------------------------------------

LONG_TITLE = "Scaling " + "laws " * 2000


def author(given: str, family: str) -> Author:
    return Author(f"{given} {family}", given, family)


def hostile_publications() -> list[Publication]:
    return [
        Publication(
            citekey="boulle2023lora",
            entry_type="article",
            kind="journal",
            title="LoRA meets ReLU: Fine-tuning at 100% & beyond",
            journal="J. Mach. Learn. Res.",
            year=2023,
            month=6,
            volume="24",
            pages="1--10",
            doi="10.1000/jmlr_2023.{1}",
            url="https://example.org/paper?a=1&b=2%20c#frag",
            authors=[
                author("Nicolas", "Boullé"),
                author("Łukasz", "Kaiser"),
                author("Øystein", "Ødegård"),
                author("Oliver", "Weißl"),
                author("Stéphane", "d'Ascoli"),
                author("Jan", "van der Berg"),
            ],
        ),
        Publication(
            citekey="script2024",
            title="<script>alert('x')</script> and <b>bold</b>",
            year=2024,
            authors=[author("Mallory", "Hacker")],
        ),
        Publication(
            citekey="braces2024",
            title="Unbalanced { brace, a closing } one, and }{ reversed",
            year=2024,
            note=r"escaped \{ alone",
            authors=[author("Brace", "Open{")],
        ),
        Publication(
            citekey="delimiters2024",
            title=r"Stray \( and \] delimiters, $50%$ in math, an unclosed $ dollar",
            year=2024,
            authors=[author("Del", "Imiter")],
        ),
        Publication(
            citekey="passwd2024",
            title=r"\input{/etc/passwd} and $x\input{/etc/passwd}$ and \include{/etc/passwd}",
            year=2024,
            authors=[author("Eve", r"\input{/etc/passwd}")],
        ),
        Publication(
            citekey="shell2024",
            title=r"\immediate\write18{touch pwned} and $\write18{touch pwned}$",
            year=2024,
            authors=[author("Eve", "Shell")],
        ),
        Publication(
            citekey="invisible2024",
            title="NUL\x00 byte, bell\x07, RTL\u200f mark and \u202eoverride",
            year=2024,
            authors=[Author("Ev\u200fe In\x00visible", "Ev\u200fe", "In\x00visible")],
        ),
        Publication(
            citekey="sql2024",
            title="'; DROP TABLE x; --",
            year=2024,
            abstract="Robert'); DROP TABLE students;-- 50% off, $5 #1 a_b ~ ^ \\",
            authors=[author("Bobby", "Tables")],
        ),
        Publication(
            citekey="long2024",
            title=LONG_TITLE,
            year=2024,
            authors=[author("Long", "Title")],
        ),
        Publication(
            citekey="yang2022mup",
            title=r"$\mu$P: tuning at 10\% of the cost \& more",
            year=2022,
            month=3,
            arxiv_id="2203.03466",
            arxiv_primary_category="cs.LG",
            authors=[author("Greg", "Yang")],
        ),
    ]


def hostile_bibtex() -> str:
    out = io.StringIO()
    assert write_bibtex(hostile_publications(), out) == len(hostile_publications())
    return out.getvalue()


def test_hostile_text_leaves_no_raw_specials_in_the_file():
    text = hostile_bibtex()
    for forbidden in ("\x00", "\x07", "\u200f", "\u202e", "<script>", "<b>"):
        assert forbidden not in text, repr(forbidden)
    for command in (r"\input", r"\include", r"\immediate", r"\write18"):
        assert command not in text, command


def test_hostile_records_round_trip_through_bibtexparser():
    assert_round_trips(hostile_bibtex(), hostile_publications())


def test_hostile_records_parse_with_pybtex():
    text = hostile_bibtex()
    parsed = pybtex_parse(text, "bibtex")
    assert sorted(parsed.entries) == sorted(p.citekey for p in hostile_publications())
    assert persons(text, "boulle2023lora") == [
        ("Nicolas", "", r"Boull{\'e}"),
        (r"{\L}ukasz", "", "Kaiser"),
        (r"{\O}ystein", "", r"{\O}deg{\r{a}}rd"),
        ("Oliver", "", r"Wei{\ss}l"),
        (r"St{\'e}phane", "", "d'Ascoli"),
        ("Jan", "van der", "Berg"),
    ]
    assert persons(text, "invisible2024") == [("Eve", "", "Invisible")]
    assert len(parsed.entries["long2024"].fields["title"]) > 10_000


def test_preprint_built_by_hand_gets_arxiv_fields():
    fields = fields_of(by_key(hostile_bibtex())["yang2022mup"])
    assert fields["eprint"] == "2203.03466"
    assert fields["archiveprefix"] == "arXiv"
    assert fields["primaryclass"] == "cs.LG"
    assert fields["howpublished"] == "arXiv preprint arXiv:2203.03466"
    assert fields["title"] == r"$\mu$P: tuning at 10\% of the cost \& more"


@needs_tex
def test_hostile_records_compile_with_bibtex(tmp_path):
    compiled = compile_bibliography(tmp_path, hostile_bibtex())
    assert_compiles_cleanly(compiled)
    for publication in hostile_publications():
        assert rf"\bibitem{{{publication.citekey}}}" in compiled.bbl
    for expected in (
        r"Boull{\'e}",
        r"{\L}ukasz",
        r"{\O}deg{\r{a}}rd",
        r"Wei{\ss}l",
        "{LoRA}",
        "{ReLU}",
        r"{\textless}script{\textgreater}",
        r"\textbackslash",
    ):
        assert expected in compiled.bbl, expected
    assert "(/etc/passwd" not in compiled.log, "LaTeX opened /etc/passwd"
    assert "root:" not in compiled.log + compiled.pdf_text, "/etc/passwd leaked"
    assert not (tmp_path / "pwned").exists()


# Payloads that try to read ./secret.tex from the bibliography. Titles are what a
# hostile arXiv listing or a pasted record could hold; braces keep the style from
# lower-casing them.
READ_ATTEMPTS = [
    pytest.param(r"\input{secret}", id="input"),
    pytest.param(r"$\input{secret}$", id="input-in-math"),
    pytest.param(r"{\csname input\endcsname{secret}}", id="csname"),
    pytest.param(r"$^^5cinput{secret}$", id="caret-notation-backslash-in-math"),
    pytest.param(r"$\^^69nput{secret}$", id="caret-notation-letter-in-math"),
    pytest.param(r"\input@secret and more", id="at-sign-glued-to-input"),
    pytest.param(r"{\UseName{input}{secret}}", id="UseName"),
    pytest.param(r"{\ExpandArgs{c}\relax{input}{secret}}", id="ExpandArgs"),
    pytest.param(r"{\ExplSyntaxOn \use:c{input}{secret}}", id="expl3-use-c"),
    pytest.param(r"{\pdffiledump length 64 {secret.tex}}", id="pdffiledump"),
]
SECRET = r"\message{LEAKED 7f3a}"


def leaks(compiled: Compiled) -> list[str]:
    found = []
    if "secret.tex" in compiled.log:
        found.append("the .log shows secret.tex was opened")
    if "LEAKED" in compiled.log:
        found.append("the file was read as TeX: its \\message ran")
    if SECRET.encode().hex().upper() in compiled.pdf_text.upper():
        found.append("the file's bytes are drawn in the PDF")
    return found


@needs_tex
@pytest.mark.parametrize("payload", READ_ATTEMPTS)
def test_bibliography_never_reads_a_file(tmp_path, payload):
    for name in ("secret.tex", "@secret.tex"):
        (tmp_path / name).write_text(SECRET, encoding="ascii")
    publication = Publication(
        citekey="attack2024", title=payload, year=2024, authors=[author("Eve", "Reader")]
    )
    out = io.StringIO()
    write_bibtex([publication], out)
    compiled = compile_bibliography(tmp_path, out.getvalue(), halt_on_error=False)
    assert r"\bibitem{attack2024}" in compiled.bbl, tex_errors(compiled)
    assert leaks(compiled) == [], compiled.bbl


# -- export -o: atomic, filtered -------------------------------------------------------


def leftovers(directory: Path) -> list[str]:
    return sorted(p.name for p in directory.iterdir() if p.name.endswith(".tmp"))


def test_export_twice_leaves_one_complete_file(run, arxiv, tmp_path):
    run("add", "2104.12832", "2206.06921", "2405.13786")
    target = tmp_path / "bib" / "all.bib"
    target.parent.mkdir()
    first = export_file(run, target)
    second = export_file(run, target)
    assert second == first
    assert sorted(p.name for p in target.parent.iterdir()) == ["all.bib"]
    assert len(by_key(second)) == 3
    assert second.endswith("}\n")


def test_export_writes_to_stdout_the_same_text(run, arxiv, tmp_path):
    run("add", "2104.12832", "2206.06921")
    to_file = export_file(run, tmp_path / "all.bib")
    result = run("export", "--bibtex")
    assert result.exit_code == 0
    assert result.stdout == to_file


def test_export_reports_the_count_on_stderr(run, arxiv, tmp_path):
    run("add", "2104.12832", "2206.06921")
    result = run("export", "--bibtex", "-o", str(tmp_path / "all.bib"))
    assert result.stdout == ""
    assert "wrote 2 entries" in result.stderr


def test_failed_export_leaves_the_existing_file_unchanged(run, arxiv, tmp_path):
    run("add", "2104.12832")
    target = tmp_path / "all.bib"
    target.write_text("% my precious bibliography\n", encoding="utf-8")
    result = run("export", "--bibtex", "-o", str(target), "--author", "Nobody Atall")
    assert result.exit_code == 2
    assert "Nobody Atall" in result.stderr
    assert target.read_text(encoding="utf-8") == "% my precious bibliography\n"
    assert leftovers(tmp_path) == []


def test_error_while_writing_leaves_the_existing_file_unchanged(run, arxiv, tmp_path, monkeypatch):
    run("add", "2104.12832", "2206.06921", "2405.13786")
    target = tmp_path / "all.bib"
    before = export_file(run, target)
    import pubdb.bibtex.writer

    real_write = pubdb.bibtex.writer.write_entries

    def fail_on_third(entries, *rest):
        def failing():
            for number, entry in enumerate(entries, 1):
                if number == 3:  # entries come from the cache now: fail as they are written
                    raise RuntimeError("disk on fire")
                yield entry

        return real_write(failing(), *rest)

    monkeypatch.setattr(pubdb.bibtex.writer, "write_entries", fail_on_third)
    with pytest.raises(RuntimeError, match="disk on fire"):
        run("export", "--bibtex", "-o", str(target))
    assert target.read_text(encoding="utf-8") == before
    assert leftovers(tmp_path) == []


def test_author_filter_exports_only_that_authors_papers(run, arxiv, tmp_path):
    run("add", "2104.12832", "2206.06921", "2405.13786")
    text = export_file(run, tmp_path / "rutar.bib", "--author", "Alex Rutar")
    assert list(by_key(text)) == ["rutar2024attainable"]
    text = export_file(run, tmp_path / "merwe.bib", "--author", "S. van der Merwe")
    assert list(by_key(text)) == ["merwe2021determining"]


def test_authors_come_back_in_their_written_order_not_their_people_order(run, tmp_path):
    """Each record's authors are read in position order: here the later people (by id)
    come first, and a record without authors has none."""
    bib = tmp_path / "order.bib"
    bib.write_text(
        "@article{first, author = {Zed Zimmer and Yan Young}, title = {One}, year = {2020}}\n"
        "@article{second, author = {Amy Adler and Yan Young and Zed Zimmer},"
        " title = {Two}, year = {2021}}\n"
        "@misc{third, title = {Nobody's}, year = {2022}}\n",
        encoding="utf-8",
    )
    assert run("import", str(bib)).exit_code == 0
    text = export_file(run, tmp_path / "out.bib")
    authors = {key: fields_of(entry).get("author") for key, entry in by_key(text).items()}
    assert authors == {
        "first": "Zed Zimmer and Yan Young",
        "second": "Amy Adler and Yan Young and Zed Zimmer",
        "third": None,
    }
    listed = run("list", "--json")
    by_citekey = {item["citekey"]: item for item in json.loads(listed.stdout)}
    assert [a["name"] for a in by_citekey["second"]["authors"]] == [
        "Amy Adler",
        "Yan Young",
        "Zed Zimmer",
    ]
