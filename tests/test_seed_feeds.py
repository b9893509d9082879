"""The seed papers in the stand-in's feed (tests/fixtures/arxiv): every arXiv id of the
seed material is either served, marked as a seed paper, or listed in the fixtures
README as missing with its reason; what the README says was guessed at (midnight times,
v1 only) matches the entries."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from arxiv_standin import FIXTURES, PAPERS, ArxivStandIn, entries_of
from pubdb.sources.arxiv import parse_feed

ROOT = Path(__file__).resolve().parents[1]
SEEDS_BIB = ROOT / "bib" / "seeds.bib"
README = FIXTURES / "README.md"
SEED_MARK = re.compile(
    r"<!-- seed paper[^>]*-->\n  <entry>\s*<id>http://arxiv\.org/abs/([^<]+?)v\d+</id>"
)
# The papers the seed thread (tests/fixtures/seeds/thread.txt) and the Zekri CV point to
# that bib/seeds.bib gives no eprint for.
SEED_IDS_NOT_IN_BIB = ["2105.15183", "2402.05468", "1902.00080", "2410.11711", "2408.01736"]


def seed_ids() -> list[str]:
    bib = re.findall(r"eprint\s*=\s*\{([^}]+)\}", SEEDS_BIB.read_text(encoding="utf-8"))
    return bib + SEED_IDS_NOT_IN_BIB


def readme_section(start: str) -> str:
    """The README paragraph that begins with `start`, up to the next list item."""
    text = README.read_text(encoding="utf-8")
    section = text.split(start, 1)[1]
    return re.split(r"\n  - |\n\n", section, maxsplit=1)[0]


def ids_in(text: str) -> set[str]:
    return set(re.findall(r"\b\d{4}\.\d{4,5}\b", text))


def test_every_seed_id_is_served_or_listed_as_missing():
    served = entries_of(ArxivStandIn().answer(",".join(seed_ids()), len(seed_ids())).get_data())
    missing = ids_in(README.read_text(encoding="utf-8").split("Seed papers still missing", 1)[1])
    for arxiv_id in seed_ids():
        assert (arxiv_id in served) != (arxiv_id in missing), arxiv_id


def test_every_seed_entry_is_marked_as_one():
    marked = set(SEED_MARK.findall(PAPERS.read_text(encoding="utf-8")))
    present = set(entries_of(PAPERS.read_bytes()))
    assert {i for i in seed_ids() if i in present} <= marked


@pytest.mark.parametrize(
    "start, check",
    [
        (
            "times at midnight where only the day is known:",
            lambda record: record.published.endswith("T00:00:00Z"),
        ),
        (
            "v1 with `updated` = `published`",
            lambda record: record.id.version == 1 and record.updated == record.published,
        ),
    ],
    ids=["midnight", "v1-only"],
)
def test_readme_lists_match_the_seed_entries(start, check):
    listed = ids_in(readme_section(start))
    records = {r.id.base: r for r in parse_feed(PAPERS.read_bytes())}
    marked = set(SEED_MARK.findall(PAPERS.read_text(encoding="utf-8")))
    assert listed and listed <= marked
    for arxiv_id in listed:
        assert check(records[arxiv_id]), arxiv_id
    for arxiv_id in marked - listed:
        if start.startswith("times"):
            assert not records[arxiv_id].published.endswith("T00:00:00Z"), arxiv_id
