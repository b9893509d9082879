"""arXiv enrichment of 200 ids against a loopback stand-in that enforces arXiv's 3-second
spacing (it answers 429 to a request that comes sooner), beside one request per id.

The stand-in is tests/arxiv_standin.py serving pubdb's test feeds
(tests/fixtures/arxiv/papers.xml: facts of real papers, placeholder abstracts); ids
beyond those get an entry cloned under their own id and title ("Synthetic paper …").
pubdb runs as a user runs it: `pubdb add ID...` with the default 3 s delay.
The baseline is pubdb's own polite client with batches of one, timed on a sample and
extrapolated to 200 ids (the whole of it would take ten minutes).

    python bench/run.py --only arxiv
"""

from __future__ import annotations

import logging
import os
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
BAR_REQUESTS, BAR_SECONDS = 2, 10.0
TEMPLATE_ID = "2206.06921"
BUILT_IN_ENTRY = b"""<entry>
    <id>http://arxiv.org/abs/2206.06921v3</id>
    <title>Attainable forms of Assouad spectra</title>
    <updated>2025-01-30T01:23:42Z</updated>
    <link href="https://arxiv.org/abs/2206.06921v3"/>
    <summary>A built-in entry: tests/fixtures/arxiv/papers.xml was not found.</summary>
    <category term="math.CA" scheme="http://arxiv.org/schemas/atom"/>
    <published>2022-06-14T15:35:46Z</published>
    <arxiv:primary_category term="math.CA"/>
    <author>
      <name>Alex Rutar</name>
    </author>
  </entry>"""
_PUBLISHED_AS = re.compile(
    rb"<arxiv:doi>.*?</arxiv:doi>|<link [^>]*doi\.org[^>]*/>"
    rb"|<arxiv:journal_ref>.*?</arxiv:journal_ref>"
)
_TITLE = re.compile(rb"<title>.*?</title>", re.DOTALL)


def recorded() -> dict[str, bytes]:
    return {key: entry for key, entry in recorded_entries().items() if "/" not in key}


def cloned_entry(template: bytes, arxiv_id: str) -> bytes:
    """``template`` under another id, with its own title so that no two clones merge."""
    entry = _PUBLISHED_AS.sub(b"", template).replace(TEMPLATE_ID.encode(), arxiv_id.encode())
    return _TITLE.sub(f"<title>Synthetic paper {arxiv_id}</title>".encode(), entry)


def served_entries(ids: list[str]) -> dict[str, bytes]:
    entries = recorded()
    template = entries.get(TEMPLATE_ID, BUILT_IN_ENTRY)
    for arxiv_id in ids:
        entries.setdefault(arxiv_id, cloned_entry(template, arxiv_id))
    return entries


def wanted_ids() -> list[str]:
    synthetic = [f"2401.{number:05d}" for number in range(1, IDS + 1)]
    return (sorted(recorded()) + synthetic)[:IDS]


def start_standin(ids: list[str]):
    from pytest_httpserver import HTTPServer

    logging.getLogger("werkzeug").setLevel(logging.ERROR)
    standin = ArxivStandIn(entries=served_entries(ids), min_interval=SPACING_S)
    server = HTTPServer(host="127.0.0.1")
    server.expect_request("/api/query").respond_with_handler(standin.handler)
    server.start()
    return server, standin


def default_arxiv_settings(url: str) -> dict[str, str]:
    """The environment of a user who only points pubdb at another server."""
    blanked = {name: "" for name in os.environ if name.startswith("PUBDB_ARXIV_")}
    return {**blanked, "PUBDB_ARXIV_URL": url}


def pubdb_add(ids: list[str]) -> dict:
    server, standin = start_standin(ids)
    try:
        with tempfile.TemporaryDirectory() as folder:
            env = default_arxiv_settings(server.url_for("/api/query"))
            env["PUBDB_DB"] = str(Path(folder) / "arxiv.db")
            done = run([PUBDB, "add", *ids], env)
        return {
            "seconds": done.seconds,
            "requests": len(standin.requests),
            "refused": standin.refused,
            "summary": done.stdout.strip().splitlines()[-1],
        }
    finally:
        server.stop()


def one_request_per_id(ids: list[str], sample: int) -> dict:
    from pubdb.ids import ArxivId
    from pubdb.sources.arxiv import ArxivClient
    from pubdb.sources.http import ClientSettings

    server, standin = start_standin(ids)
    try:
        env = default_arxiv_settings(server.url_for("/api/query"))
        settings = replace(ClientSettings.from_env(env), batch_size=1)
        started = time.perf_counter()
        result = ArxivClient(settings).fetch([ArxivId(i) for i in ids[:sample]])
        seconds = time.perf_counter() - started
        if len(result.records) != sample:
            raise RuntimeError(f"baseline fetched {len(result.records)} of {sample} ids")
        return {
            "sample": sample,
            "sample_seconds": seconds,
            "sample_requests": len(standin.requests),
            "seconds": seconds / sample * len(ids),
            "refused": standin.refused,
        }
    finally:
        server.stop()


def measure(quick: bool) -> dict:
    ids = wanted_ids()
    known = recorded()
    return {
        "ids": len(ids),
        "recorded": sum(1 for i in ids if i in known),
        "pubdb": pubdb_add(ids),
        "baseline": one_request_per_id(ids, 3 if quick else 10),
    }


def rows(result: dict) -> list[dict]:
    mine, base, ids = result["pubdb"], result["baseline"], result["ids"]
    return [
        {
            "what": f"`pubdb add` {ids} ids, 3 s spacing enforced",
            "measured": f"{mine['requests']} requests, {mine['seconds']:.1f} s,"
            f" {mine['refused']} × 429",
            "baseline": f"one request per id: {ids} requests, ~{base['seconds']:.0f} s"
            f" (extrapolated from {base['sample']}), {base['refused']} × 429",
            "ratio": f"{base['seconds'] / mine['seconds']:.0f}× faster",
            "bar": f"{BAR_REQUESTS} requests, < {BAR_SECONDS:.0f} s",
            "met": mine["requests"] <= BAR_REQUESTS and mine["seconds"] < BAR_SECONDS,
        }
    ]


def ids_served(ids: int, recorded: int) -> str:
    if not recorded:
        return (
            f"- ids: tests/fixtures/arxiv/papers.xml not found; all {ids}"
            " served as a built-in entry cloned under each id and title."
        )
    return (
        f"- ids: {recorded} from tests/fixtures/arxiv/papers.xml, {ids - recorded} cloned"
        " from one of those entries under their own id and title."
    )


def details(result: dict) -> list[str]:
    mine, base = result["pubdb"], result["baseline"]
    return [
        ids_served(result["ids"], result["recorded"]),
        f"- `pubdb add` (default settings, fresh database, wall time including start-up)"
        f" printed: {mine['summary']}",
        f"- baseline: `ArxivClient` with `batch_size=1` fetched {base['sample']} ids in"
        f" {base['sample_seconds']:.1f} s with {base['sample_requests']} requests;"
        f" the {result['ids']}-id figure is that time × {result['ids']}/{base['sample']}.",
    ]
