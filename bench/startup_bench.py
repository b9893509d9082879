"""CLI start-up: `pubdb --help` and `pubdb list` on an empty database, beside
`python -c "import click"`, and which heavy modules each command imports."""

from __future__ import annotations

import sys
import tempfile
from pathlib import Path

from measure import PUBDB, median, run

HEAVY = ("requests", "bibtexparser", "sqlite_utils", "pylatexenc", "citeproc", "defusedxml")
IMPORTED = (
    "import sys\n"
    "from pubdb.cli import main\n"
    "sys.argv = ['pubdb', *sys.argv[1:]]\n"
    "try:\n"
    "    main()\n"
    "except SystemExit:\n"
    "    pass\n"
    f"heavy = [m for m in {HEAVY!r} if m in sys.modules]\n"
    "print('\\nheavy:' + ','.join(heavy))\n"
)


def timed(command: list[str], env: dict[str, str], runs: int) -> float:
    run(command, env)  # warm the file cache
    return median([run(command, env).seconds for _ in range(runs)]) * 1000


def heavy_modules(args: list[str], env: dict[str, str]) -> list[str]:
    output = run([sys.executable, "-c", IMPORTED, *args], env).stdout
    line = output[output.rindex("heavy:") + len("heavy:") :].strip()
    return [name for name in line.split(",") if name]


def measure(quick: bool) -> dict:
    runs = 5 if quick else 15
    with tempfile.TemporaryDirectory() as folder:
        env = {"PUBDB_DB": str(Path(folder) / "empty.db")}
        return {
            "runs": runs,
            "click_ms": timed([sys.executable, "-c", "import click"], env, runs),
            "help_ms": timed([PUBDB, "--help"], env, runs),
            "list_ms": timed([PUBDB, "list"], env, runs),
            "help_imports": heavy_modules(["--help"], env),
            "list_imports": heavy_modules(["list"], env),
        }


HEADER = [
    "| start-up (median) | time | × `import click` | heavy modules imported |",
    "|---|--:|--:|---|",
]


def report(result: dict) -> list[str]:
    click_ms = result["click_ms"]
    rows = [f'| `python -c "import click"` | {click_ms:.0f} ms | 1.0 | — |']
    for name, key in (("`pubdb --help`", "help"), ("`pubdb list` (empty db)", "list")):
        ms = result[f"{key}_ms"]
        imported = ", ".join(result[f"{key}_imports"]) or "none"
        rows.append(f"| {name} | {ms:.0f} ms | {ms / click_ms:.2f} | {imported} |")
    met = result["help_ms"] < 150
    rows += ["", f"bar: `--help` < 150 ms — {'met' if met else 'MISSED'}"]
    return rows
