"""Running a benchmark step in its own process: wall time, peak memory, output."""

from __future__ import annotations

import os
import statistics
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PUBDB = str(Path(sys.executable).parent / "pubdb")


@dataclass
class Run:
    seconds: float
    peak_rss_mb: float  # the largest process of the tree (main or a parse worker)
    stdout: str
    cpu_seconds: float = 0.0  # user + system of the whole tree (``measured`` only)


def run(command: list[str], env: dict[str, str] | None = None) -> Run:
    """Run to completion (peak memory not measured: see ``measured``)."""
    started = time.perf_counter()
    done = subprocess.run(
        command, capture_output=True, text=True, env={**os.environ, **(env or {})}
    )
    if done.returncode != 0:
        raise RuntimeError(f"{' '.join(command)} failed: {done.stderr.strip()[-500:]}")
    return Run(time.perf_counter() - started, 0.0, done.stdout)


def measured(command: list[str], env: dict[str, str] | None = None) -> Run:
    """``command`` run from a fresh wrapper process, so its peak memory is its own."""
    wrapper = (
        "import json, resource, subprocess, sys, time\n"
        "started = time.perf_counter()\n"
        "done = subprocess.run(sys.argv[1:], capture_output=True, text=True)\n"
        "seconds = time.perf_counter() - started\n"
        "usage = resource.getrusage(resource.RUSAGE_CHILDREN)\n"
        "peak, cpu = usage.ru_maxrss / 1024, usage.ru_utime + usage.ru_stime\n"
        "print(json.dumps([done.returncode, seconds, peak, cpu, done.stdout, done.stderr]))\n"
    )
    outcome = run([sys.executable, "-c", wrapper, *command], env)
    import json

    code, seconds, peak, cpu, stdout, stderr = json.loads(outcome.stdout)  # peak: MB (kB / 1024)
    if code != 0:
        raise RuntimeError(f"{' '.join(command)} failed: {stderr.strip()[-500:]}")
    return Run(seconds, peak, stdout, cpu)


def python_timing(code: str, *arguments: str) -> float:
    """Seconds that ``code`` reports (it prints them last), interpreter start-up excluded."""
    return float(run([sys.executable, "-c", code, *arguments]).stdout.split()[-1])


def median(values: list[float]) -> float:
    return statistics.median(values)
