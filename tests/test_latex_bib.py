"""A .bib for each LaTeX document: `export --aux/--tex/--keys` (the cited entries, what
they need, keys a merge absorbed, missing keys with close ones), `--watch`, an unchanged
file left untouched, and real compiles (pdflatex + bibtex with natbib, pdflatex + biber
with biblatex) that end with no undefined citation."""

from __future__ import annotations

import os
import re
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from pubdb.errors import UsageError
from pubdb.library import Library
from pubdb.tex.citations import (
    cited_keys,
    document_citations,
    keys_given,
    read_aux,
    read_bcf,
    read_tex,
    source_text,
)

ROOT = Path(__file__).resolve().parents[1]
PUBDB = str(Path(sys.executable).parent / "pubdb")

# A library with what a paper's .bib must carry along: @string macros (one unused), a
# @preamble whose command an entry uses (and one nobody uses), crossref and xdata
# parents, and a record that absorbed another key in a merge.
LIBRARY_BIB = r"""@preamble{ "\newcommand{\noopsort}[1]{}" }
@preamble{ "\providecommand{\unusedmacro}{x}" }
@string{ jmlr = "Journal of Machine Learning Research" }
@string{ pmlr = "PMLR" }
@string{ unused = "Never Used Anywhere" }

@article{venturi2022depth,
  author = {Venturi, Luca and Jelassi, Samy and Ozuch, Tristan and Bruna, Joan},
  title = {Depth separation beyond radial functions},
  journal = jmlr,
  year = {2022},
  volume = {23},
  pages = {1--56},
}

@inproceedings{jelassi2024repeat,
  author = {Jelassi, Samy and Brandfonbrener, David and Kakade, Sham M. and Malach, Eran},
  title = {Repeat After Me: Transformers are Better than State Space Models at Copying},
  crossref = {icml2024},
  pages = {21502--21521},
  year = {2024},
}

@proceedings{icml2024,
  title = {Proceedings of the 41st International Conference on Machine Learning},
  booktitle = {Proceedings of the 41st International Conference on Machine Learning},
  editor = {Salakhutdinov, Ruslan and Kolter, Zico},
  publisher = pmlr,
  year = {2024},
}

@article{sorted2020,
  author = {{\noopsort{a}}Zed, Anna},
  title = {Sorted first by a preamble command},
  journal = {Journal of Sorting},
  year = {2020},
  volume = {1},
  pages = {1--2},
}

@article{zekri2024markov,
  author = {Zekri, Oussama and Odonnat, Ambroise},
  title = {Large Language Models as {Markov} Chains},
  journal = {Transactions on Machine Learning Research},
  year = {2024},
}

@article{zekri2024llm,
  author = {Zekri, Oussama and Odonnat, Ambroise},
  title = {{LLMs} as {Markov} Chains, an early version},
  journal = {Transactions on Machine Learning Research},
  year = {2024},
}

@article{notcited2019,
  author = {Nobody, Nora},
  title = {Never cited},
  journal = {Journal of Nothing},
  year = {2019},
}
"""


@pytest.fixture
def library(tmp_path, db_path) -> Library:
    bib = tmp_path / "library.bib"
    bib.write_text(LIBRARY_BIB, encoding="utf-8")
    with Library(db_path) as opened:
        report = opened.import_bibtex([bib])
        assert report.count("failed") == 0, report.failures
        opened.merge("zekri2024markov", "zekri2024llm")  # zekri2024llm goes into ids
        yield opened


def entry_keys(bib: str) -> list[str]:
    return re.findall(r"^@(?!string|preamble)\w+\{([^,\s]+),", bib, re.MULTILINE | re.I)


def export(library: Library, *keys: str, biblatex: bool = False, everything: bool = False):
    citations = keys_given(",".join(keys))
    citations.biblatex, citations.everything = biblatex, everything
    return library.export_cited(citations, os.devnull)


# -- reading a document's keys ---------------------------------------------------------


@pytest.mark.parametrize(
    "aux, keys",
    [
        pytest.param("\\relax\n\\citation{a,b}\n\\citation{b, c}\n", ["a", "b", "c"], id="natbib"),
        pytest.param("\\citation{*}\n", [], id="nocite-all"),
        pytest.param(
            "\\abx@aux@refcontext{nty/global//global/global}\n\\abx@aux@cite{0}{a}\n"
            "\\abx@aux@segm{0}{0}{a}\n\\abx@aux@cite{1}{b}\n",
            ["a", "b"],
            id="biblatex",
        ),
        pytest.param("\\abx@aux@cite{old}\n", ["old"], id="biblatex-before-3.8"),
        pytest.param("\\bibcite{done}{1}\n\\bibdata{refs}\n", [], id="no-citation"),
    ],
)
def test_aux_keys(tmp_path, aux, keys):
    (tmp_path / "paper.aux").write_text(aux)
    citations = read_aux(tmp_path / "paper.aux")
    assert citations.keys == keys
    assert citations.everything == ("{*}" in aux)
    assert citations.biblatex == ("abx@aux" in aux)


def test_aux_of_included_chapters_and_biblatex_cite_all(tmp_path):
    (tmp_path / "paper.aux").write_text("\\citation{a}\n\\@input{ch1.aux}\n\\@input{gone.aux}\n")
    (tmp_path / "ch1.aux").write_text("\\citation{b}\n\\@input{paper.aux}\n")
    citations = read_aux(tmp_path / "paper.aux")
    assert citations.keys == ["a", "b"]
    assert citations.files == [tmp_path / "paper.aux", tmp_path / "ch1.aux"]
    (tmp_path / "all.aux").write_text("\\abx@aux@nociteall\n")
    assert read_aux(tmp_path / "all.aux").everything


BCF = """<?xml version="1.0" encoding="UTF-8"?>
<bcf:controlfile version="3.8" bltxversion="3.18b" xmlns:bcf="https://sourceforge.net/projects/biblatex">
  <bcf:bibdata section="0">
    <bcf:datasource type="file" datatype="bibtex">refs.bib</bcf:datasource>
  </bcf:bibdata>
  <bcf:section number="0">
    <bcf:citekey order="1" intorder="1">a1</bcf:citekey>
    <bcf:citekey order="2" intorder="1" nocite="1">*</bcf:citekey>
    <bcf:citekey order="3" intorder="1">b2</bcf:citekey>
  </bcf:section>
</bcf:controlfile>
"""


def test_bcf_keys_also_given_as_aux(tmp_path):
    (tmp_path / "paper.bcf").write_text(BCF)
    for citations in (read_bcf(tmp_path / "paper.bcf"), read_aux(tmp_path / "paper.bcf")):
        assert (citations.keys, citations.everything, citations.biblatex) == (["a1", "b2"], 1, 1)


def test_a_broken_bcf_or_a_missing_file_is_one_usage_error(tmp_path):
    (tmp_path / "paper.bcf").write_text("<?xml version='1.0'?><bcf:controlfile")
    with pytest.raises(UsageError, match="not a biblatex control file"):
        read_aux(tmp_path / "paper.bcf")
    with pytest.raises(UsageError, match="compile the document first"):
        read_aux(tmp_path / "nothere.aux")


@pytest.mark.parametrize(
    "tex, keys",
    [
        pytest.param(r"\cite{a} \citet{b,c} \citep[p.~3]{d}", "a b c d", id="latex-natbib"),
        pytest.param(r"\citep[see][chap.~2]{a} \citealt*{b} \Citet{c}", "a b c", id="natbib-opt"),
        pytest.param(
            r"\citeauthor{a} \citeyearpar{b} \citetalias{c} \nocite{d}", "a b c d", id="natbib-more"
        ),
        pytest.param(
            r"\autocite{a} \Textcite{b} \parencite*[12]{c} \footfullcite{d}",
            "a b c d",
            id="biblatex",
        ),
        pytest.param(
            r"\parencites(see)(ibid)[p1][p2]{a}[x]{b,c} and {not}", "a b c", id="biblatex-multicite"
        ),
        pytest.param(
            r"\volcite[see]{2}[45]{a} \pvolcites(x)(y){3}[4]{b}{5}{c}",
            "a b c",
            id="biblatex-volcite",
        ),
        pytest.param(r"\citeA<e.g.>[p.~3]{a} \fullcite{b}", "a b", id="apacite"),
        pytest.param(
            r"\textcquote[p][12]{a}{text} \foreignblockcquote{french}{b}{t}", "a b", id="csquotes"
        ),
        pytest.param("\\cite\n  {a} \\cite\n\n{not}", "a", id="line-break-not-paragraph"),
        pytest.param(
            r"\newcommand{\mycite}[1]{\cite{#1}} \mycite{a} \DeclareCiteCommand{\x}{y}",
            "a",
            id="definitions",
        ),
        pytest.param(
            r"\citestyle{nature} \bibliographystyle{plain} \cite{ a , b }",
            "a b",
            id="not-citations",
        ),
        pytest.param(
            "% \\cite{x}\n\\verb|\\cite{y}| 50\\% \\cite{a}\n"
            "\\begin{verbatim}\\cite{z}\\end{verbatim}",
            "a",
            id="comments-verbatim",
        ),
    ],
)
def test_tex_citation_commands(tex, keys):
    assert cited_keys(source_text(tex)) == keys.split()


def test_tex_follows_inputs_and_tells_biblatex(tmp_path):
    (tmp_path / "chapters").mkdir()
    (tmp_path / "paper.tex").write_text(
        "\\usepackage[style=authoryear]{biblatex}\n\\cite{a}\\input{chapters/one}\n"
        "\\include{missing}\\subimport{chapters/}{two}\n"
    )
    (tmp_path / "chapters" / "one.tex").write_text("\\cite{b}\\input{paper}\n")
    (tmp_path / "chapters" / "two.tex").write_text("\\nocite{*}\\textcite{c}\n")
    citations = read_tex(tmp_path / "paper.tex")
    assert citations.keys == ["a", "b", "c"]
    assert citations.everything and citations.biblatex
    assert [p.name for p in citations.files] == ["paper.tex", "one.tex", "two.tex"]


def test_keys_and_sources_together(tmp_path):
    (tmp_path / "a.aux").write_text("\\citation{x,y}\n")
    citations = document_citations(aux=[tmp_path / "a.aux"], keys=["y, z", "w"])
    assert citations.keys == ["x", "y", "z", "w"]


# -- choosing the entries ------------------------------------------------------------


def test_only_cited_entries_with_their_parents_strings_and_preambles(library):
    result = export(library, "jelassi2024repeat", "venturi2022depth")
    assert entry_keys(result.text) == ["venturi2022depth", "jelassi2024repeat", "icml2024"]
    assert "@string{jmlr = {Journal of Machine Learning Research}}" in result.text
    assert "@string{pmlr = {PMLR}}" in result.text  # the crossref parent's
    assert "unused" not in result.text.lower()
    assert "@preamble" not in result.text  # no entry here uses \noopsort
    assert "journal = jmlr," in result.text
    assert result.missing == [] and result.renamed == []


def test_a_preamble_comes_when_an_entry_uses_its_command(library):
    text = export(library, "sorted2020").text
    assert text.count("@preamble") == 1 and "\\noopsort" in text
    assert "unusedmacro" not in text
    everything = export(library, everything=True).text
    assert everything.count("@preamble") == 2
    assert len(entry_keys(everything)) == 6


def test_missing_keys_with_close_ones_and_the_entry_that_names_them(library, tmp_path):
    bib = tmp_path / "child.bib"
    bib.write_text("@inproceedings{orphan2020, author = {A, B}, title = {T},"
                   " crossref = {procs2020}, year = {2020}}\n")  # fmt: skip
    library.import_bibtex([bib])
    result = export(library, "jelasi2024repeat", "orphan2020", "whatever1999")
    assert entry_keys(result.text) == ["orphan2020"]
    missing = {m.key: (m.close, m.needed_by) for m in result.missing}
    assert missing == {
        "jelasi2024repeat": (["jelassi2024repeat"], None),
        "whatever1999": ([], None),
        "procs2020": ([], "orphan2020"),
    }


def test_a_key_a_merge_absorbed_is_written_as_the_document_cites_it(library):
    result = export(library, "zekri2024llm")
    assert entry_keys(result.text) == ["zekri2024llm"]
    assert "ids = {zekri2024markov}" in result.text  # biber finds the record's own key too
    assert result.renamed == [("zekri2024llm", "zekri2024markov")]
    assert result.missing == []


def test_both_keys_of_one_paper_biblatex_one_entry_bibtex_one_each(library):
    biblatex = export(library, "zekri2024llm", "zekri2024markov", biblatex=True)
    assert entry_keys(biblatex.text) == ["zekri2024markov"]
    assert "ids = {zekri2024llm}" in biblatex.text
    bibtex = export(library, "zekri2024llm", "zekri2024markov")
    assert entry_keys(bibtex.text) == ["zekri2024llm", "zekri2024markov"]
    assert "ids =" not in bibtex.text  # each key has its own entry: no alias may clash
    assert bibtex.several_keys == [["zekri2024llm", "zekri2024markov"]]


def test_expand_strings_and_al_folio(library):
    citations = keys_given("venturi2022depth")
    result = library.export_cited(citations, os.devnull, expand_strings=True)
    assert "@string" not in result.text
    assert "journal = {Journal of Machine Learning Research}" in result.text


# -- the command -------------------------------------------------------------------------


def test_cli_writes_the_file_and_exits_1_when_keys_are_missing(library, run, tmp_path):
    (tmp_path / "paper.aux").write_text("\\citation{venturi2022depth,jelasi2024repeat}\n")
    result = run("export", "--bibtex", "--aux", "paper.aux", "-o", "refs.bib")
    assert result.exit_code == 1
    assert result.stderr.splitlines() == [
        "wrote 1 entry to refs.bib",
        "pubdb: 1 cited key is not in the library: jelasi2024repeat"
        " (did you mean jelassi2024repeat?)",
    ]
    assert entry_keys((tmp_path / "refs.bib").read_text()) == ["venturi2022depth"]
    ok = run("export", "--keys", "zekri2024llm", "-o", "refs.bib")
    assert ok.exit_code == 0
    assert ok.stderr.splitlines() == [
        "wrote 1 entry to refs.bib",
        "zekri2024llm: written from zekri2024markov (a key it absorbed in a merge)",
    ]


@pytest.mark.parametrize(
    "args",
    [
        pytest.param(["--keys", "venturi2022depth", "-o", "refs.bib"], id="cited"),
        pytest.param(["--bibtex", "-o", "refs.bib"], id="whole-library"),
    ],
)
def test_a_rerun_that_changes_nothing_leaves_the_file_untouched(library, run, tmp_path, args):
    assert run("export", *args).exit_code == 0
    target = tmp_path / "refs.bib"
    os.utime(target, ns=(1_000_000_000, 1_000_000_000))
    before = target.read_bytes()
    again = run("export", *args)
    assert again.exit_code == 0
    assert again.stderr.startswith("refs.bib unchanged (")
    assert target.read_bytes() == before
    assert target.stat().st_mtime_ns == 1_000_000_000
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".refs.bib")] == []
    library.edit("venturi2022depth", [("volume", "24")])
    changed = run("export", *args)
    assert changed.stderr.startswith("wrote ")
    assert target.stat().st_mtime_ns != 1_000_000_000


@pytest.mark.parametrize(
    "args, message",
    [
        pytest.param(["--keys", "a", "--format", "markdown"], "are for BibTeX", id="format"),
        pytest.param(["--aux", "x.aux", "--author", "Samy Jelassi"], "drop --author", id="author"),
        pytest.param(["--watch"], "give it with -o FILE", id="watch-stdout"),
        pytest.param(
            ["--tex", "nothere.tex"], "cannot read nothere.tex: no such file", id="missing-file"
        ),
    ],
)
def test_bad_options_are_one_line(library, run, args, message):
    result = run("export", *args)
    assert result.exit_code == 2
    assert result.stderr.startswith("pubdb: ") and message in result.stderr
    assert len(result.stderr.splitlines()) == 1


# -- --watch ---------------------------------------------------------------------------


def _wait_for(condition, timeout: float = 20.0) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.1)


def test_watch_rewrites_on_library_and_document_changes_once_each(library, tmp_path, db_path):
    library.close()
    aux = tmp_path / "paper.aux"
    aux.write_text("\\citation{venturi2022depth}\n")
    target = tmp_path / "refs.bib"
    env = {**os.environ, "PUBDB_DB": str(db_path)}
    watcher = subprocess.Popen(
        [PUBDB, "export", "--aux", "paper.aux", "-o", "refs.bib", "--watch"],
        cwd=tmp_path, env=env, stderr=subprocess.PIPE, text=True,
    )  # fmt: skip
    try:
        _wait_for(target.exists)
        first = target.stat().st_mtime_ns
        subprocess.run([PUBDB, "edit", "venturi2022depth", "--set", "volume=24"], env=env,
                       check=True, capture_output=True)  # fmt: skip
        _wait_for(lambda: "volume = {24}" in target.read_text())
        second = target.stat().st_mtime_ns
        aux.write_text("\\citation{venturi2022depth}\n")  # LaTeX ran again, same citations
        subprocess.run([PUBDB, "edit", "notcited2019", "--set", "volume=9"], env=env,
                       check=True, capture_output=True)  # fmt: skip
        time.sleep(2.0)
        assert target.stat().st_mtime_ns == second  # nothing the document needs changed
        aux.write_text("\\citation{venturi2022depth,sorted2020,nothere}\n")
        _wait_for(lambda: "sorted2020" in target.read_text())
        assert "@preamble" in target.read_text()
    finally:
        watcher.send_signal(signal.SIGINT)
        _, stderr = watcher.communicate(timeout=20)
    assert watcher.returncode == 0
    lines = [re.sub(r"^\d\d:\d\d:\d\d ", "", line) for line in stderr.splitlines()]
    assert lines == [
        "keeping refs.bib up to date (Ctrl-C stops)",
        "wrote 1 entry to refs.bib",
        "wrote 1 entry to refs.bib",
        "wrote 2 entries to refs.bib",
        "pubdb: 1 cited key is not in the library: nothere",
        "stopped watching refs.bib",
    ]
    assert first < second


def test_watch_library_level_stops_and_sees_other_connections(library, db_path, tmp_path):
    seen = []
    ticks = iter(range(100))

    def stop() -> bool:
        return len(seen) >= 2 or next(ticks) > 50

    def sleep(_seconds: float) -> None:
        if len(seen) == 1 and not getattr(sleep, "done", False):
            with Library(db_path) as other:
                other.edit("venturi2022depth", [("volume", "99")])
            sleep.done = True

    for _ in library.changes(list, interval=0, sleep=sleep, stop=stop):
        seen.append(library.get("venturi2022depth").volume)
    assert seen == ["23", "99"]


# -- real compiles -------------------------------------------------------------------------

LATEX = ["pdflatex", "-interaction=nonstopmode", "-halt-on-error", "-no-shell-escape"]
needs_bibtex = pytest.mark.skipif(
    not (shutil.which("pdflatex") and shutil.which("bibtex")),
    reason="pdflatex and bibtex are needed for a real compile (not on PATH)",
)


def _has_biblatex() -> bool:
    if not (shutil.which("pdflatex") and shutil.which("biber") and shutil.which("kpsewhich")):
        return False
    found = subprocess.run(["kpsewhich", "biblatex.sty"], capture_output=True, text=True)
    return bool(found.stdout.strip())


needs_biber = pytest.mark.skipif(
    not _has_biblatex(),
    reason="pdflatex, biber and biblatex.sty (texlive-bibtex-extra) are needed",
)

NATBIB_PAPER = r"""\documentclass{article}
\usepackage{natbib}
\begin{document}
\citet{venturi2022depth} showed it; see \citep[p.~3]{jelassi2024repeat, zekri2024llm}
and \citeauthor{sorted2020}.
\bibliographystyle{plainnat}
\bibliography{refs}
\end{document}
"""

BIBLATEX_PAPER = r"""\documentclass{article}
\usepackage[backend=biber,style=authoryear]{biblatex}
\addbibresource{refs.bib}
\begin{document}
\textcite{venturi2022depth} showed it; see \autocite[3]{jelassi2024repeat}
and \parencites[p.~2]{zekri2024llm}{zekri2024markov}{sorted2020}.
\printbibliography
\end{document}
"""


def _run(command: list[str], cwd: Path) -> subprocess.CompletedProcess:
    return subprocess.run(command, cwd=cwd, capture_output=True, text=True, timeout=180,
                          stdin=subprocess.DEVNULL, errors="replace")  # fmt: skip


def _undefined(log: str) -> list[str]:
    return re.findall(r"(?:Citation|Reference) .*? undefined|There were undefined \w+", log)


def _compile(paper: Path, bib_tool: str, export: list[str], env: dict) -> tuple[str, str]:
    """pdflatex, pubdb export, the bibliography tool, pdflatex twice; (log, tool log)."""
    folder = paper.parent
    assert _run([*LATEX, paper.name], folder).returncode == 0
    exported = subprocess.run([PUBDB, "export", *export, "-o", "refs.bib"], cwd=folder,
                              env=env, capture_output=True, text=True)  # fmt: skip
    assert exported.returncode == 0, exported.stderr
    tool = _run([bib_tool, paper.stem], folder)
    assert tool.returncode == 0, tool.stdout + tool.stderr
    for _ in range(2):
        assert _run([*LATEX, paper.name], folder).returncode == 0
    log = (folder / f"{paper.stem}.log").read_text(errors="replace")
    return log, (folder / f"{paper.stem}.blg").read_text(errors="replace")


@needs_bibtex
@pytest.mark.parametrize("source", ["--aux", "--tex"])
def test_natbib_paper_compiles_with_no_undefined_citation(library, tmp_path, db_path, source):
    library.close()
    paper = tmp_path / "paper" / "paper.tex"
    paper.parent.mkdir()
    paper.write_text(NATBIB_PAPER)
    given = "paper.aux" if source == "--aux" else "paper.tex"
    log, blg = _compile(paper, "bibtex", [source, given], {**os.environ, "PUBDB_DB": str(db_path)})
    assert _undefined(log) == []
    assert "Warning--" not in blg and "error message" not in blg
    bib = (paper.parent / "refs.bib").read_text()
    assert sorted(entry_keys(bib)) == sorted(
        ["venturi2022depth", "jelassi2024repeat", "icml2024", "zekri2024llm", "sorted2020"]
    )


@needs_biber
@pytest.mark.parametrize("source", ["paper.aux", "paper.bcf"])
def test_biblatex_paper_compiles_with_biber_and_no_undefined_citation(
    library, tmp_path, db_path, source
):
    library.close()
    paper = tmp_path / "paper" / "paper.tex"
    paper.parent.mkdir()
    paper.write_text(BIBLATEX_PAPER)
    env = {**os.environ, "PUBDB_DB": str(db_path)}
    log, blg = _compile(paper, "biber", ["--aux", source], env)
    assert _undefined(log) == []
    assert "ERROR" not in blg and "didn't find a database entry" not in blg
    assert not re.search(r"WARN - .*(?:Duplicate|alias)", blg)
    bib = (paper.parent / "refs.bib").read_text()
    assert "ids = {zekri2024llm}" in bib  # both keys cited: one entry, biber resolves both


def _readme_compile_block() -> list[tuple[str, str]]:
    """(command, output shown) of the README's compile of examples/paper."""
    section = (ROOT / "README.md").read_text().split("## A .bib for each LaTeX paper")[1]
    block = section.split("```\n$ cd examples/paper\n", 1)[1].split("```", 1)[0]
    pairs: list[tuple[str, list[str]]] = [("cd examples/paper", [])]
    for line in block.splitlines():
        if line.startswith("$ "):
            pairs.append((line[2:], []))
        else:
            pairs[-1][1].append(line)
    return [(command, "\n".join(shown)) for command, shown in pairs]


@needs_bibtex
def test_the_readme_compile_runs_as_shown(tmp_path, db_path, run):
    """The README's example paper: its .bib from the source (the README's console
    example), then the compile block line by line, each printing what the README shows."""
    assert run("import", str(ROOT / "bib" / "seeds.bib")).exit_code == 0
    shutil.copytree(ROOT / "examples" / "paper", tmp_path / "examples" / "paper")
    first = run("export", "--bibtex", "--tex", "examples/paper/paper.tex", "-o",
                "examples/paper/refs.bib")  # fmt: skip
    assert first.stderr == "wrote 3 entries to examples/paper/refs.bib\n"
    env = {**os.environ, "PUBDB_DB": str(db_path),
           "PATH": f"{Path(PUBDB).parent}{os.pathsep}{os.environ['PATH']}"}  # fmt: skip
    folder = tmp_path
    for command, shown in _readme_compile_block():
        if command.startswith("cd "):
            folder = folder / command[3:]
            continue
        done = subprocess.run(["bash", "-c", command], cwd=folder, env=env, text=True,
                              capture_output=True, timeout=180)  # fmt: skip
        assert (done.stdout + done.stderr).rstrip() == shown, command
    assert sorted(entry_keys((folder / "refs.bib").read_text())) == [
        "jelassi2024repeat", "venturi2022depth", "zekri2024markov"
    ]  # fmt: skip
