"""A synthetic pubdb database for benchmarks, skewed like real co-authorship data.

People belong to research groups. Each paper belongs to one group (group activity is
Pareto-distributed) and draws its 1-10 authors from that group by preferential
attachment (Yule-Simon: a new person with probability NEW_PERSON, else an earlier
author in proportion to their papers). Productivity follows a power law: most people
have one paper, a few have thousands. A quarter of the papers borrow one author from a
nearby group, a few from any group; this joins most groups into one large component
with small-world distances. Isolated groups never borrow and stay separate components.

Names are "Given Family" built from syllables, unique, with Zipf-distributed family
names (a common family name is shared by thousands of people, as in real author lists).

The schema comes from ``pubdb.store.connection.connect`` (migrations); rows go in with plain sqlite3
in one transaction with journaling off. The search triggers are dropped during the load
and re-created from their stored SQL, and the full-text index is built in bulk, so
``search_dirty`` is empty and the first write re-indexes nothing. Same seed, same file.

    python bench/synthetic.py --publications 1000000 --out bench/out/people-1m.db
    python bench/synthetic.py --publications 20000 --out bench/out/people-20k.db
"""

from __future__ import annotations

import argparse
import bisect
import itertools
import random
import sqlite3
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

from pubdb.names import name_form
from pubdb.store.connection import connect
from pubdb.store.search_text import index_text

SEED = 20240504
STAMP = "2026-01-01T00:00:00Z"
FIRST_YEAR, LAST_YEAR = 1990, 2026
YEARLY_GROWTH = 1.08
AUTHOR_COUNT_WEIGHTS = (20, 28, 22, 12, 7, 5, 3, 1.5, 1, 0.5)  # 1..10 authors, mean ~3
PAPERS_PER_GROUP = 50
GROUP_ACTIVITY_SHAPE = 1.3  # Pareto shape of papers per group
GROUP_ACTIVITY_CAP = 1500.0  # times the smallest group's activity
NEW_PERSON = 0.3
HEAD_SHARE = 0.3  # share of a group's multi-author papers its head is last author of
BORROW = 0.25  # share of papers with one author from another group
FAR_BORROW = 0.3  # share of those from any group rather than a nearby one
NEAR_SPREAD = 5.0  # mean distance (in group numbers) of a nearby group
ISOLATED_GROUPS = 0.03
AFFILIATED = 0.3  # share of papers that list affiliations
FAMILY_NAME_SKEW = 0.7  # Zipf exponent of family-name frequency
PEOPLE_PER_FAMILY_NAME = 20

SYLLABLES = (
    "ba be bi bo bu da de di do du fa fe fi fo ga ge gi go ka ke ki ko ku la le li lo lu"
    " ma me mi mo mu na ne ni no nu pa pe pi po ra re ri ro ru sa se si so ta te ti to"
    " va ve vi vo za ze zi zo"
).split()
WORDS = (
    "learning deep neural networks graph diffusion models sparse attention transformer"
    " quantum field theory gauge symmetry lattice spectral methods optimal transport"
    " stochastic gradient descent convergence bounds kernel regression inference bayesian"
    " variational causal discovery robust estimation high dimensional statistics random"
    " matrices entropy information geometry manifold topology homology persistent data"
    " analysis scalable algorithms approximation complexity lower upper tight planar"
    " flows fluid turbulence simulation numerical solvers partial differential equations"
    " protein folding molecular dynamics genomic sequencing single cell imaging"
    " reinforcement policy control dynamical systems chaos stability equilibrium games"
    " markets mechanism design privacy federated distributed consensus blockchain"
    " language vision speech retrieval generation benchmark evaluation fairness"
).split()
KINDS = (  # kind, BibTeX entry type, weight, venue names
    ("journal", "article", 35, "Journal of"),
    ("conference", "inproceedings", 30, "Conference on"),
    ("preprint", "misc", 25, None),
    ("workshop", "inproceedings", 5, "Workshop on"),
    ("thesis", "phdthesis", 2, None),
    ("chapter", "incollection", 2, None),
    ("book", "book", 1, None),
)
VENUE_TOPICS = [word.title() for word in WORDS[:60]]


@dataclass
class Corpus:
    """Papers as author lists (person numbers from 0) and each person's home group."""

    papers: list[list[int]] = field(default_factory=list)
    home_group: list[int] = field(default_factory=list)


class CoauthorshipModel:
    """Draws author lists group by group; see the module docstring."""

    def __init__(self, rng: random.Random, groups: int):
        self.rng = rng
        self.groups = groups
        self.isolated = {g for g in range(groups) if rng.random() < ISOLATED_GROUPS}
        self.slots: list[list[int]] = [[] for _ in range(groups)]  # one entry per paper
        self.heads: dict[int, int] = {}  # group -> its first member
        self.corpus = Corpus()

    def add_paper(self, group: int, size: int) -> None:
        head = self._head_as_last_author(group, size)
        borrow_at = self._borrow_position(group, size)
        authors: list[int] = []
        for position in range(size if head is None else size - 1):
            person = self._borrowed(group, authors, head) if position == borrow_at else None
            if person is None:
                person = self._member(group, authors, head)
            authors.append(person)
        if head is not None:
            authors.append(head)
        for person in authors:
            self.slots[self.corpus.home_group[person]].append(person)
        self.corpus.papers.append(authors)

    def _head_as_last_author(self, group: int, size: int) -> int | None:
        if size > 1 and group in self.heads and self.rng.random() < HEAD_SHARE:
            return self.heads[group]
        return None

    def _borrow_position(self, group: int, size: int) -> int:
        if size > 1 and group not in self.isolated and self.rng.random() < BORROW:
            return self.rng.randrange(1, size)
        return -1

    def _member(self, group: int, taken: list[int], head: int | None) -> int:
        slots = self.slots[group]
        if slots and self.rng.random() >= NEW_PERSON:
            for _ in range(3):
                person = slots[self.rng.randrange(len(slots))]
                if person not in taken and person != head:
                    return person
        return self._new_person(group)

    def _borrowed(self, group: int, taken: list[int], head: int | None) -> int | None:
        partner = self._partner(group)
        slots = self.slots[partner]
        if partner == group or partner in self.isolated or not slots:
            return None
        person = slots[self.rng.randrange(len(slots))]
        return None if person in taken or person == head else person

    def _partner(self, group: int) -> int:
        if self.rng.random() < FAR_BORROW:
            return self.rng.randrange(self.groups)
        step = 1 + int(self.rng.expovariate(1 / NEAR_SPREAD))
        return (group + self.rng.choice((-step, step))) % self.groups

    def _new_person(self, group: int) -> int:
        self.corpus.home_group.append(group)
        person = len(self.corpus.home_group) - 1
        self.heads.setdefault(group, person)
        return person


def group_activity(rng: random.Random, groups: int) -> list[float]:
    """Cumulative weights: how often each group publishes."""
    weights = (
        min(rng.paretovariate(GROUP_ACTIVITY_SHAPE), GROUP_ACTIVITY_CAP) for _ in range(groups)
    )
    return list(itertools.accumulate(weights))


def generate_corpus(rng: random.Random, publications: int) -> Corpus:
    groups = max(10, publications // PAPERS_PER_GROUP)
    model = CoauthorshipModel(rng, groups)
    paper_groups = rng.choices(
        range(groups), cum_weights=group_activity(rng, groups), k=publications
    )
    sizes = rng.choices(range(1, 11), weights=AUTHOR_COUNT_WEIGHTS, k=publications)
    for group, size in zip(paper_groups, sizes, strict=True):
        model.add_paper(group, size)
    return model.corpus


# -- names -------------------------------------------------------------------------


def syllable_names(count: int, rng: random.Random) -> list[str]:
    """``count`` distinct capitalised names of two or three syllables, shuffled."""
    two = ("".join(pair) for pair in itertools.product(SYLLABLES, repeat=2))
    three = ("".join(triple) for triple in itertools.product(SYLLABLES, repeat=3))
    names = [name.title() for name in itertools.islice(itertools.chain(two, three), count)]
    if len(names) < count:
        raise ValueError(f"only {len(names)} syllable names; asked for {count}")
    rng.shuffle(names)
    return names


def full_names(people: int, rng: random.Random) -> list[tuple[str, str]]:
    """(given, family) per person, all distinct. Family names are Zipf-distributed; each
    family hands out given names in its own order, so no full name repeats."""
    families = syllable_names(max(10, people // PEOPLE_PER_FAMILY_NAME), rng)
    givens = syllable_names(len(SYLLABLES) ** 2 + len(SYLLABLES) ** 3, rng)
    frequency = itertools.accumulate(
        1 / rank**FAMILY_NAME_SKEW for rank in range(1, len(families) + 1)
    )
    chosen = rng.choices(range(len(families)), cum_weights=list(frequency), k=people)
    used = [0] * len(families)
    names = []
    for family in chosen:
        given = givens[(family * 7919 + used[family]) % len(givens)]
        used[family] += 1
        names.append((given, families[family]))
    if max(used) > len(givens):
        raise ValueError("too many people for unique names")
    return names


# -- rows --------------------------------------------------------------------------


@dataclass
class PersonRow:
    name: str
    given: str
    family: str
    key: str
    family_len: int | None
    last: str


def person_rows(names: list[tuple[str, str]]) -> list[PersonRow]:
    rows = []
    for given, family in names:
        written = f"{given} {family}"
        form = name_form(written, given, family)
        rows.append(PersonRow(written, given, family, form.key, form.family_len, form.last))
    return rows


def year_of_paper(publications: int) -> list[int]:
    """Years in publication order, with exponentially more papers each year."""
    years = range(FIRST_YEAR, LAST_YEAR + 1)
    cumulative = list(itertools.accumulate(YEARLY_GROWTH ** (y - FIRST_YEAR) for y in years))
    scale = cumulative[-1] / publications
    return [FIRST_YEAR + bisect.bisect_right(cumulative, i * scale) for i in range(publications)]


class CitekeyMaker:
    """'familyYEARword', with a letter suffix on a clash, as pubdb's keys do."""

    def __init__(self) -> None:
        self.taken: set[str] = set()

    def make(self, family: str, year: int, title: str) -> str:
        stem = f"{family.lower()}{year}{title.split()[0].lower()}"
        for number in itertools.count():
            key = stem + _letters(number)
            if key not in self.taken:
                self.taken.add(key)
                return key
        raise AssertionError("unreachable")


def _letters(number: int) -> str:
    """0 -> '', 1 -> 'b', 25 -> 'z', 26 -> 'ba' ..."""
    letters = ""
    while number:
        number, digit = divmod(number, 26)
        letters = chr(ord("a") + digit) + letters
    return letters


def publication_rows(
    rng: random.Random, corpus: Corpus, people: list[PersonRow]
) -> Iterator[tuple]:
    kinds = rng.choices(KINDS, weights=[k[2] for k in KINDS], k=len(corpus.papers))
    citekeys = CitekeyMaker()
    for index, (authors, year, (kind, entry_type, _, venue_prefix)) in enumerate(
        zip(corpus.papers, year_of_paper(len(corpus.papers)), kinds, strict=True)
    ):
        title = " ".join(rng.choices(WORDS, k=rng.randint(4, 10))).capitalize()
        venue = f"{venue_prefix} {rng.choice(VENUE_TOPICS)}" if venue_prefix else None
        yield (
            index + 1,
            citekeys.make(people[authors[0]].family, year, title),
            entry_type,
            kind,
            "preprint" if kind == "preprint" else "published",
            title,
            year,
            rng.randint(1, 12),
            venue,
            "bibtex",
            STAMP,
            STAMP,
        )


def authorship_rows(rng: random.Random, corpus: Corpus, people: list[PersonRow]) -> Iterator[tuple]:
    for index, authors in enumerate(corpus.papers):
        affiliated = rng.random() < AFFILIATED
        for position, person in enumerate(authors):
            row = people[person]
            group = corpus.home_group[person]
            affiliation = f"Institute {group // 5 + 1}" if affiliated else None
            yield (index + 1, position, person + 1, row.name, row.given, row.family,
                   affiliation, 0, row.key)  # fmt: skip


# -- database ----------------------------------------------------------------------


def open_for_bulk_load(path: Path) -> sqlite3.Connection:
    """The migrated schema, then a raw connection with journaling off for the load."""
    for stale in (path, path.with_name(path.name + "-wal"), path.with_name(path.name + "-shm")):
        stale.unlink(missing_ok=True)
    connect(path).close()
    conn = sqlite3.connect(path, isolation_level=None)
    conn.execute("PRAGMA journal_mode = OFF")
    conn.execute("PRAGMA synchronous = OFF")
    conn.execute("PRAGMA cache_size = -1000000")
    return conn


def drop_search_triggers(conn: sqlite3.Connection) -> list[str]:
    """Drop the triggers that queue rows for re-indexing; returns their SQL."""
    triggers = conn.execute(
        "SELECT name, sql FROM sqlite_master WHERE type = 'trigger' AND name LIKE '%_search_%'"
    ).fetchall()
    for name, _ in triggers:
        conn.execute(f"DROP TRIGGER {name}")
    return [sql for _, sql in triggers]


def build_search_index(conn: sqlite3.Connection) -> None:
    """What ``pubdb.store.search.flush`` would write, in one statement, with pubdb's own
    tokenizer (``index_text``) called from SQL."""
    conn.create_function("index_text", 1, index_text, deterministic=True)
    conn.execute(
        "INSERT INTO publications_fts (rowid, title, authors, venue, abstract, year)"
        " SELECT p.id, index_text(p.title),"
        " index_text((SELECT group_concat(name, ' ; ') FROM"
        "  (SELECT name FROM authorships a WHERE a.publication_id = p.id ORDER BY a.position))),"
        " index_text(p.venue), '', coalesce(CAST(p.year AS TEXT), '')"
        " FROM publications p ORDER BY p.id"
    )


def write_database(path: Path, rng: random.Random, corpus: Corpus, people: list[PersonRow]) -> None:
    conn = open_for_bulk_load(path)
    try:
        conn.execute("BEGIN")
        triggers = drop_search_triggers(conn)
        conn.executemany(
            "INSERT INTO people (id, name, given, family, name_key, created_at)"
            " VALUES (?, ?, ?, ?, ?, ?)",
            ((i + 1, p.name, p.given, p.family, p.key, STAMP) for i, p in enumerate(people)),
        )
        conn.executemany(
            "INSERT INTO person_names (person_id, name, name_key, family_len, last_key)"
            " VALUES (?, ?, ?, ?, ?)",
            ((i + 1, p.name, p.key, p.family_len, p.last) for i, p in enumerate(people)),
        )
        conn.executemany(
            "INSERT INTO publications (id, citekey, entry_type, kind, status, title, year,"
            " month, venue, source, created_at, updated_at)"
            " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            publication_rows(rng, corpus, people),
        )
        conn.executemany(
            "INSERT INTO authorships (publication_id, position, person_id, name, given,"
            " family, affiliation, equal_contribution, name_key)"
            " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
            authorship_rows(rng, corpus, people),
        )
        build_search_index(conn)
        for sql in triggers:
            conn.execute(sql)
        conn.execute("COMMIT")
        conn.execute("PRAGMA journal_mode = WAL")
    finally:
        conn.close()


def build(publications: int, out: Path, seed: int = SEED) -> dict[str, float]:
    """Write the database; returns counts and the seconds each stage took."""
    rng = random.Random(seed)
    started = time.perf_counter()
    corpus = generate_corpus(rng, publications)
    people = person_rows(full_names(len(corpus.home_group), rng))
    generated = time.perf_counter()
    write_database(out, rng, corpus, people)
    written = time.perf_counter()
    return {
        "publications": publications,
        "authorships": sum(len(authors) for authors in corpus.papers),
        "people": len(people),
        "generate_s": generated - started,
        "write_s": written - generated,
        "total_s": written - started,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--publications", type=int, default=1_000_000)
    parser.add_argument("--out", type=Path, default=Path("bench/out/people-1m.db"))
    parser.add_argument("--seed", type=int, default=SEED)
    args = parser.parse_args()
    stats = build(args.publications, args.out, args.seed)
    print(
        f"{args.out}: {stats['publications']:,} publications, {stats['authorships']:,}"
        f" authorships, {stats['people']:,} people; built in {stats['total_s']:.1f} s"
        f" (generate {stats['generate_s']:.1f} s, write {stats['write_s']:.1f} s)"
    )


if __name__ == "__main__":
    main()
