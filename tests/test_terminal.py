"""What the everyday commands print: list rows decoded and fitted to the terminal,
`show` as readable BibTeX-like fields with where each value came from, reports in one
vocabulary (text and --json), huge values cut on screen but kept whole, and progress
bars drawn only on a terminal."""

from __future__ import annotations

import io
import json
import os
import pty
import re
import select
import shutil
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

from pubdb.cli.group import progress_bar
from pubdb.cli.terminal import (
    author_cell,
    fit,
    outcome_line,
    publication_rows,
    readable,
    text_width,
)
from pubdb.library import Library
from pubdb.models import Author, Publication
from pubdb.papers.exporting import counted
from pubdb.papers.reports import ACTIONS, Outcome
from pubdb.store.connection import connect

ROOT = Path(__file__).resolve().parents[1]
SEEDS = ROOT / "bib" / "seeds.bib"
HUGE = 10_000_000  # characters: a 10 MB title
PUBDB = str(Path(sys.executable).parent / "pubdb")


@pytest.fixture(scope="module")
def seeds_db(tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("seeds") / "pubdb.db"
    with Library(path) as library:
        library.import_bibtex([SEEDS])
    return path


@pytest.fixture
def seeds(seeds_db, db_path) -> Path:
    """A copy of the seeds' library as this test's database."""
    db_path.parent.mkdir(exist_ok=True)
    shutil.copy(seeds_db, db_path)
    return db_path


def authors(*families: str) -> list[Author]:
    return [Author(f"{family}, A.", "A.", family) for family in families]


# -- widths and cuts ------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "width"),
    [
        pytest.param("Markov chains", 13, id="ascii"),
        pytest.param("Núñez", 5, id="precomposed-accents"),
        pytest.param("Nu\u0301n\u0303ez", 5, id="combining-accents"),
        pytest.param("深層学習", 8, id="wide-cjk"),
        pytest.param("", 0, id="empty"),
    ],
)
def test_text_width(text, width):
    assert text_width(text) == width


@pytest.mark.parametrize(
    ("text", "width", "shown"),
    [
        pytest.param("Large Language Models", 30, "Large Language Models", id="fits"),
        pytest.param("Large Language Models", 10, "Large Lan…", id="cut"),
        pytest.param("Large Language Models", 7, "Large…", id="no-trailing-space"),
        pytest.param("深層学習の理論", 7, "深層学…", id="cjk-by-columns"),
        pytest.param("abc", 1, "…", id="one-column"),
    ],
)
def test_fit(text, width, shown):
    assert fit(text, width) == shown
    assert text_width(fit(text, width)) <= width


@pytest.mark.parametrize(
    ("families", "width", "cell"),
    [
        pytest.param(("Zekri", "Boullé"), 28, "Zekri, Boullé", id="all-fit"),
        pytest.param(
            ("Benechehab", "Attia El Hili", "Odonnat", "Zekri"),
            28,
            "Benechehab et al.",
            id="cut-at-a-name",
        ),
        pytest.param(
            ("Hou", "Brandfonbrener", "Kakade", "Jelassi", "Malach"),
            28,
            "Hou, Brandfonbrener et al.",
            id="as-many-names-as-fit",
        ),
        pytest.param(("Benechehab", "Odonnat", "Zekri"), 14, "Benechehab +2", id="narrow"),
        pytest.param(("Vanden-Eijnden-Longname",), 12, "Vanden-Eijn…", id="one-long-name"),
    ],
)
def test_author_cell_cuts_at_name_boundaries(families, width, cell):
    assert author_cell(authors(*families), width) == cell
    assert text_width(cell) <= width


def test_readable_decodes_tex_drops_control_and_caps():
    assert readable(r"Depth of $\mu P$ in Boull{\'e}'s {ReLU}") == "Depth of μP in Boullé's ReLU"
    assert readable("Evil \x1b]0;x\x07 title\nsecond line") == "Evil ]0;x title second line"
    assert readable("x" * HUGE, 200) == "x" * 199 + "…"


def test_rows_fit_the_width_and_show_decoded_titles():
    paper = Publication(
        citekey="jelassi2023depth",
        year=2023,
        kind="preprint",
        title=r"Depth Dependence of $\mu P$ Learning Rates in ReLU MLPs",
        authors=authors("Jelassi", "Hanin", "Ji", "Reddi", "Bhojanapalli", "Kumar"),
    )
    for width in (60, 80, 100, 140, 200):
        [row] = publication_rows([paper], width)
        assert text_width(row) <= width, (width, row)
        assert "Depth" in row and "$" not in row
        assert width < 80 or "Depth Dependence of μP" in row
    [wide] = publication_rows([paper], 200)
    assert "preprint" in wide and "Jelassi, Hanin, Ji et al." in wide
    [narrow] = publication_rows([paper], 80)
    assert "preprint" not in narrow  # the kind column goes first on narrow terminals


def test_rows_cap_a_huge_title_when_the_width_is_unknown():
    paper = Publication(citekey="big2020", title="T" * HUGE, authors=authors("Big"))
    [row] = publication_rows([paper], None)
    assert len(row) < 300 and row.endswith("T…")


def test_outcome_line_fits_and_caps():
    outcome = Outcome("added", "2206.06921v3", "rutar2024attainable", "Attainable " * 50)
    assert text_width(outcome_line(outcome, 100)) <= 100
    huge = Outcome("added", "2206.06921v3", "rutar2024attainable", "T" * HUGE)
    assert len(outcome_line(huge, None)) < 300


# -- list ------------------------------------------------------------------------------


@pytest.mark.parametrize("columns", [72, 80, 100, 120, 200])
def test_list_fits_the_terminal_width(run, seeds, monkeypatch, columns):
    monkeypatch.setenv("COLUMNS", str(columns))
    rows = run("list").stdout.splitlines()
    assert len(rows) == 23
    assert all(text_width(row) <= columns for row in rows), [r for r in rows if len(r) > columns]
    depth = next(row for row in rows if row.startswith("jelassi2023depth"))
    assert "μP" in depth and "$\\mu" not in depth


def test_list_cuts_author_lists_at_a_name_with_et_al(run, seeds):
    rows = run("list").stdout.splitlines()
    cells = [re.split(r"\s{2,}", row)[3] for row in rows]
    families = {a.family for p in Library(seeds).publications() for a in p.authors}
    for cell in cells:
        names = cell.removesuffix(" et al.").split(", ")
        assert all(name in families for name in names), cell  # whole names only
    assert "Benechehab et al." in cells and "Zekri, Boullé" in cells


def test_list_of_an_author_with_no_match_gives_no_empty_library_hint(run, seeds):
    result = run("list", "--author", "Jelassi", "--limit", "0")
    assert result.exit_code == 0
    assert result.stdout == "" and result.stderr == ""


# -- show ------------------------------------------------------------------------------


def show_lines(run, reference: str) -> list[str]:
    result = run("show", reference)
    assert result.exit_code == 0, result.stderr
    return result.stdout.splitlines()


def test_show_reads_like_bibtex_with_decoded_values_and_their_tex(run, seeds):
    assert show_lines(run, "jelassi2023depth") == [
        "@misc{jelassi2023depth,",
        "  title         = Depth Dependence of μP Learning Rates in ReLU MLPs",
        " " * 18 + r"as written: Depth Dependence of $\mu P$ Learning Rates in {ReLU} {MLPs}",
        "  authors       = 1. Jelassi, S.",
        "                  2. Hanin, B.",
        "                  3. Ji, Z.",
        "                  4. Reddi, S.",
        "                  5. Bhojanapalli, S.",
        "                  6. Kumar, S.",
        "  year          = 2023",
        "  kind          = preprint",
        "  status        = preprint",
        "  arxiv_id      = 2305.07810",
        "  eprint        = 2305.07810",  # the fields as the file wrote them
        "  archiveprefix = arXiv",
        "}",
        lines_created(seeds, "jelassi2023depth"),
    ]


def lines_created(db: Path, key: str) -> str:
    with sqlite3.connect(db) as conn:
        (created,) = conn.execute(
            "SELECT created_at FROM publications WHERE citekey = ?", (key,)
        ).fetchone()
    return f"from BibTeX, added {created}, updated {created}"


def test_show_marks_edited_values_as_locked(run, seeds):
    run("edit", "zekri2025finetuning", "--set", "note=Featured in Forbes", "--set", "kind=journal")
    lines = [" ".join(line.split()) for line in show_lines(run, "zekri2025finetuning")]
    assert "note = Featured in Forbes [edited, locked]" in lines
    assert "kind = journal [edited, locked]" in lines
    assert "title = Fine-Tuning Discrete Diffusion Models with Policy Gradient Methods" in lines
    assert lines[-1].startswith("from BibTeX, added ")


def test_show_says_which_values_came_from_arxiv_and_which_from_bibtex(run, arxiv, tmp_path):
    run("add", "2206.06921")
    bib = tmp_path / "rutar.bib"
    bib.write_text(
        "@article{rutar2024, author={Rutar, Alex}, title={Attainable forms of {Assouad} spectra},"
        " journal={Indiana Univ. Math. J.}, volume={73}, pages={1331--1356}, year={2024},"
        " doi={10.1512/iumj.2024.73.9928}}\n"
    )
    assert run("import", str(bib)).exit_code == 0  # the user's text and key win
    assert run("edit", "rutar2024attainable", "--set", "note=Invited").exit_code == 0
    lines = show_lines(run, "2206.06921")
    assert lines[0] == "@article{rutar2024,"
    fields = {line.split("=")[0].strip(): line for line in lines if " = " in line}
    assert fields["title"].endswith("Attainable forms of Assouad spectra  [arXiv]")
    assert fields["journal"].endswith("= Indiana Univ. Math. J.")  # BibTeX, like the record
    assert fields["pages"].endswith("= 1331–1356")
    assert fields["note"].endswith("= Invited  [edited, locked]")
    assert fields["arxiv_version"].endswith("= 3  [arXiv]")
    assert fields["ids"].endswith("= rutar2024attainable")  # the key arXiv's record had
    assert lines[-1].startswith("from BibTeX, added ")
    record = json.loads(run("show", "2206.06921", "--json").stdout)
    assert record["pages"] == "1331–1356" and record["locked"] == ["note"]  # machine form


def test_show_wraps_long_values_to_the_terminal(run, arxiv, monkeypatch):
    run("add", "astro-ph/0601001")
    long_abstract = "A placeholder sentence that goes on, as abstracts do. " * 20
    assert run("edit", "astro-ph/0601001", "--set", f"abstract={long_abstract}").exit_code == 0
    monkeypatch.setenv("COLUMNS", "70")
    lines = show_lines(run, "astro-ph/0601001")
    assert all(text_width(line) <= 70 for line in lines if "://" not in line)
    start = next(i for i, line in enumerate(lines) if line.startswith("  abstract"))
    assert lines[start + 1].startswith(" " * 27) and len(lines) > start + 10


def test_show_caps_a_huge_value_and_says_where_to_get_it(run, tmp_path):
    bib = tmp_path / "huge.bib"
    bib.write_text(f"@misc{{huge2020, title={{Huge}}, abstract={{{'word ' * 400_000}}}}}\n")
    assert run("import", str(bib)).exit_code == 0
    result = run("show", "huge2020")
    assert len(result.stdout) < 10_000
    assert "`pubdb show --json` prints them all" in result.stdout
    record = json.loads(run("show", "huge2020", "--json").stdout)
    assert len(record["abstract"]) == len("word " * 400_000) - 1


# -- huge values: cut on screen, whole in the database -----------------------------------


def test_add_of_a_paper_with_a_10_mb_title_prints_a_short_line(run, arxiv, db_path):
    entry = arxiv.entries["2206.06921"]
    title = "Attainable " * (HUGE // 11)
    arxiv.entries["2206.06921"] = re.sub(
        rb"<title>.*?</title>", f"<title>{title}</title>".encode(), entry, flags=re.DOTALL
    )
    result = run("add", "2206.06921")
    assert result.exit_code == 0, result.stderr
    first = result.stdout.splitlines()[0]
    assert first.startswith("added ") and first.endswith("…") and len(first) < 300
    assert len(result.stdout) < 1000
    with sqlite3.connect(db_path) as conn:
        (stored,) = conn.execute("SELECT length(title) FROM publications").fetchone()
    assert stored == len(title.strip())
    assert title.strip() in run("export", "--bibtex").stdout
    assert len(run("list").stdout) < 1000


# -- reports: one vocabulary, text and JSON --------------------------------------------


BROKEN_AND_GOOD = """@article{good2020, author={Doe, Jane}, title={Good}, journal={J}, year={2020}}

@article{good2020, author={Doe, Jane}, title={Key used twice}, journal={J}, year={2020}}

@article{also2021, author={Roe, Richard}, title={Also good}, journal={K}, year={2021}}
"""


def test_import_report_words_are_the_same_in_text_and_json(run, tmp_path):
    bib = tmp_path / "mixed.bib"
    bib.write_text(BROKEN_AND_GOOD)
    text = run("import", str(bib), "--dry-run")
    assert text.exit_code == 1
    assert text.stdout.splitlines()[-1] == "2 added, 1 failed (dry run: nothing written)"
    report = json.loads(run("import", str(bib), "--json").stdout)
    assert report["summary"] == {
        "added": 2, "updated": 0, "filled": 0, "unchanged": 0, "not found": 0, "failed": 1,
    }  # fmt: skip
    assert set(report["summary"]) == set(ACTIONS)
    actions = [outcome["action"] for outcome in report["outcomes"]]
    assert sorted(actions) == ["added", "added", "failed"]
    failed = next(o for o in report["outcomes"] if o["action"] == "failed")
    assert failed["line"] == 3 and failed["file"] == str(bib) and failed["reason"]
    again = json.loads(run("import", str(bib), "--json").stdout)
    assert again["summary"]["unchanged"] == 2
    assert run("import", str(bib)).stdout.splitlines()[-1] == "2 unchanged, 1 failed"


def test_filled_and_updated_say_what_an_import_did(run, tmp_path):
    first = tmp_path / "first.bib"
    paper = "author={Doe, Jane}, title={Same paper}, year={2020}"
    first.write_text(f"@article{{a2020, {paper}, journal={{J. One}}}}\n")
    fill = tmp_path / "fill.bib"
    fill.write_text(f"@article{{a2020b, {paper}, journal={{J. One}}, pages={{1--9}}}}\n")
    replace = tmp_path / "replace.bib"
    replace.write_text(f"@article{{a2020c, {paper}, journal={{Journal One}}}}\n")
    run("import", str(first))
    filled = run("import", str(fill))
    assert filled.stdout.startswith("filled    ") and "filled pages" in filled.stdout
    assert filled.stdout.splitlines()[-1] == "1 filled"
    updated = run("import", str(replace), "--prefer", "incoming")
    assert updated.stdout.splitlines()[-1] == "1 updated"
    assert "replaced venue, journal" in updated.stdout
    quiet = run("import", str(fill))
    assert quiet.stdout == "1 unchanged\n"  # nothing new: no line but the summary
    assert run("import", str(fill), "-v").stdout.startswith("unchanged ")


def test_add_and_refresh_json_use_the_same_words(run, arxiv):
    added = json.loads(run("add", "2206.06921", "2201.13455", "--json").stdout)
    assert [(o["action"], o["identifier"]) for o in added["outcomes"]] == [
        ("added", "2206.06921v3"),
        ("not found", "2201.13455"),
    ]
    assert added["summary"]["added"] == 1 and added["summary"]["not found"] == 1
    refreshed = run("refresh", "--json", "--dry-run")
    assert refreshed.exit_code == 0
    report = json.loads(refreshed.stdout)
    assert report["dry_run"] is True
    assert [o["action"] for o in report["outcomes"]] == ["unchanged"]


# -- progress bars: on a terminal only -------------------------------------------------


class Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


@pytest.mark.parametrize(("stream", "drawn"), [(Terminal(), True), (io.StringIO(), False)])
def test_progress_bar_is_drawn_only_on_a_terminal(stream, drawn):
    with progress_bar("import", stream) as progress, progress(1000) as step:
        for _ in range(10):
            step(100)
    assert ("import" in stream.getvalue()) is drawn
    assert (stream.getvalue() != "") is drawn


def big_bib(path: Path, entries: int) -> Path:
    path.write_text(
        "".join(
            f"@article{{key{n},\n  author = {{Author{n}, Ann and Other, Bob}},\n"
            f"  title = {{A title long enough to matter number {n}}},\n"
            f"  journal = {{Journal of Results}},\n  year = {{{2000 + n % 25}}},\n"
            f"  note = {{{'padding ' * 20}}},\n}}\n\n"
            for n in range(entries)
        ),
        encoding="utf-8",
    )
    return path


@pytest.mark.parametrize(
    ("entries", "workers"),
    [pytest.param(2_500, "1", id="one-process"), pytest.param(5_000, "2", id="workers")],
)
def test_import_reports_progress_for_every_character(tmp_path, monkeypatch, entries, workers):
    monkeypatch.setenv("PUBDB_WORKERS", workers)
    bib = big_bib(tmp_path / "big.bib", entries)
    totals, steps = [], []

    def progress(total: int):
        totals.append(total)
        from contextlib import nullcontext

        return nullcontext(steps.append)

    with Library(tmp_path / "p.db") as library:
        report = library.import_bibtex([bib], progress=progress)
    assert report.count("added") == entries
    size = len(bib.read_text(encoding="utf-8"))
    assert totals == [size] and sum(steps) == size
    assert len(steps) > (1 if workers == "2" else 0)


def test_small_imports_and_exports_open_no_bar(tmp_path):
    bib = big_bib(tmp_path / "small.bib", 10)
    opened = []
    with Library(tmp_path / "p.db") as library:
        library.import_bibtex([bib], progress=opened.append)
        library.export_bibtex(io.StringIO(), progress=opened.append)
    assert opened == []


def test_counted_reports_every_item_in_steps():
    steps: list[int] = []
    assert list(counted(range(250), steps.append, every=100)) == list(range(250))
    assert steps == [100, 100, 50]


def run_on_a_terminal(args: list[str], env: dict[str, str]) -> str:
    """`pubdb ARGS` with stderr on a pseudo-terminal; what the terminal received."""
    controller, terminal = pty.openpty()
    process = subprocess.Popen(
        [PUBDB, *args],
        stdout=subprocess.DEVNULL,
        stderr=terminal,
        env=env,
    )
    os.close(terminal)
    received = b""
    while True:
        ready, _, _ = select.select([controller], [], [], 60)
        if not ready:
            break
        try:
            chunk = os.read(controller, 65536)
        except OSError:
            break
        if not chunk:
            break
        received += chunk
    process.wait(timeout=120)
    os.close(controller)
    return received.decode("utf-8", "replace")


def test_import_and_export_draw_a_bar_on_a_terminal_and_not_in_a_pipe(tmp_path):
    bib = big_bib(tmp_path / "big.bib", 6_000)
    env = {**os.environ, "PUBDB_DB": str(tmp_path / "p.db"), "COLUMNS": "80"}
    seen = run_on_a_terminal(["import", str(bib)], env)
    assert "import" in seen and "100%" in seen
    exported = run_on_a_terminal(["export", "--bibtex", "-o", str(tmp_path / "all.bib")], env)
    assert "export" in exported and "100%" in exported
    piped = subprocess.run(
        [PUBDB, "import", str(bib)],
        capture_output=True,
        text=True,
        env=env,
    )
    assert piped.returncode == 0
    assert piped.stderr == "" and piped.stdout == "6000 unchanged\n"
    assert connect(tmp_path / "p.db").execute("SELECT count(*) FROM publications").fetchone()[0]


def test_author_show_lists_titles_as_the_terminal_shows_them(run, seeds):
    result = run("author", "show", "S. Jelassi")
    assert result.exit_code == 0, result.stderr
    assert "jelassi2023depth              Depth Dependence of μP Learning Rates" in result.stdout
