"""Time the people queries (coauthors, overlap, path) on a synthetic pubdb database.

Each query runs once per subject, by person id (``pubdb.people.coauthors``) and by name
(``pubdb.Library``, which resolves the name first with ``people.resolve_query``).
Subjects come from a fixed seed: the most prolific people, people with the median
number of papers, random pairs in the largest connected component, pairs of prolific
people (random pairs of the top ones: mostly different fields, few shared co-authors),
each prolific person with the most prolific of their steady co-authors (5 joint papers
or more: one community, hundreds of shared co-authors on a DBLP-shaped graph), and
pairs in different components. The NSF
row times ``pubdb coauthors PI1 … PI10 --months 48 --csv`` in-process (name
resolution, query, CSV) for labs of ten: a prolific person and their nine most
prolific co-authors. Prints a Markdown table (wall-clock median, p90 and max, and the
median and p90 CPU time, which show how much of the wall time was waiting for a busy
machine); the bar is a median and p90 under 50 ms for every query row, 200 ms for the
NSF table.
The database file is read once before timing, so the figures are for a warm OS page
cache (a first query after a reboot pays the disk reads on top).

    python bench/synthetic.py --publications 1000000 --out bench/out/people-1m.db
    python bench/people.py --db bench/out/people-1m.db
    python bench/people.py --quick   # CI smoke run: builds a 20k database in a temp dir
"""

from __future__ import annotations

import argparse
import os
import random
import shlex
import sqlite3
import statistics
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import people_baseline as baseline  # bench/ is on sys.path when a bench script runs
from click.testing import CliRunner

from pubdb import Library
from pubdb.cli import cli
from pubdb.people import coauthors as network
from pubdb.store.coauthors import names_of

BAR_MS = 50.0
NSF_BAR_MS = 200.0
LAB_SIZE = 10
AS_OF = "2026-12-01"
SEED = 7
QUICK_PUBLICATIONS = 20_000


# -- the graph, for choosing subjects ------------------------------------------------


def paper_counts(conn: sqlite3.Connection) -> Counter[int]:
    rows = conn.execute("SELECT person_id, count(*) FROM authorships GROUP BY person_id")
    return Counter(dict(rows))


def components(conn: sqlite3.Connection) -> dict[int, int]:
    """person -> a representative of their connected component (union-find)."""
    parent: dict[int, int] = {}

    def root(person: int) -> int:
        parent.setdefault(person, person)
        while parent[person] != person:
            parent[person] = parent[parent[person]]
            person = parent[person]
        return person

    previous_paper, first_author = None, 0
    for paper, person in conn.execute(
        "SELECT publication_id, person_id FROM authorships ORDER BY publication_id"
    ):
        if paper != previous_paper:
            previous_paper, first_author = paper, root(person)
        else:
            parent[root(person)] = root(first_author)
    return {person: root(person) for person in parent}


@dataclass
class Subjects:
    prolific: list[int]
    median: list[int]
    median_papers: int
    giant_pairs: list[tuple[int, int]]
    prolific_pairs: list[tuple[int, int]]
    community_pairs: list[tuple[int, int]]
    labs: list[list[int]]
    split_pairs: list[tuple[int, int]]
    graph_summary: str


STEADY = 5  # joint papers that make a co-author a steady one


def steady_partner(conn: sqlite3.Connection, person: int, counts: Counter[int]) -> int:
    """The most prolific of a person's steady co-authors (STEADY joint papers or more;
    else of all): one of their community. Their most prolific co-author of all is often
    a hub of another field, with a few shared co-authors only."""
    joint = dict(
        conn.execute(
            "SELECT coauthor_id, papers FROM coauthor_edges WHERE person_id = ?", (person,)
        )
    )
    steady = [c for c, papers in joint.items() if papers >= STEADY] or list(joint)
    return max(steady, key=lambda c: (counts[c], -c))


def coauthors_by_output(conn: sqlite3.Connection, person: int, counts: Counter[int]) -> list[int]:
    """A person's co-authors, the most prolific first."""
    rows = conn.execute(
        "SELECT DISTINCT b.person_id FROM authorships a JOIN authorships b"
        " ON b.publication_id = a.publication_id AND b.person_id != a.person_id"
        " WHERE a.person_id = ?",
        (person,),
    )
    return sorted((row[0] for row in rows), key=lambda p: (-counts[p], p))


def choose_subjects(conn: sqlite3.Connection, runs: int) -> Subjects:
    rng = random.Random(SEED)
    counts = paper_counts(conn)
    component = components(conn)
    sizes = Counter(component.values())
    giant_root = sizes.most_common(1)[0][0]
    giant = sorted(p for p, r in component.items() if r == giant_root)
    outside = sorted(p for p, r in component.items() if r != giant_root)
    ranked = sorted(counts, key=lambda p: (-counts[p], p))
    median_papers = int(statistics.median_low(counts.values()))
    top = ranked[:runs]
    pairs_of_top = [(a, b) for i, a in enumerate(top) for b in top[i + 1 :]]
    giant_sample = rng.sample(giant, 2 * runs)
    nearest = {p: coauthors_by_output(conn, p, counts)[: LAB_SIZE - 1] for p in top}
    return Subjects(
        prolific=top,
        median=rng.sample(sorted(p for p in counts if counts[p] == median_papers), runs),
        median_papers=median_papers,
        giant_pairs=list(zip(giant_sample[::2], giant_sample[1::2], strict=True)),
        prolific_pairs=rng.sample(pairs_of_top, min(runs, len(pairs_of_top))),
        community_pairs=[(p, steady_partner(conn, p, counts)) for p in top if nearest[p]],
        labs=[[p, *nearest[p]] for p in top if len(nearest[p]) == LAB_SIZE - 1],
        split_pairs=list(zip(rng.sample(giant, runs), rng.sample(outside, runs), strict=True)),
        graph_summary=(
            f"{len(counts):,} people; largest component {len(giant):,}"
            f" ({len(giant) / len(counts):.0%}), {len(sizes) - 1:,} others"
            f" (largest {sizes.most_common(2)[1][1]:,}); papers per person: max"
            f" {counts[ranked[0]]:,}, #{runs} {counts[ranked[runs - 1]]:,},"
            f" median {median_papers}"
        ),
    )


# -- cases and timing ----------------------------------------------------------------


@dataclass
class Case:
    query: str
    subjects: str
    via: str
    arguments: Sequence
    call: Callable
    outcome: Callable[[object], int | None]  # the number the result column summarises
    baseline: Callable | None = None  # as pubdb answered it before m009_coauthor_graph


@dataclass
class Measurement:
    case: Case
    times_ms: list[float]
    cpu_ms: list[float]
    outcomes: list[int | None]
    base_ms: list[float] = field(default_factory=list)
    base_cpu_ms: list[float] = field(default_factory=list)
    differing: int = 0  # subjects whose baseline answer had another size


def hops(found) -> int | None:
    return None if found is None else len(found)


def cases(library: Library, subjects: Subjects) -> list[Case]:
    conn = library.conn
    names = names_of(
        conn, sorted({p for pair in _all_pairs(subjects) for p in pair} | _singles(subjects))
    )
    median = f"median ({subjects.median_papers} paper{'s' * (subjects.median_papers != 1)})"
    by_id = {
        "coauthors": lambda p: network.coauthors(conn, p),
        "overlap": lambda a, b: network.overlap(conn, [a, b]),
        "path": lambda a, b: network.path(conn, a, b),
    }
    by_name = {
        "coauthors": lambda p: library.coauthors(names[p]),
        "overlap": lambda a, b: library.overlap([names[a], names[b]]),
        "path": lambda a, b: library.collaboration_path(names[a], names[b]),
    }
    outcome = {"coauthors": len, "overlap": lambda o: len(o.shared), "path": hops}
    before = {
        "coauthors": lambda p: baseline.coauthors(conn, p),
        "overlap": lambda a, b: baseline.overlap(conn, [a, b]),
        "path": lambda a, b: baseline.path(conn, a, b),
    }
    plan = [
        ("coauthors", "prolific", [(p,) for p in subjects.prolific]),
        ("coauthors", median, [(p,) for p in subjects.median]),
        ("overlap", "prolific pairs", subjects.prolific_pairs),
        ("overlap", COMMUNITY, subjects.community_pairs),
        ("overlap", "random pairs, same component", subjects.giant_pairs),
        ("path", "random pairs, same component", subjects.giant_pairs),
        ("path", "prolific pairs", subjects.prolific_pairs),
        ("path", COMMUNITY, subjects.community_pairs),
        ("path", "pairs in different components", subjects.split_pairs),
    ]
    found = []
    for query, label, arguments in plan:
        found.append(
            Case(query, label, "id", arguments, by_id[query], outcome[query], before[query])
        )
        found.append(Case(query, label, "name", arguments, by_name[query], outcome[query]))
        if query == "overlap" and label == COMMUNITY:
            found.append(
                Case(
                    query,
                    f"{label}, with every paper read",
                    "id",
                    arguments,
                    lambda a, b: with_papers(network.overlap(conn, [a, b])),
                    outcome[query],
                    before[query],
                )
            )

    def nsf(lab: list[int]) -> int:
        return nsf_table(library.path, [names[p] for p in lab])

    def nsf_before(lab: list[int]) -> int:
        with baseline.baseline_coauthors():
            return nsf(lab)

    labs = [(lab,) for lab in subjects.labs]
    found.append(
        Case("NSF table", f"labs of {LAB_SIZE}, 48 months", "name", labs, nsf, int, nsf_before)
    )
    resolve = [(p,) for pair in subjects.giant_pairs for p in pair]
    found.append(
        Case(
            "resolve name",
            "random people",
            "name",
            resolve,
            lambda p: library.resolve_author(names[p]),
            lambda _: None,
        )
    )
    return found


COMMUNITY = f"prolific person, most prolific co-author of {STEADY}+ papers"


def with_papers(result):
    """What `pubdb overlap` prints: every paper behind every shared co-author."""
    for shared in result.shared:
        shared.papers  # noqa: B018 - the first use reads them all
    return result


RUNNER = CliRunner()


def nsf_table(db_path: Path, names: list[str]) -> int:
    """`pubdb coauthors NAMES --months 48 --csv` in-process; the co-author rows written."""
    arguments = ["coauthors", *names, "--months", "48", "--as-of", AS_OF, "--csv"]
    result = RUNNER.invoke(cli, [*arguments, "--db", str(db_path)], catch_exceptions=False)
    if result.exit_code:
        raise RuntimeError(f"pubdb {shlex.join(arguments)}: {result.output}")
    return result.output.count("\n") - 1


def _all_pairs(subjects: Subjects) -> list[tuple[int, int]]:
    return (
        subjects.giant_pairs
        + subjects.prolific_pairs
        + subjects.community_pairs
        + subjects.split_pairs
    )


def _singles(subjects: Subjects) -> set[int]:
    return set(subjects.prolific) | set(subjects.median) | {p for lab in subjects.labs for p in lab}


def timed(call: Callable, arguments: Sequence) -> tuple[float, float, object]:
    started, cpu_started = time.perf_counter(), time.process_time()
    result = call(*arguments)
    wall = (time.perf_counter() - started) * 1000
    return wall, (time.process_time() - cpu_started) * 1000, result


def measure(case: Case, with_baseline: bool = True) -> Measurement:
    """Each subject once with today's query, then each once with the baseline's (two
    passes: interleaved, the baseline's reads of every paper evicted today's pages from
    the caches and slowed it by a third)."""
    case.call(*case.arguments[0])  # warm-up: imports, page cache
    measurement = Measurement(case, [], [], [])
    for arguments in case.arguments:
        wall, cpu, result = timed(case.call, arguments)
        measurement.times_ms.append(wall)
        measurement.cpu_ms.append(cpu)
        measurement.outcomes.append(case.outcome(result))
        del result
    if with_baseline and case.baseline:
        case.baseline(*case.arguments[0])
        for arguments, outcome in zip(case.arguments, measurement.outcomes, strict=True):
            wall, cpu, result = timed(case.baseline, arguments)
            measurement.base_ms.append(wall)
            measurement.base_cpu_ms.append(cpu)
            measurement.differing += case.outcome(result) != outcome
            del result
    return measurement


# -- report --------------------------------------------------------------------------


def percentile(values: Sequence[float], fraction: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(fraction * len(ordered)))]


def describe_outcomes(query: str, outcomes: list[int | None]) -> str:
    if query == "resolve name":
        return "one person each"
    known = [o for o in outcomes if o is not None]
    noun = {
        "coauthors": "co-authors",
        "overlap": "shared co-authors",
        "path": "hops",
        "NSF table": "rows",
    }[query]
    text = ""
    if known:
        text = (
            f"{noun} {min(known):,}–{max(known):,} (median {int(statistics.median_low(known)):,})"
        )
    missing = len(outcomes) - len(known)
    if missing:
        text += f"{'; ' if text else ''}not connected: {missing}"
    return text


def bar_ms(query: str) -> float:
    return NSF_BAR_MS if query == "NSF table" else BAR_MS


def met(m: Measurement) -> bool:
    """Median and p90 under the bar."""
    bar = bar_ms(m.case.query)
    return statistics.median(m.times_ms) < bar and percentile(m.times_ms, 0.9) < bar


def markdown_table(measurements: list[Measurement]) -> str:
    lines = [
        "| query | subjects | by | runs | median ms | p90 ms | max ms | cpu median / p90 ms"
        " | baseline median / p90 ms (cpu median) | speed-up (cpu) | bar ms | result |",
        "|---|---|---|--:|--:|--:|--:|--:|--:|--:|--:|---|",
    ]
    for m in measurements:
        flag = "" if met(m) else " ✗"
        median = statistics.median(m.times_ms)
        lines.append(
            f"| {m.case.query} | {m.case.subjects} | {m.case.via} | {len(m.times_ms)}"
            f" | {median:.1f}{flag} | {percentile(m.times_ms, 0.9):.1f}"
            f" | {max(m.times_ms):.1f} | {statistics.median(m.cpu_ms):.1f}"
            f" / {percentile(m.cpu_ms, 0.9):.1f} | {_baseline_cell(m)}"
            f" | {_speedup(m)} | {bar_ms(m.case.query):.0f}"
            f" | {describe_outcomes(m.case.query, m.outcomes)}{_differing(m)} |"
        )
    return "\n".join(lines)


def _baseline_cell(m: Measurement) -> str:
    if not m.base_ms:
        return "—"
    return (
        f"{statistics.median(m.base_ms):.1f} / {percentile(m.base_ms, 0.9):.1f}"
        f" ({statistics.median(m.base_cpu_ms):.1f})"
    )


def _speedup(m: Measurement) -> str:
    if not m.base_ms:
        return "—"
    return f"{statistics.median(m.base_cpu_ms) / max(statistics.median(m.cpu_ms), 0.01):.1f}×"


def _differing(m: Measurement) -> str:
    if not m.base_ms:
        return ""
    return f"; baseline: {m.differing} differ" if m.differing else "; baseline: same sizes"


def run(db_path: Path, runs: int, with_baseline: bool = True) -> list[Measurement]:
    with Library(db_path) as library:  # migrates an older database first
        started = time.perf_counter()
        subjects = choose_subjects(library.conn, runs)
        print(f"{db_path}: {library.count():,} publications; {subjects.graph_summary}")
        print(f"indexes on authorships: {', '.join(authorship_indexes(library.conn))}")
        print(f"subjects chosen in {time.perf_counter() - started:.1f} s\n")
        warm_page_cache(db_path)  # after the choice, whose scans push pages out
        measurements = [measure(case, with_baseline) for case in cases(library, subjects)]
    load = ", ".join(f"{value:.1f}" for value in os.getloadavg())
    print(f"load average after the run: {load} on {os.cpu_count()} CPUs\n")
    return measurements


def authorship_indexes(conn: sqlite3.Connection) -> list[str]:
    rows = conn.execute(
        "SELECT name FROM sqlite_master WHERE type = 'index' AND tbl_name = 'authorships'"
        " ORDER BY name"
    )
    return [row[0] for row in rows]


def warm_page_cache(path: Path) -> None:
    with path.open("rb") as db_file:
        while db_file.read(1 << 24):
            pass


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--db", type=Path, default=Path("bench/out/people-1m.db"))
    parser.add_argument("--runs", type=int, default=50, help="subjects per row (default 50)")
    parser.add_argument(
        "--quick", action="store_true", help="build a 20k database in a temp dir, 10 runs"
    )
    parser.add_argument(
        "--no-baseline", action="store_true", help="skip the baseline (bench/people_baseline.py)"
    )
    args = parser.parse_args()
    command = "python " + shlex.join(sys.argv)
    with_baseline = not args.no_baseline
    measurements = (
        quick_run(with_baseline) if args.quick else run(args.db, args.runs, with_baseline)
    )
    print(f"`{command}`\n")
    print(markdown_table(measurements))
    missed = [m for m in measurements if not met(m)]
    verdict = f"missed by {len(missed)} rows" if missed else "met"
    print(f"\nbars: median and p90 < {BAR_MS:.0f} ms, NSF table < {NSF_BAR_MS:.0f} ms — {verdict}")
    return 1 if missed else 0


def quick_run(with_baseline: bool = True) -> list[Measurement]:
    import synthetic  # bench/ is on sys.path when this file runs as a script

    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "people-20k.db"
        stats = synthetic.build(QUICK_PUBLICATIONS, path)
        print(f"built {path.name} in {stats['total_s']:.1f} s")
        return run(path, 10, with_baseline)


if __name__ == "__main__":
    sys.exit(main())
