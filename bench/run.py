"""pubdb's benchmarks, each beside a baseline and a bar; prints one Markdown report and
writes it to bench/out/report.md. Timed here, never in the tests.

    python bench/run.py                  # full run (under 10 minutes on a fresh clone)
    python bench/run.py --quick          # small inputs: a CI smoke test, under a minute
    python bench/run.py --only import,startup --repeat 5
    python bench/run.py --only people --dblp   # co-author queries at DBLP's size

Sections: arxiv (bench/arxiv_bench.py), import (bench/import_bench.py), export
(bench/export_bench.py), styles (bench/styles_bench.py: --style apa beside Debian's
pandoc --citeproc), people (bench/people.py on bench/synthetic.py's DBLP-shaped
database of 1M publications, built into bench/out/ when missing; ``--dblp``: at DBLP's
size instead, 7.5M publications and 25M authorships, whose build takes ~20 minutes and
~6 GB of memory), startup (bench/startup_bench.py).
A missed bar is reported, not an error; the exit status is 1 only if a section fails.
"""

from __future__ import annotations

import argparse
import contextlib
import os
import platform
import shlex
import sqlite3
import statistics
import sys
import tempfile
import time
import traceback
from pathlib import Path

BENCH = Path(__file__).resolve().parent
sys.path.insert(0, str(BENCH))

SECTIONS = {
    "arxiv": "arXiv enrichment",
    "import": "BibTeX import",
    "export": "Export",
    "styles": "Citation styles beside pandoc",
    "people": "People queries",
    "startup": "CLI start-up",
}
PEOPLE_PUBLICATIONS = 1_000_000
DBLP_PUBLICATIONS, DBLP_AUTHORS_PER_PAPER = 7_500_000, 3.33  # ~25M authorships
PEOPLE_RUNS, PEOPLE_QUICK_RUNS = 50, 10
VERDICT = {True: "met", False: "**MISSED**", None: "—"}


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="small inputs, one run each")
    parser.add_argument(
        "--only", default=",".join(SECTIONS), help=f"comma-separated: {', '.join(SECTIONS)}"
    )
    parser.add_argument("--out", type=Path, default=BENCH / "out", help="inputs and report")
    parser.add_argument(
        "--dblp",
        action="store_true",
        help="people queries at DBLP's size (7.5M papers; ~20 min to build the first time)",
    )
    parser.add_argument(
        "--repeat",
        type=int,
        help="runs of each import and export (default 3, quick 1);"
        " start-up takes five times as many",
    )
    args = parser.parse_args(argv)
    args.sections = [name.strip() for name in args.only.split(",") if name.strip()]
    unknown = set(args.sections) - set(SECTIONS)
    if unknown:
        parser.error(f"unknown sections: {', '.join(sorted(unknown))}")
    if args.repeat is None:
        args.repeat = 1 if args.quick else 3
    if args.repeat < 1:
        parser.error("--repeat must be at least 1")
    return args


def load_average() -> str:
    return ", ".join(f"{value:.2f}" for value in os.getloadavg())


# -- sections: each returns (rows for the table, detail lines) -------------------------


def arxiv_section(args: argparse.Namespace) -> tuple[list[dict], list[str]]:
    import arxiv_bench

    result = arxiv_bench.measure(args.quick)
    return arxiv_bench.rows(result), arxiv_bench.details(result)


def import_section(args: argparse.Namespace) -> tuple[list[dict], list[str]]:
    import import_bench

    result = import_bench.measure(args.quick, args.repeat, args.out)
    return import_bench.rows(result), import_bench.details(result)


def export_section(args: argparse.Namespace) -> tuple[list[dict], list[str]]:
    import export_bench

    result = export_bench.measure(args.quick, args.repeat, args.out)
    return export_bench.rows(result), export_bench.details(result)


def styles_section(args: argparse.Namespace) -> tuple[list[dict], list[str]]:
    import styles_bench

    result = styles_bench.measure(args.quick, args.out)
    return styles_bench.rows(result), styles_bench.details(result)


def startup_section(args: argparse.Namespace) -> tuple[list[dict], list[str]]:
    import startup_bench

    result = startup_bench.measure(5 * args.repeat)
    return startup_bench.rows(result), startup_bench.details(result)


def people_section(args: argparse.Namespace) -> tuple[list[dict], list[str]]:
    import people

    if args.quick:
        with tempfile.TemporaryDirectory() as folder:
            path = Path(folder) / "people-quick.db"
            built = build_people_db(path, people.QUICK_PUBLICATIONS)
            return people_report(people, path, PEOPLE_QUICK_RUNS, built)
    if args.dblp:
        path, size = args.out / "people-dblp.db", (DBLP_PUBLICATIONS, DBLP_AUTHORS_PER_PAPER)
    else:
        path, size = args.out / "people-1m.db", (PEOPLE_PUBLICATIONS, 3.0)
    built = None if path.exists() else build_people_db(path, *size)
    return people_report(people, path, PEOPLE_RUNS, built)


def build_people_db(path: Path, publications: int, authors_per_paper: float = 3.0) -> dict:
    """bench/synthetic.py's build statistics; an interrupted build leaves no file behind."""
    import synthetic

    partial = path.with_name(path.name + ".building")
    stats = synthetic.build(publications, partial, mean_authors=authors_per_paper)
    partial.replace(path)
    partial.with_name(partial.name + ".communities.npz").replace(
        path.with_name(path.name + ".communities.npz")
    )
    return stats


def people_report(people, path: Path, runs: int, built: dict | None):
    measurements = people.run(path, runs)
    with sqlite3.connect(path) as conn:
        publications, authorships = conn.execute(
            "SELECT (SELECT count(*) FROM publications), (SELECT count(*) FROM authorships)"
        ).fetchone()
    source = (
        f"built by bench/synthetic.py in {built['total_s']:.0f} s,"
        f" peak RSS {built['peak_rss_mb']:,.0f} MB"
        if built is not None
        else "reused from an earlier run (delete it to time the build)"
    )
    details = [
        f"- database: {path.name}, {publications:,} publications, {authorships:,}"
        f" authorships, {path.stat().st_size / 1e9:.1f} GB; {source}.",
        "- baseline: the same queries as pubdb answered them before the co-author graph's"
        " side tables (bench/people_baseline.py), on the same subjects right after today's;"
        " speed-up is the ratio of CPU medians (wall times swing with the machine's load).",
        "",
        people.markdown_table(measurements),
    ]
    return people_rows(people, measurements), details


def people_rows(people, measurements) -> list[dict]:
    """One row per query: its slowest row of subjects (by p90), beside its baseline."""
    rows = []
    for query in dict.fromkeys(m.case.query for m in measurements):
        if query == "resolve name":
            continue
        mine = [m for m in measurements if m.case.query == query]
        worst = max(mine, key=lambda m: people.percentile(m.times_ms, 0.9))
        median = statistics.median(worst.times_ms)
        p90 = people.percentile(worst.times_ms, 0.9)
        cpu = statistics.median(worst.cpu_ms)
        measured = (
            f"median {median:.1f} ms, p90 {p90:.1f} ms (cpu {cpu:.1f} ms;"
            f" {worst.case.subjects}, by {worst.case.via})"
        )
        baseline = ratio = "—"
        # a by-name row's baseline is its by-id twin's (the same subjects)
        twin = next((m for m in mine if m.case.subjects == worst.case.subjects and m.base_ms), None)
        if twin:
            base_cpu = statistics.median(twin.base_cpu_ms)
            baseline = (
                f"median {statistics.median(twin.base_ms):.1f} ms,"
                f" p90 {people.percentile(twin.base_ms, 0.9):.1f} ms (cpu {base_cpu:.1f} ms)"
            )
            ratio = f"{base_cpu / max(cpu, 0.01):.1f}× (cpu)"
        bar = people.bar_ms(query)
        rows.append(
            {
                "what": f"`{query}`" + (f", slowest of {len(mine)} rows" if len(mine) > 1 else ""),
                "measured": measured,
                "baseline": baseline,
                "ratio": ratio,
                "bar": f"median and p90 < {bar:.0f} ms",
                "met": all(people.met(m) for m in mine),
            }
        )
    return rows


RUNNERS = {
    "arxiv": arxiv_section,
    "import": import_section,
    "export": export_section,
    "styles": styles_section,
    "people": people_section,
    "startup": startup_section,
}


# -- the report ------------------------------------------------------------------------


def table(rows: list[dict]) -> list[str]:
    lines = ["| what | measured | baseline | ratio | bar | verdict |", "|---|---|---|--:|---|---|"]
    for row in rows:
        lines.append(
            f"| {row['what']} | {row['measured']} | {row['baseline']} | {row['ratio']}"
            f" | {row['bar']} | {VERDICT[row['met']]} |"
        )
    return lines


def run_section(name: str, args: argparse.Namespace) -> tuple[list[str], list[dict], bool]:
    """The section's report lines, its rows, and whether it ran to the end."""
    print(f"running {name} ...", file=sys.stderr, flush=True)
    started = time.perf_counter()
    try:
        with contextlib.redirect_stdout(sys.stderr):
            rows, details = RUNNERS[name](args)
    except Exception as problem:
        traceback.print_exc()
        lines = [f"## {SECTIONS[name]}", "", f"**FAILED**: {type(problem).__name__}: {problem}"]
        return [*lines, ""], [], False
    took = time.perf_counter() - started
    lines = [f"## {SECTIONS[name]}", "", *table(rows), "", *details, "", f"({took:.0f} s)", ""]
    return lines, rows, True


def header(args: argparse.Namespace, argv: list[str], load_before: str) -> list[str]:
    mode = (
        "quick (small inputs, one run each: a smoke test; the bars are for the full run)"
        if args.quick
        else "full"
    )
    return [
        "# pubdb benchmarks",
        "",
        f"`python {shlex.join([sys.argv[0], *argv])}`",
        "",
        f"- machine: {os.cpu_count()} CPUs, {platform.system()} {platform.machine()};"
        f" Python {platform.python_version()}, SQLite {sqlite3.sqlite_version}",
        f"- load average (1, 5, 15 min) before: {load_before}",
        f"- mode: {mode}; repeats: {args.repeat}",
        "",
    ]


def footer(all_rows: list[dict], failed: list[str], seconds: float) -> list[str]:
    missed = [row["what"] for row in all_rows if row["met"] is False]
    met = sum(1 for row in all_rows if row["met"])
    lines = [
        "## Summary",
        "",
        f"- load average after: {load_average()}; {seconds:.0f} s in all",
        f"- bars met: {met}; missed: {len(missed)}",
    ]
    lines += [f"- **MISSED**: {what}" for what in missed]
    lines += [f"- **FAILED** section: {name}" for name in failed]
    return lines


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    args = parse_args(argv)
    args.out.mkdir(parents=True, exist_ok=True)
    started = time.perf_counter()
    lines = header(args, argv, load_average())
    all_rows, failed = [], []
    for name in args.sections:
        section_lines, rows, finished = run_section(name, args)
        lines += section_lines
        all_rows += rows
        if not finished:
            failed.append(name)
    lines += footer(all_rows, failed, time.perf_counter() - started)
    report = "\n".join(lines) + "\n"
    print(report)
    (args.out / "report.md").write_text(report, encoding="utf-8")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
