"""`pubdb export --style apa` beside Debian's `pandoc --citeproc` on the same data.

For each library (TeX Live's tugboat.bib when $PUBDB_REALBIB has it, and the bench's
generated .bib) imported into a temporary database: pubdb's CSL-JSON export is what
pubdb gives its own pandoc, so `pandoc -f csljson --citeproc --csl apa.csl` (pandoc on
PATH, e.g. Debian's 2.17) formats exactly the same items. Both run as processes, in
turn, timed end to end (wall, and CPU of the process tree); the entries are compared
one by one. Then pubdb again with its cache warm (nothing changed), and after editing
one record.

    python bench/run.py --only styles
"""

from __future__ import annotations

import json
import os
import resource
import shutil
import subprocess
import tempfile
import time
from pathlib import Path

from import_bench import find_tugboat, generated_bib
from measure import PUBDB

STYLE = "apa"
BAR_RATIO = 1.2
WHOLE_CHECK_MAX = 2000  # pandoc 3.9 unsplit takes ~20-45 s on 2,000 APA references


def timed(command: list[str], env: dict[str, str] | None = None) -> tuple[float, float, str]:
    """(wall seconds, CPU seconds of the command and its children, stdout)."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    started = time.perf_counter()
    done = subprocess.run(
        command, capture_output=True, text=True, env={**os.environ, **(env or {})}
    )
    wall = time.perf_counter() - started
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    if done.returncode:
        raise RuntimeError(f"{' '.join(command[:4])} … failed: {done.stderr.strip()[-400:]}")
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return wall, cpu, done.stdout


def reference_pandoc() -> str | None:
    """pandoc on PATH (Debian's), not the one pubdb bundles."""
    found = shutil.which("pandoc")
    return found if found and "pypandoc" not in found else None


def style_file() -> str:
    from pubdb.render.styles import style_path

    return style_path(STYLE)


def compare(mine: list[str], theirs: list[str]) -> dict:
    same_order = sum(1 for a, b in zip(mine, theirs, strict=False) if a == b)
    unmatched = sorted(set(mine) ^ set(theirs))
    return {
        "entries": len(mine),
        "reference_entries": len(theirs),
        "equal_in_place": same_order,
        "differing": len(set(mine) - set(theirs)),
        "examples": unmatched[:4],
    }


def measure_library(name: str, bib: Path, folder: Path, pandoc: str) -> dict:
    db = folder / f"{name}.db"
    cache = folder / f"cache-{name}"
    env = {"PUBDB_CACHE": str(cache)}
    subprocess.run([PUBDB, "--db", str(db), "import", str(bib)], check=True, capture_output=True)
    items = folder / f"{name}.json"
    _, _, csl = timed([PUBDB, "--db", str(db), "export", "--format", "csl-json"], env)
    items.write_text(csl, encoding="utf-8")
    count = len(json.loads(csl))
    export = [PUBDB, "--db", str(db), "export", "--style", STYLE]
    reference = [
        pandoc, "-f", "csljson", "-t", "plain", "--wrap=none", "--citeproc",
        "--csl", style_file(), str(items),
    ]  # fmt: skip
    ref_wall, ref_cpu, ref_out = timed(reference)
    cold_wall, cold_cpu, out = timed(export, env)
    ref_wall2, ref_cpu2, _ = timed(reference)  # either side of pubdb: load swings
    warm_wall, _, warm_out = timed(export, env)
    first_key = json.loads(csl)[len(json.loads(csl)) // 2]["id"]
    subprocess.run(
        [PUBDB, "--db", str(db), "edit", first_key, "--set", "title=An edited title"],
        check=True,
        capture_output=True,
    )
    edit_wall, edit_cpu, _ = timed(export, env)
    mine = out.splitlines()
    theirs = [e.strip() for e in ref_out.split("\n\n") if e.strip()]
    exact = None
    if count <= WHOLE_CHECK_MAX:  # pubdb's own pandoc on the whole list, unsplit
        from pubdb.render.citeproc import find_pandoc

        whole_command = [find_pandoc()[0], *reference[1:]]
        whole = [e.strip() for e in timed(whole_command)[2].split("\n\n") if e.strip()]
        exact = compare(mine, whole)
    return {
        "name": name,
        "items": count,
        "reference": {"wall": min(ref_wall, ref_wall2), "cpu": min(ref_cpu, ref_cpu2)},
        "pubdb": {"wall": cold_wall, "cpu": cold_cpu},
        "warm_wall": warm_wall,
        "warm_same": warm_out == out,
        "edit": {"wall": edit_wall, "cpu": edit_cpu},
        "compare": compare(mine, theirs),
        "exact": exact,
    }


def measure(quick: bool, out: Path) -> dict:
    pandoc = reference_pandoc()
    if pandoc is None:
        raise RuntimeError("no pandoc on PATH to compare with (apt-get install pandoc)")
    version = subprocess.run([pandoc, "--version"], capture_output=True, text=True).stdout
    from pubdb.render.citeproc import find_pandoc

    libraries = []
    tugboat = find_tugboat()
    if tugboat and not quick:
        libraries.append(("tugboat.bib", tugboat))
    libraries.append(
        (f"generated-{500 if quick else 2000}", generated_bib(out, 500 if quick else 2000))
    )
    with tempfile.TemporaryDirectory() as tmp:
        results = [measure_library(name, bib, Path(tmp), pandoc) for name, bib in libraries]
    return {
        "reference": f"{pandoc} ({version.splitlines()[0]})",
        "pubdb_pandoc": "pandoc " + ".".join(map(str, find_pandoc()[1])),
        "tugboat": "used" if tugboat and not quick else ("quick run" if tugboat else None),
        "libraries": results,
    }


def rows(result: dict) -> list[dict]:
    found = []
    for library in result["libraries"]:
        ref, mine, cmp = library["reference"], library["pubdb"], library["compare"]
        ratio = mine["wall"] / ref["wall"]
        equal = cmp["differing"] == 0 and cmp["entries"] == cmp["reference_entries"]
        found.append(
            {
                "what": f"`export --style {STYLE}`, {library['name']} ({library['items']:,}"
                " references), cold cache",
                "measured": f"{mine['wall']:.2f} s ({mine['cpu']:.2f} s CPU);"
                f" {cmp['entries'] - cmp['differing']:,} of {cmp['entries']:,} entries equal",
                "baseline": f"Debian pandoc --citeproc: {ref['wall']:.2f} s"
                f" ({ref['cpu']:.2f} s CPU)",
                "ratio": f"{ratio:.2f}× (CPU {mine['cpu'] / ref['cpu']:.2f}×)",
                "bar": f"≤ {BAR_RATIO}×, output equal",
                "met": ratio <= BAR_RATIO and equal,
            }
        )
        found.append(
            {
                "what": "same, re-export unchanged / after editing one record",
                "measured": f"{library['warm_wall']:.2f} s / {library['edit']['wall']:.2f} s"
                f" ({library['edit']['cpu']:.2f} s CPU)",
                "baseline": "—",
                "ratio": "—",
                "bar": "—",
                "met": None,
            }
        )
    return found


def details(result: dict) -> list[str]:
    lines = [
        f"- pubdb formats with {result['pubdb_pandoc']} (the pypandoc-binary wheel), in parts"
        " for styles with global given-name disambiguation; reference: "
        f"{result['reference']} on pubdb's CSL-JSON export of the same library.",
    ]
    if result["tugboat"] != "used":
        why = "left out of a quick run" if result["tugboat"] else "not found ($PUBDB_REALBIB)"
        lines.append(f"- tugboat.bib {why}: generated library only.")
    for library in result["libraries"]:
        cmp = library["compare"]
        lines.append(
            f"- {library['name']}: {cmp['equal_in_place']:,} of {cmp['entries']:,} entries equal"
            f" in place, {cmp['differing']} differ; re-export output identical:"
            f" {library['warm_same']}."
        )
        lines += [f"  - differs: `{text[:160]}`" for text in cmp["examples"]]
        if library["exact"]:
            exact = library["exact"]
            lines.append(
                f"  - against {result['pubdb_pandoc']} on the whole list unsplit:"
                f" {exact['equal_in_place']:,} of {exact['entries']:,} equal in place,"
                f" {exact['differing']} differ."
            )
    return lines
