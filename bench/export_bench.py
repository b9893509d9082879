"""Export of 100,000 publications to BibTeX and to Markdown.

The library is the generated .bib (bench/generate_bib.py) of that size imported with
`pubdb import` into a temporary database, so the export converts real TeX (accents,
math, macros) and fills every field; bench/synthetic.py's plain-ASCII records would
make it look cheaper. Each export is `pubdb export` in its own process, timed end to
end, with peak RSS from a wrapper (ru_maxrss of RUSAGE_CHILDREN); the number of entries
written is checked against the database. The first BibTeX export writes every entry and
stores it (the entry cache, m011): it is timed apart; the runs after it read the cache.

    python bench/run.py --only export
"""

from __future__ import annotations

import sqlite3
import statistics
import tempfile
from pathlib import Path

from import_bench import generated_bib
from measure import PUBDB, measured

BAR_SECONDS = {"BibTeX": 2.0, "Markdown": 5.0}  # issue 19: BibTeX ~20 µs an entry
FORMATS = {"BibTeX": ["--bibtex"], "Markdown": ["--format", "markdown"]}


def entries_written(name: str, path: Path) -> int:
    """Entries (not the @string and @preamble blocks before them) or list items."""
    marker = "@" if name == "BibTeX" else "- "
    blocks = ("@string{", "@preamble{")
    with path.open(encoding="utf-8") as written:
        return sum(1 for line in written if line.startswith(marker) and not line.startswith(blocks))


def publications_in(db: Path) -> int:
    with sqlite3.connect(db) as conn:
        return conn.execute("SELECT count(*) FROM publications").fetchone()[0]


def export_runs(db: Path, folder: Path, repeat: int) -> dict[str, list]:
    timings: dict[str, list] = {name: [] for name in FORMATS}
    target = folder / "export-first"
    timings["first"] = [measured([PUBDB, "--db", str(db), "export", "--bibtex", "-o", str(target)])]
    for _ in range(repeat):
        for name, options in FORMATS.items():
            target = folder / f"export-{name.lower()}"
            command = [PUBDB, "--db", str(db), "export", *options, "-o", str(target)]
            timings[name].append(measured(command))
    return timings


def measure(quick: bool, repeat: int, out: Path) -> dict:
    size = 10_000 if quick else 100_000
    source = generated_bib(out, size)
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        db = folder / "export.db"
        imported = measured([PUBDB, "--db", str(db), "import", str(source)])
        timings = export_runs(db, folder, repeat)
        first = timings.pop("first")[0]
        stored = publications_in(db)
        return {
            "size": size,
            "stored": stored,
            "import_s": imported.seconds,
            "import_peak_mb": imported.peak_rss_mb,
            "repeat": repeat,
            "first": {
                "seconds": first.seconds,
                "peak_mb": first.peak_rss_mb,
                "written": entries_written("BibTeX", folder / "export-first"),
            },
            "formats": {
                name: {
                    "seconds": [r.seconds for r in runs],
                    "peak_mb": max(r.peak_rss_mb for r in runs),
                    "written": entries_written(name, folder / f"export-{name.lower()}"),
                    "megabytes": (folder / f"export-{name.lower()}").stat().st_size / 1e6,
                }
                for name, runs in timings.items()
            },
        }


def rows(result: dict) -> list[dict]:
    first = result["first"]
    found = [
        {
            "what": f"first export of {result['stored']:,} publications to BibTeX"
            " (writes and caches every entry)",
            "measured": f"{first['seconds']:.2f} s, peak RSS {first['peak_mb']:.0f} MB"
            + ("" if first["written"] == result["stored"] else " (**entries missing**)"),
            "baseline": "—",
            "ratio": "—",
            "bar": "—",
            "met": None,
        }
    ]
    for name, timing in result["formats"].items():
        seconds = statistics.median(timing["seconds"])
        complete = timing["written"] == result["stored"]
        found.append(
            {
                "what": f"export of {result['stored']:,} publications to {name}"
                + (" (cached entries)" if name == "BibTeX" else ""),
                "measured": f"{seconds:.2f} s"
                + ("" if complete else f" (**wrote {timing['written']:,} entries**)"),
                "baseline": "—",
                "ratio": "—",
                "bar": f"< {BAR_SECONDS[name]:.0f} s",
                "met": seconds < BAR_SECONDS[name] and complete,
            }
        )
        found.append(
            {
                "what": f"peak RSS, export to {name}",
                "measured": f"{timing['peak_mb']:.0f} MB",
                "baseline": "—",
                "ratio": "—",
                "bar": "—",
                "met": None,
            }
        )
    return found


def details(result: dict) -> list[str]:
    lines = [
        f"- library: generated-{result['size']}.bib imported with `pubdb import` in"
        f" {result['import_s']:.1f} s ({result['size'] / result['import_s']:,.0f} entries/s,"
        f" peak RSS {result['import_peak_mb']:.0f} MB); {result['stored']:,} publications"
        " stored.",
    ]
    for name, timing in result["formats"].items():
        runs = ", ".join(f"{seconds:.2f}" for seconds in timing["seconds"])
        lines.append(
            f"- {name}: {timing['written']:,} entries, {timing['megabytes']:.0f} MB written;"
            f" seconds per run ({result['repeat']}): {runs}"
        )
    return lines
