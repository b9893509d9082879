"""arXiv enrichment of 200 ids against a local stand-in that enforces arXiv's 3-second
spacing (429 for a request that comes sooner), beside one request per id.

The stand-in is tests/arxiv_standin.py, serving the recorded responses of
../shared/fixtures/arxiv; ids beyond the recorded ones get a recorded entry cloned under
their own id. pubdb runs as a user runs it (`pubdb add`, default 3 s delay); the
one-request-per-id baseline uses pubdb's own polite client with batches of one, timed
on a sample and extrapolated to 200 ids (it would take 10 minutes).
"""

from __future__ import annotations

import re
import sys
import tempfile
import time
from dataclasses import replace
from pathlib import Path

from measure import PUBDB, ROOT, run

sys.path.insert(0, str(ROOT / "tests"))

from arxiv_standin import ArxivStandIn, recorded_entries

IDS = 200
SPACING_S = 3.0
_WITHOUT_DOI = re.compile(
    rb"<arxiv:doi>.*?</arxiv:doi>|<link [^>]*doi\.org[^>]*/>"
    rb"|<arxiv:journal_ref>.*?</arxiv:journal_ref>"
)
_ENTRY_ID = re.compile(rb"<id>https?://arxiv\.org/abs/([^<]+?)(v\d+)?</id>")


def entries_for(ids: list[str]) -> dict[str, bytes]:
    """The recorded entries, plus a clone of one under each id not recorded."""
    entries = recorded_entries()
    template = _WITHOUT_DOI.sub(b"", entries["2206.06921"])
    old = _ENTRY_ID.search(template).group(1)
    for arxiv_id in ids:
        if arxiv_id not in entries:
            entry = template.replace(old, arxiv_id.encode())
            title = f"<title>Synthetic paper {arxiv_id}</title>".encode()
            entries[arxiv_id] = re.sub(rb"<title>.*?</title>", title, entry, flags=re.DOTALL)
    return entries


def wanted_ids() -> list[str]:
    recorded = sorted(i for i in recorded_entries() if "/" not in i)
    synthetic = [f"2401.{n:05d}" for n in range(1, IDS + 1)]
    return (recorded + synthetic)[:IDS]


def serve(ids: list[str]):
    import logging

    from pytest_httpserver import HTTPServer

    logging.getLogger("werkzeug").setLevel(logging.ERROR)
    standin = ArxivStandIn(entries=entries_for(ids), min_interval=SPACING_S)
    server = HTTPServer(host="127.0.0.1")
    server.expect_request("/api/query").respond_with_handler(standin.handler)
    server.start()
    return server, standin


def pubdb_add(ids: list[str]) -> dict:
    server, standin = serve(ids)
    try:
        with tempfile.TemporaryDirectory() as folder:
            env = {
                "PUBDB_ARXIV_URL": server.url_for("/api/query"),
                "PUBDB_DB": str(Path(folder) / "bench.db"),
            }
            for name in ("PUBDB_ARXIV_DELAY", "PUBDB_ARXIV_RETRIES"):
                env[name] = ""
            done = run([PUBDB, "add", *ids], env)
        summary = done.stdout.strip().splitlines()[-1]
        return {
            "seconds": done.seconds,
            "requests": len(standin.requests),
            "refused": standin.refused,
            "summary": summary,
        }
    finally:
        server.stop()


def one_request_per_id(ids: list[str], sample: int) -> dict:
    from pubdb.arxiv import ArxivClient
    from pubdb.http import ClientSettings
    from pubdb.ids import ArxivId

    server, standin = serve(ids)
    try:
        settings = replace(
            ClientSettings.from_env({"PUBDB_ARXIV_URL": server.url_for("/api/query")}),
            batch_size=1,
        )
        started = time.perf_counter()
        result = ArxivClient(settings).fetch([ArxivId(i) for i in ids[:sample]])
        seconds = time.perf_counter() - started
        assert len(result.records) == sample
        return {
            "sample": sample,
            "sample_seconds": seconds,
            "seconds": seconds / sample * len(ids),
            "requests": len(ids),
            "refused": standin.refused,
        }
    finally:
        server.stop()


def measure(quick: bool) -> dict:
    ids = wanted_ids()
    return {"pubdb": pubdb_add(ids), "baseline": one_request_per_id(ids, 3 if quick else 10)}


def report(result: dict) -> list[str]:
    mine, base = result["pubdb"], result["baseline"]
    met = mine["requests"] <= 2 and mine["seconds"] < 10
    return [
        f"| `pubdb add` {IDS} ids | {mine['requests']} | {mine['seconds']:.1f} s"
        f" | {mine['refused']} | {mine['summary']} |",
        f"| one request per id (sample of {base['sample']}, extrapolated) | {base['requests']}"
        f" | {base['seconds']:.0f} s | {base['refused']} |"
        f" {base['sample_seconds']:.1f} s for {base['sample']} |",
        "",
        f"bar: 2 requests, < 10 s — {'met' if met else 'MISSED'};"
        f" {base['seconds'] / mine['seconds']:.0f}x faster than one request per id",
    ]


HEADER = [
    "| arXiv, 3 s spacing enforced | requests | wall time | answered 429 | result |",
    "|---|--:|--:|--:|---|",
]
