"""BibTeX import beside bare ``bibtexparser.parse_file``, and export of a large library.

Import: a generated 20,000-entry .bib (bench/generate_bib.py: TeX accents, math,
@string macros) and the largest real-world file found (TeX Live's tugboat.bib). Both
sides run in fresh processes, interleaved, timed from inside (interpreter start-up
excluded); the CLI's end-to-end time and peak memory are measured apart.
Export: the generated entries imported at 100,000, then `pubdb export --bibtex` and
`--format markdown` to files.
"""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

import generate_bib
from measure import PUBDB, measured, median, python_timing

REALBIB_ROOTS = [
    os.environ.get("PUBDB_REALBIB", ""),
    "/work/realbib/x/usr/share/texlive/texmf-dist/bibtex/bib",
    "/usr/share/texlive/texmf-dist/bibtex/bib",
]
BARE = (
    "import sys, time, bibtexparser\n"
    "started = time.perf_counter()\n"
    "library = bibtexparser.parse_file(sys.argv[1])\n"
    "assert library.entries\n"
    "print(time.perf_counter() - started)\n"
)
PUBDB_IMPORT = (
    "import sys, time\n"
    "started = time.perf_counter()\n"
    "from pubdb.library import Library\n"
    "with Library(sys.argv[2]) as library:\n"
    "    report = library.import_bibtex([sys.argv[1]])\n"
    "assert not report.failures\n"
    "print(time.perf_counter() - started)\n"
)


def generated_bib(out: Path, entries: int) -> Path:
    path = out / f"generated-{entries}.bib"
    if not path.exists():
        path.write_text(generate_bib.generate(entries), encoding="utf-8")
    return path


def tugboat() -> Path | None:
    for root in filter(None, REALBIB_ROOTS):
        for candidate in (Path(root) / "beebe" / "tugboat.bib", Path(root) / "tugboat.bib"):
            if candidate.is_file():
                return candidate
    return None


def entries_in(path: Path) -> int:
    import bibtexparser

    return len(bibtexparser.parse_file(str(path), parse_stack=[]).entries)


def time_import(path: Path, repeats: int) -> dict:
    bare, mine = [], []
    with tempfile.TemporaryDirectory() as folder:
        for number in range(repeats):
            bare.append(_python(BARE, path))
            mine.append(_python(PUBDB_IMPORT, path, Path(folder) / f"in-process-{number}.db"))
        cli = measured([PUBDB, "--db", str(Path(folder) / "cli.db"), "import", str(path)])
    entries = entries_in(path)
    return {
        "file": path.name,
        "entries": entries,
        "bare_s": median(bare),
        "pubdb_s": median(mine),
        "ratio": median(bare) / median(mine),
        "cli_s": cli.seconds,
        "cli_peak_mb": cli.peak_rss_mb,
        "repeats": repeats,
    }


def _python(code: str, *arguments: Path) -> float:
    return python_timing(code, *(str(argument) for argument in arguments))


def time_export(out: Path, publications: int, repeats: int) -> dict:
    with tempfile.TemporaryDirectory() as folder:
        db = Path(folder) / "export.db"
        source = generated_bib(out, publications)
        imported = measured([PUBDB, "--db", str(db), "import", str(source)])
        results = {"publications": publications, "import_s": imported.seconds}
        for name, args, count in (
            ("bibtex", ["--bibtex"], _bibtex_entries),
            ("markdown", ["--format", "markdown"], _markdown_entries),
        ):
            target = Path(folder) / f"all.{name}"
            runs = [
                measured([PUBDB, "--db", str(db), "export", *args, "-o", str(target)])
                for _ in range(repeats)
            ]
            written = count(target.read_text(encoding="utf-8"))
            assert written == publications, (name, written)
            results[name] = {
                "seconds": median([r.seconds for r in runs]),
                "peak_mb": max(r.peak_rss_mb for r in runs),
                "mb_written": target.stat().st_size / 1e6,
            }
    return results


def _bibtex_entries(text: str) -> int:
    return sum(1 for line in text.splitlines() if line.startswith("@"))


def _markdown_entries(text: str) -> int:
    return sum(1 for line in text.splitlines() if line.startswith("- "))


def measure_import(out: Path, quick: bool) -> dict:
    entries, repeats = (2_000, 1) if quick else (20_000, 3)
    found = tugboat()
    return {
        "generated": time_import(generated_bib(out, entries), repeats),
        "tugboat": time_import(found, repeats) if found else None,
    }


def measure_export(out: Path, quick: bool) -> dict:
    return time_export(out, 10_000 if quick else 100_000, 1 if quick else 3)


def import_verdict(result: dict) -> str:
    ratio = result["generated"]["ratio"]
    verdict = f"bar ≥ 0.7× — {'met' if ratio >= 0.7 else f'MISSED ({ratio:.2f}×)'}"
    if result["tugboat"]:
        seconds = result["tugboat"]["cli_s"]
        verdict += f"; tugboat.bib < 3 s — {'met' if seconds < 3 else 'MISSED'} ({seconds:.1f} s)"
    return verdict


def export_verdict(export: dict) -> str:
    slow = [name for name in ("bibtex", "markdown") if export[name]["seconds"] >= 5]
    return "bar < 5 s — " + ("met" if not slow else f"MISSED by {', '.join(slow)}")


IMPORT_HEADER = [
    "| import | entries | bare `parse_file` | `Library.import_bibtex` | ratio (bar ≥ 0.7×)"
    " | `pubdb import` end to end | peak RSS |",
    "|---|--:|--:|--:|--:|--:|--:|",
]
EXPORT_HEADER = [
    "| export of | to | time (bar < 5 s) | written | peak RSS |",
    "|---|---|--:|--:|--:|",
]


def import_rows(result: dict) -> list[str]:
    rows = []
    for name in ("generated", "tugboat"):
        r = result[name]
        if r is None:
            rows.append("| tugboat.bib | not found (see README: texlive-bibtex-extra) |||||")
            continue
        rate = r["entries"] / r["pubdb_s"]
        rows.append(
            f"| {r['file']} | {r['entries']:,} | {r['bare_s']:.2f} s"
            f" ({r['entries'] / r['bare_s']:,.0f}/s) | {r['pubdb_s']:.2f} s ({rate:,.0f}/s)"
            f" | {r['ratio']:.2f}× | {r['cli_s']:.2f} s | {r['cli_peak_mb']:.0f} MB |"
        )
    return rows


def export_rows(export: dict) -> list[str]:
    return [
        f"| {export['publications']:,} publications | {name} | {export[name]['seconds']:.2f} s"
        f" | {export[name]['mb_written']:.0f} MB | {export[name]['peak_mb']:.0f} MB |"
        for name in ("bibtex", "markdown")
    ]
