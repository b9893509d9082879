"""pubdb's benchmarks, with baselines and bars; prints a Markdown report (also written to
bench/out/report.md). Timed here, never in the tests.

    python bench/run.py            # the full run (~8 minutes on 2 CPUs)
    python bench/run.py --quick    # smaller inputs, a smoke test (< 1 minute)
    python bench/run.py --only import,startup

Sections: arxiv (200 ids against a stand-in enforcing 3 s spacing), import (20k
generated entries and tugboat.bib beside bare bibtexparser), export (100k publications
to BibTeX and Markdown), people (co-author queries on 1M publications, see
bench/people.py), startup (CLI start-up and lazy imports).
"""

from __future__ import annotations

import argparse
import os
import platform
import shlex
import sqlite3
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))

SECTIONS = ("arxiv", "import", "export", "people", "startup")
PEOPLE_DB = Path(__file__).parent / "out" / "people-1m.db"


def machine() -> str:
    load = ", ".join(f"{value:.1f}" for value in os.getloadavg())
    return (
        f"{os.cpu_count()} CPUs, load {load}; Python {platform.python_version()},"
        f" SQLite {sqlite3.sqlite_version}, {platform.system()} {platform.machine()}"
    )


def arxiv_section(args) -> list[str]:
    import arxiv_bench

    return arxiv_bench.HEADER + arxiv_bench.report(arxiv_bench.measure(args.quick))


def bibtex_sections(args, which: set[str]) -> list[str]:
    import bibtex_bench

    lines = []
    if "import" in which:
        result = bibtex_bench.measure_import(args.out, args.quick)
        lines += ["### Import", "", *bibtex_bench.IMPORT_HEADER]
        lines += [*bibtex_bench.import_rows(result), "", bibtex_bench.import_verdict(result), ""]
    if "export" in which:
        result = bibtex_bench.measure_export(args.out, args.quick)
        lines += ["### Export", "", *bibtex_bench.EXPORT_HEADER]
        lines += [*bibtex_bench.export_rows(result), "", bibtex_bench.export_verdict(result), ""]
    return lines


def people_section(args) -> list[str]:
    import people
    import synthetic

    if args.quick:
        measurements = people.quick_run()
        built = "a 20k database built for the run"
    else:
        if not PEOPLE_DB.exists():
            started = time.perf_counter()
            synthetic.build(1_000_000, PEOPLE_DB)
            built = f"{PEOPLE_DB.name} built in {time.perf_counter() - started:.0f} s"
        else:
            built = f"{PEOPLE_DB.name} (built earlier by bench/synthetic.py)"
        measurements = people.run(PEOPLE_DB, 30)
    slow = [m for m in measurements if people.statistics.median(m.times_ms) >= people.BAR_MS]
    verdict = "met" if not slow else f"MISSED by {len(slow)} rows"
    return [built, "", people.markdown_table(measurements), "", f"bar: median < 50 ms — {verdict}"]


def startup_section(args) -> list[str]:
    import startup_bench

    return startup_bench.HEADER + startup_bench.report(startup_bench.measure(args.quick))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="small inputs: a smoke test")
    parser.add_argument("--only", default=",".join(SECTIONS), help="comma-separated sections")
    parser.add_argument("--out", type=Path, default=Path(__file__).parent / "out")
    args = parser.parse_args()
    which = {name.strip() for name in args.only.split(",") if name.strip()}
    unknown = which - set(SECTIONS)
    if unknown:
        parser.error(f"unknown sections: {', '.join(sorted(unknown))}")
    args.out.mkdir(parents=True, exist_ok=True)

    started = time.perf_counter()
    lines = [f"`python bench/run.py {shlex.join(sys.argv[1:])}`".replace(" `", "`"), ""]
    lines += [f"Before: {machine()}", ""]
    if args.quick:
        lines += ["Quick mode: small inputs, a smoke test; the bars apply to the full run.", ""]
    if "arxiv" in which:
        lines += ["### arXiv enrichment", "", *arxiv_section(args), ""]
    if which & {"import", "export"}:
        lines += bibtex_sections(args, which)
    if "people" in which:
        lines += ["### People queries", "", *people_section(args), ""]
    if "startup" in which:
        lines += ["### Start-up", "", *startup_section(args), ""]
    lines += [f"After: {machine()}; {time.perf_counter() - started:.0f} s in all"]
    report = "\n".join(lines) + "\n"
    print(report)
    (args.out / "report.md").write_text(report, encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
