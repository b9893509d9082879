"""BibTeX import beside bare ``bibtexparser.parse_file``: a generated 20,000-entry .bib
(bench/generate_bib.py: TeX accents, math, @string macros) and the largest real-world
file installed, TeX Live's tugboat.bib (looked for under $PUBDB_REALBIB, which
scripts/fetch-realbib prints, then the installed TeX Live's bibliography folder).

Every run is a fresh process; the runs alternate (bare, pubdb in-process, bare whole
command, pubdb CLI) so that a busy machine slows all sides alike. The first two time
themselves from inside, after their imports, so interpreter start-up is excluded from
both; the last two are whole commands (`python -c "bibtexparser.parse_file(…)"` and
`pubdb import`) timed from outside, wall and CPU (user + system of every process of
the tree, parse workers included): the CPU ratio says what the speed costs when no CPU
is free. Peak RSS is the largest single process of
each run's tree (the import forks parse workers): ru_maxrss over RUSAGE_SELF and
RUSAGE_CHILDREN, taken inside the process or in a wrapper around the CLI.

    python bench/run.py --only import
"""

from __future__ import annotations

import json
import os
import statistics
import sys
import tempfile
from pathlib import Path

import generate_bib
from measure import PUBDB, measured, run

BAR_RATIO = 0.7
BAR_CPU_RATIO = 1.5  # CPU of `pubdb import` over the bare parse's, whole commands
BAR_TUGBOAT_S = 3.0
REALBIB_FOLDERS = ("/usr/share/texlive/texmf-dist/bibtex/bib",)
PEAK_MB = (
    "import resource\n"
    "peak_mb = max(resource.getrusage(who).ru_maxrss for who in"
    " (resource.RUSAGE_SELF, resource.RUSAGE_CHILDREN)) / 1024\n"
)
BARE = (
    "import json, sys, time\n"
    "import bibtexparser\n"
    "started = time.perf_counter()\n"
    "library = bibtexparser.parse_file(sys.argv[1])\n"
    "seconds = time.perf_counter() - started\n"
    + PEAK_MB
    + "print(json.dumps({'seconds': seconds, 'peak_mb': peak_mb,"
    " 'entries': len(library.entries)}))\n"
)
BARE_COMMAND = "import sys, bibtexparser; bibtexparser.parse_file(sys.argv[1])"
IN_PROCESS = (
    "import json, sys, time\n"
    "import bibtexparser\n"
    "from pubdb.library import Library\n"
    "started = time.perf_counter()\n"
    "with Library(sys.argv[2]) as library:\n"
    "    report = library.import_bibtex([sys.argv[1]])\n"
    "seconds = time.perf_counter() - started\n"
    + PEAK_MB
    + "print(json.dumps({'seconds': seconds, 'peak_mb': peak_mb, 'summary': report.summary}))\n"
)


def generated_bib(out: Path, entries: int) -> Path:
    """The generated file, written again only when missing or older than its generator."""
    path = out / f"generated-{entries}.bib"
    generator = Path(generate_bib.__file__)
    if not path.exists() or path.stat().st_mtime < generator.stat().st_mtime:
        path.write_text(generate_bib.generate(entries), encoding="utf-8")
    return path


def find_tugboat() -> Path | None:
    configured = os.environ.get("PUBDB_REALBIB", "")
    if configured and Path(configured).is_file():
        return Path(configured)
    for folder in filter(None, (configured, *REALBIB_FOLDERS)):
        if Path(folder).is_dir():
            found = sorted(Path(folder).rglob("tugboat.bib"))
            if found:
                return found[0]
    return None


def timed_from_inside(code: str, *arguments: Path) -> dict:
    done = run([sys.executable, "-c", code, *(str(argument) for argument in arguments)])
    return json.loads(done.stdout.strip().splitlines()[-1])


def time_file(path: Path, repeat: int) -> dict:
    bare, in_process, bare_cli, cli = [], [], [], []
    with tempfile.TemporaryDirectory() as folder:
        for number in range(repeat):
            bare.append(timed_from_inside(BARE, path))
            in_process.append(timed_from_inside(IN_PROCESS, path, Path(folder) / f"{number}.db"))
            bare_cli.append(measured([sys.executable, "-c", BARE_COMMAND, str(path)]))
            command = [PUBDB, "--db", str(Path(folder) / f"cli-{number}.db"), "import", str(path)]
            cli.append(measured(command))
    return {
        "file": path,
        "megabytes": path.stat().st_size / 1e6,
        "entries": bare[0]["entries"],
        "bare": [r["seconds"] for r in bare],
        "in_process": [r["seconds"] for r in in_process],
        "cli": [r.seconds for r in cli],
        "bare_cli": [r.seconds for r in bare_cli],
        "cli_cpu": [r.cpu_seconds for r in cli],
        "bare_cli_cpu": [r.cpu_seconds for r in bare_cli],
        "bare_peak_mb": max(r["peak_mb"] for r in bare),
        "in_process_peak_mb": max(r["peak_mb"] for r in in_process),
        "cli_peak_mb": max(r.peak_rss_mb for r in cli),
        "summary": in_process[-1]["summary"],
        "cli_summary": cli[-1].stdout.strip().splitlines()[-1],
    }


def measure(quick: bool, repeat: int, out: Path) -> dict:
    generated = generated_bib(out, 2_000 if quick else 20_000)
    tugboat = find_tugboat()
    return {
        "repeat": repeat,
        "generated": time_file(generated, repeat),
        "tugboat": time_file(tugboat, repeat) if tugboat else None,
    }


def median(values: list[float]) -> float:
    return statistics.median(values)


def speed(seconds: float, entries: int) -> str:
    return f"{entries / seconds:,.0f} entries/s ({seconds:.2f} s)"


def ratio(timing: dict, side: str = "in_process") -> float:
    return median(timing["bare"]) / median(timing[side])


def rate_row(timing: dict, label: str) -> dict:
    entries = timing["entries"]
    return {
        "what": f"import of {label} ({entries:,} entries), in-process",
        "measured": speed(median(timing["in_process"]), entries),
        "baseline": "bare `parse_file`: " + speed(median(timing["bare"]), entries),
        "ratio": f"{ratio(timing):.2f}×",
        "bar": f"≥ {BAR_RATIO}×",
        "met": ratio(timing) >= BAR_RATIO,
    }


def whole_command_rows(timing: dict, label: str) -> list[dict]:
    """`pubdb import` beside the bare parse, both whole commands: ratios of each
    interleaved pair, median (wall: bare over pubdb; CPU: pubdb over bare)."""
    pairs = list(zip(timing["bare_cli"], timing["cli"], strict=True))
    wall = median([bare / pubdb for bare, pubdb in pairs])
    cpu_pairs = list(zip(timing["bare_cli_cpu"], timing["cli_cpu"], strict=True))
    cpu = median([pubdb / bare for bare, pubdb in cpu_pairs])
    bare_command = '`python -c "bibtexparser.parse_file(…)"`'
    return [
        {
            "what": f"`pubdb import {label}`, whole command, wall",
            "measured": f"{median(timing['cli']):.2f} s",
            "baseline": f"{bare_command}: {median(timing['bare_cli']):.2f} s",
            "ratio": f"{wall:.2f}×",
            "bar": f"≥ {BAR_RATIO}×",
            "met": wall >= BAR_RATIO,
        },
        {
            "what": f"`pubdb import {label}`, whole command, CPU",
            "measured": f"{median(timing['cli_cpu']):.2f} s",
            "baseline": f"{bare_command}: {median(timing['bare_cli_cpu']):.2f} s",
            "ratio": f"{cpu:.2f}×",
            "bar": f"≤ {BAR_CPU_RATIO}×",
            "met": cpu <= BAR_CPU_RATIO,
        },
    ]


def memory_row(timing: dict, label: str) -> dict:
    cli_mb, bare_mb = timing["cli_peak_mb"], timing["bare_peak_mb"]
    return {
        "what": f"peak RSS, `pubdb import` of {label}",
        "measured": f"{cli_mb:.0f} MB",
        "baseline": f"bare `parse_file`: {bare_mb:.0f} MB",
        "ratio": f"{cli_mb / bare_mb:.2f}×",
        "bar": "—",
        "met": None,
    }


def tugboat_rows(timing: dict) -> list[dict]:
    seconds = median(timing["cli"])
    end_to_end = {
        "what": "`pubdb import tugboat.bib`, end to end",
        "measured": f"{seconds:.2f} s",
        "baseline": f"bare `parse_file`: {median(timing['bare']):.2f} s",
        "ratio": f"{ratio(timing, 'cli'):.2f}×",
        "bar": f"< {BAR_TUGBOAT_S:.0f} s",
        "met": seconds < BAR_TUGBOAT_S,
    }
    return [
        rate_row(timing, "tugboat.bib"),
        end_to_end,
        *whole_command_rows(timing, "tugboat.bib"),
        memory_row(timing, "tugboat.bib"),
    ]


def rows(result: dict) -> list[dict]:
    generated = result["generated"]
    label = generated["file"].name
    found = [
        rate_row(generated, label),
        *whole_command_rows(generated, label),
        memory_row(generated, label),
    ]
    if result["tugboat"]:
        found += tugboat_rows(result["tugboat"])
    else:
        found.append(
            {
                "what": "`pubdb import tugboat.bib`",
                "measured": "not found",
                "baseline": "—",
                "ratio": "—",
                "bar": f"< {BAR_TUGBOAT_S:.0f} s",
                "met": None,
            }
        )
    return found


def runs(values: list[float]) -> str:
    return ", ".join(f"{value:.2f}" for value in values)


def detail_row(timing: dict) -> str:
    entries = timing["entries"]
    return (
        f"| {timing['file'].name} ({timing['megabytes']:.1f} MB) | {entries:,}"
        f" | {runs(timing['bare'])} | {runs(timing['in_process'])}"
        f" | {runs(timing['cli'])} ({entries / median(timing['cli']):,.0f} entries/s,"
        f" {ratio(timing, 'cli'):.2f}× bare)"
        f" | {timing['bare_peak_mb']:.0f} / {timing['in_process_peak_mb']:.0f}"
        f" / {timing['cli_peak_mb']:.0f} MB |"
    )


def details(result: dict) -> list[str]:
    timings = [t for t in (result["generated"], result["tugboat"]) if t]
    lines = [
        f"Seconds per run ({result['repeat']} each, alternating; the table above gives medians):",
        "",
        "| file | entries | bare `parse_file` | `Library.import_bibtex` | `pubdb import`"
        " end to end | peak RSS bare / in-process / CLI |",
        "|---|--:|---|---|---|---|",
        *(detail_row(timing) for timing in timings),
        "",
    ]
    lines += [f"- {t['file']}: {t['summary']} (CLI: {t['cli_summary']})" for t in timings]
    if not result["tugboat"]:
        lines.append(
            "- tugboat.bib not found (set PUBDB_REALBIB: scripts/fetch-realbib DIR prints it)"
        )
    return lines
