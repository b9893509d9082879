"""CLI start-up: `pubdb --help` and `pubdb list` on an empty database, beside
`python -c "import click"` (and `python -c pass`, the interpreter alone), as medians of
repeated runs after a warm-up; and which heavy modules each command imports, checked by
running the CLI entry point in-process and reading sys.modules afterwards (`pubdb
import` of a small file is the positive control: it must load bibtexparser).

    python bench/run.py --only startup
"""

from __future__ import annotations

import re
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

from measure import PUBDB, ROOT, run

BAR_HELP_MS = 150.0
HEAVY = ("requests", "bibtexparser", "sqlite_utils", "pylatexenc", "citeproc", "defusedxml")
MUST_STAY_OUT = ("requests", "bibtexparser", "sqlite_utils")
SMALL_BIB = ROOT / "bib" / "seeds.bib"
LOADED_AFTER = (
    "import sys\n"
    "from pubdb.cli import main\n"
    "sys.argv = ['pubdb', *sys.argv[1:]]\n"
    "try:\n"
    "    main()\n"
    "except SystemExit:\n"
    "    pass\n"
    f"heavy = [name for name in {HEAVY!r} if name in sys.modules]\n"
    "print('\\nheavy:' + ','.join(heavy))\n"
)


def median_ms(command: list[str], env: dict[str, str], runs: int) -> float:
    run(command, env)  # warm-up: file cache
    return statistics.median(run(command, env).seconds for _ in range(runs)) * 1000


def heavy_modules(arguments: list[str], env: dict[str, str]) -> list[str]:
    output = run([sys.executable, "-c", LOADED_AFTER, *arguments], env).stdout
    listed = output[output.rindex("heavy:") + len("heavy:") :].strip()
    return [name for name in listed.split(",") if name]


def cli_import_ms() -> float | None:
    """Cumulative import time of pubdb.cli, as `python -X importtime` reports it."""
    stderr = subprocess.run(
        [sys.executable, "-X", "importtime", "-c", "import pubdb.cli"],
        capture_output=True,
        text=True,
        check=True,
    ).stderr
    found = re.search(r"\|\s*(\d+)\s*\|\s*pubdb\.cli\s*$", stderr, re.MULTILINE)
    return int(found[1]) / 1000 if found else None


def measure(runs: int) -> dict:
    with tempfile.TemporaryDirectory() as folder:
        env = {"PUBDB_DB": str(Path(folder) / "empty.db")}
        create = "import sys; from pubdb import Library; Library(sys.argv[1]).close()"
        run([sys.executable, "-c", create, env["PUBDB_DB"]])  # list never creates one
        timings = {
            "pass": median_ms([sys.executable, "-c", "pass"], env, runs),
            "click": median_ms([sys.executable, "-c", "import click"], env, runs),
            "help": median_ms([PUBDB, "--help"], env, runs),
            "list": median_ms([PUBDB, "list"], env, runs),
        }
        loaded = {
            "--help": heavy_modules(["--help"], env),
            "list": heavy_modules(["list"], env),
            "import seeds.bib": heavy_modules(["import", str(SMALL_BIB)], env),
        }
    return {"runs": runs, "ms": timings, "loaded": loaded, "cli_import_ms": cli_import_ms()}


def rows(result: dict) -> list[dict]:
    ms = result["ms"]
    click_baseline = f'`python -c "import click"`: {ms["click"]:.0f} ms'
    leaked = {
        command: [name for name in result["loaded"][command] if name in MUST_STAY_OUT]
        for command in ("--help", "list")
    }
    return [
        {
            "what": "`pubdb --help`",
            "measured": f"{ms['help']:.0f} ms",
            "baseline": click_baseline,
            "ratio": f"{ms['help'] / ms['click']:.2f}×",
            "bar": f"< {BAR_HELP_MS:.0f} ms",
            "met": ms["help"] < BAR_HELP_MS,
        },
        {
            "what": "`pubdb list`, empty database",
            "measured": f"{ms['list']:.0f} ms",
            "baseline": click_baseline,
            "ratio": f"{ms['list'] / ms['click']:.2f}×",
            "bar": "—",
            "met": None,
        },
        {
            "what": "heavy modules loaded by `--help` and `list`",
            "measured": "; ".join(
                f"{command}: {', '.join(names) or 'none'}" for command, names in leaked.items()
            ),
            "baseline": "—",
            "ratio": "—",
            "bar": f"none of {', '.join(MUST_STAY_OUT)}",
            "met": not any(leaked.values()),
        },
    ]


def details(result: dict) -> list[str]:
    ms, cli_ms = result["ms"], result["cli_import_ms"]
    imported = "not found in its output" if cli_ms is None else f"{cli_ms:.0f} ms"
    lines = [
        f"- medians of {result['runs']} runs after a warm-up, wall time of the whole process;"
        f" `python -c pass` takes {ms['pass']:.0f} ms.",
        f"- `python -X importtime -c 'import pubdb.cli'`: pubdb.cli {imported} cumulative.",
        f"- modules of {', '.join(HEAVY)} in sys.modules after running the CLI in-process:",
    ]
    lines += [
        f"  - `pubdb {command}`: {', '.join(names) or 'none'}"
        for command, names in result["loaded"].items()
    ]
    return lines
