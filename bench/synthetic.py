"""A synthetic pubdb database whose co-authorship graph is shaped like DBLP's.

``build(publications, out, seed, mean_authors)`` writes the database and returns counts
and stage seconds; same seed, same file. The schema comes from
``pubdb.store.connection.connect`` (all migrations); rows go in with plain sqlite3 in one
transaction with journaling off, the secondary indexes dropped during the load and
rebuilt after (a sort instead of random B-tree inserts), the triggers dropped and
re-created, the full-text index and the co-author graph's side tables (pairs of
co-authors, latest affiliations) built in bulk, so ``pubdb check`` passes and
``search_dirty`` is empty. Each person's lab and field go to ``OUT.communities.npz``.

The model generates papers, not edges:

* People live in a two-level hierarchy, field > lab. Labs are contiguous runs of person
  numbers inside their field's run, so "a member of this lab / field" is a range.
* Every person has a fitness ``w`` (lognormal, sigma FITNESS_SIGMA). Papers a person
  leads, and slots they fill, are drawn in proportion to ``w``, so productivity is
  heavy-tailed; people who draw no paper are not written (the pool is sized so that
  the written people come out at DBLP's 0.47 people per paper).
* Each lab has a principal investigator drawn by fitness, whose fitness is raised
  (PI_BOOST); the other members join labs in proportion to ``PI fitness **
  LAB_SIZE_EXP``, so big producers run big groups. Labs join fields in proportion to a
  lognormal field size; each lab has PARTNERS standing partner labs in its field, the
  first ones the most frequent (weights 1/r).
* A paper's size follows DBLP's authors-per-paper shape: two authors the commonest,
  95% with five or fewer, a Pareto tail up to MAX_AUTHORS, its mass solved for the
  requested mean (3.0: 1M papers give 3M authorships; 3.33 at 7.5M papers gives DBLP's
  25M authorships).
* Its lead (last) author is drawn by fitness over everyone. The paper stays in the
  lead's lab (P_LAB), or is joint with a partner lab of the field (P_FIELD), or with a
  lab of a nearby or any field; the first co-author comes from the partner, the others
  from either (PARTNER_SHARE), always by fitness within the range: repeat
  collaborators and preferential attachment inside the community, a few bridges out.
  A slot may go to a newcomer on no other paper (P_NEWCOMER: students, visitors). A
  duplicate within a paper is redrawn from a wider range; after a few rounds dropped.
* Person ids follow first appearance in paper order (as an import would number them),
  not lab order, so a lab's rows are not neighbours on disk.

Checked against DBLP's published figures by bench/graphstats.py (1M papers): average
local clustering 0.62 (SNAP com-DBLP: 0.6324), degree power-law exponent 3.04 above
degree 59 (KONECT dblp_coauthor: 3.22), 3.0 authors and 0.47 people per paper (DBLP),
a giant component of 99%; two prolific people of one community share hundreds of
co-authors. Known gaps: 1.35 joint papers per co-author pair (KONECT: 1.77), and
distances a little short (the graph is more connected than DBLP).

Names are "Given Family" built from syllables, unique, with Zipf-distributed family
names; 30% of papers list affiliations ("Institute N", a person's lab's).

    python bench/synthetic.py --publications 1000000 --out bench/out/people-1m.db
    python bench/synthetic.py --publications 7500000 --authors-per-paper 3.33 \
        --out bench/out/people-dblp.db
    python bench/synthetic.py --publications 1000000 --graph-only   # generate, do not write

Needs numpy (``pip install -e '.[bench]'``).
"""

from __future__ import annotations

import argparse
import itertools
import resource
import sqlite3
import time
from pathlib import Path

import numpy as np

from pubdb.store import graph
from pubdb.store.connection import connect
from pubdb.store.search_text import index_text

SEED = 20240504
STAMP = "2026-01-01T00:00:00Z"
FIRST_YEAR, LAST_YEAR = 1990, 2026
YEARLY_GROWTH = 1.08

# -- the model's parameters (see the module docstring) -----------------------------
PEOPLE_PER_PAPER = 0.47  # DBLP: ~3.5M people for ~7.5M papers
POOL_PER_PERSON = 0.88  # pool / target people (some draw no paper, newcomers add); calibrated
FITNESS_SIGMA = 1.15  # lognormal sigma of fitness (papers per person)
MEAN_LAB = 24  # pool members per lab
PI_BOOST = 4.0  # a PI's fitness is multiplied by this
LAB_SIZE_EXP = 0.8  # lab size ~ (PI fitness) ** LAB_SIZE_EXP
LABS_PER_FIELD = 120  # mean; field sizes lognormal
FIELD_SIGMA = 0.6
P_LAB, P_FIELD = 0.55, 0.35  # papers within the lab, with a partner lab of the field
P_NEAR = 0.7  # of the rest (with a lab of another field): a neighbouring field
PARTNERS = 8  # standing partner labs per lab, drawn by lab weight ** PARTNER_EXP
PARTNER_EXP = 1.5
PARTNER_SKEW = 1.0  # the r-th partner is chosen in proportion to 1 / r ** PARTNER_SKEW
P_NEWCOMER = 0.06  # a co-author slot filled by someone on no other paper
PARTNER_SHARE = 0.4  # on a joint paper, each co-author after the first from the partner
NEAR_SPREAD = 3.0
REDRAW_ROUNDS = 4
SIZE_HEAD = np.array([0.17, 0.30, 0.23, 0.15, 0.10])  # 1..5 authors (DBLP: mode 2)
SIZE_TAIL_SHAPE = 2.5  # Pareto shape of sizes >= 6
MAX_AUTHORS = 120
MEAN_AUTHORS = 3.0

AFFILIATED = 0.3
FAMILY_NAME_SKEW = 0.7
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


# -- the graph ---------------------------------------------------------------------


class Corpus:
    """Papers as CSR author lists over person numbers 0.. (in first-appearance order).

    ``starts[j]:starts[j+1]`` indexes ``authors`` for paper j (lead last); ``lab`` and
    ``field`` give each person's community."""

    def __init__(self, starts, authors, lab, field, fitness):
        self.starts, self.authors = starts, authors
        self.lab, self.field, self.fitness = lab, field, fitness

    @property
    def papers(self) -> int:
        return len(self.starts) - 1

    @property
    def people(self) -> int:
        return len(self.lab)


def _size_distribution(mean: float) -> np.ndarray:
    """P(size = 1..MAX_AUTHORS): DBLP's head, a Pareto tail weighted to hit ``mean``."""
    head = SIZE_HEAD / SIZE_HEAD.sum()
    sizes = np.arange(6, MAX_AUTHORS + 1, dtype=float)
    tail = sizes ** -(SIZE_TAIL_SHAPE + 1)
    tail /= tail.sum()
    head_mean = (head * np.arange(1, 6)).sum()
    tail_mean = (tail * sizes).sum()
    share = (mean - head_mean) / (tail_mean - head_mean)
    if not 0 <= share < 1:
        raise ValueError(f"mean {mean} authors per paper is out of this shape's range")
    return np.concatenate([head * (1 - share), tail * share])


def _pick(rng, cum: np.ndarray, lo: np.ndarray, hi: np.ndarray) -> np.ndarray:
    """One index per row, in [lo, hi), with probability proportional to weight."""
    base = np.where(lo > 0, cum[np.maximum(lo - 1, 0)], 0.0)
    top = cum[hi - 1]
    target = base + rng.random(len(lo)) * (top - base)
    # sorted probes walk the table once: 6x faster than random ones on 20M probes
    order = np.argsort(target)
    found = np.empty(len(lo), dtype=np.int64)
    found[order] = np.searchsorted(cum, target[order], side="right")
    return np.clip(found, lo, hi - 1)


def _communities(rng, pool: int):
    """Fitness, lab and field of each pool member, numbered so that fields are runs of
    labs and labs are runs of people (PI, the fittest, first)."""
    fitness = rng.lognormal(0.0, FITNESS_SIGMA, pool)
    labs = max(2, pool // MEAN_LAB)
    pis = rng.choice(pool, size=labs, replace=False, p=fitness / fitness.sum())
    fitness[pis] *= PI_BOOST
    lab = np.empty(pool, dtype=np.int64)
    lab[pis] = np.arange(labs)
    others = np.ones(pool, dtype=bool)
    others[pis] = False
    pull = np.cumsum(fitness[pis] ** LAB_SIZE_EXP)
    lab[others] = np.searchsorted(pull, rng.random(others.sum()) * pull[-1], side="right")
    fields = max(2, round(labs / LABS_PER_FIELD))
    field_pull = np.cumsum(rng.lognormal(0.0, FIELD_SIGMA, fields))
    field_of_lab = np.searchsorted(field_pull, rng.random(labs) * field_pull[-1], side="right")
    field = field_of_lab[lab]
    order = np.lexsort((-fitness, lab, field))
    fitness, lab, field = fitness[order], lab[order], field[order]
    lab = np.concatenate([[0], np.cumsum(lab[1:] != lab[:-1])])  # runs numbered in order
    return fitness, lab, field


def _runs(keys: np.ndarray, count: int) -> tuple[np.ndarray, np.ndarray]:
    """Start and end (exclusive) of each key's run in a sorted array."""
    starts = np.searchsorted(keys, np.arange(count), side="left")
    ends = np.searchsorted(keys, np.arange(count), side="right")
    return starts, ends


class Community:
    """Ranges and cumulative weights: people by fitness, labs by total fitness."""

    def __init__(self, rng, pool: int):
        self.fitness, self.lab, self.field = _communities(rng, pool)
        self.cum = np.cumsum(self.fitness)
        self.labs = int(self.lab[-1]) + 1
        self.lab_start, self.lab_end = _runs(self.lab, self.labs)
        self.lab_field = self.field[self.lab_start]
        self.fields = int(self.field.max()) + 1
        lab_weight = np.add.reduceat(self.fitness, self.lab_start) ** PARTNER_EXP
        self.lab_cum = np.cumsum(lab_weight)
        self.field_lab_start, self.field_lab_end = _runs(self.lab_field, self.fields)
        # each lab's standing partners in its own field, first ones most frequent
        owner = np.repeat(np.arange(self.labs), PARTNERS)
        lo = self.field_lab_start[self.lab_field[owner]]
        hi = self.field_lab_end[self.lab_field[owner]]
        self.partners = _pick(rng, self.lab_cum, lo, hi).reshape(self.labs, PARTNERS)
        rank = 1 / np.arange(1, PARTNERS + 1) ** PARTNER_SKEW
        self.partner_cum = np.cumsum(rank) / rank.sum()

    def people_of(self, rng, labs: np.ndarray) -> np.ndarray:
        return _pick(rng, self.cum, self.lab_start[labs], self.lab_end[labs])

    def partner_labs(self, rng, labs: np.ndarray, outside: np.ndarray) -> np.ndarray:
        """A standing partner of each lab, or (where ``outside``) a lab of a nearby or
        any other field, by lab weight."""
        which = np.searchsorted(self.partner_cum, rng.random(len(labs)), side="right")
        found = self.partners[labs, np.minimum(which, PARTNERS - 1)]
        out = np.flatnonzero(outside)
        if len(out):
            own = self.lab_field[labs[out]]
            step = 1 + rng.geometric(1 / NEAR_SPREAD, len(out))
            near = (own + np.where(rng.random(len(out)) < 0.5, -step, step)) % self.fields
            anywhere = rng.integers(0, self.fields, len(out))
            other = np.where(rng.random(len(out)) < P_NEAR, near, anywhere)
            lo, hi = self.field_lab_start[other], self.field_lab_end[other]
            empty = hi <= lo
            lo[empty], hi[empty] = 0, self.labs
            found[out] = _pick(rng, self.lab_cum, lo, hi)
        return found


def generate_corpus(rng: np.random.Generator, publications: int, mean_authors: float) -> Corpus:
    pool = round(publications * PEOPLE_PER_PAPER * POOL_PER_PERSON)
    com = Community(rng, pool)
    sizes = rng.choice(
        np.arange(1, MAX_AUTHORS + 1), size=publications, p=_size_distribution(mean_authors)
    )
    lead = _pick(rng, com.cum, np.zeros(publications, np.int64), np.full(publications, pool))
    lead_lab = com.lab[lead]
    # the kind of paper: within the lab, with a partner lab of the field, or from outside
    kind = np.searchsorted(np.cumsum([P_LAB, P_FIELD]), rng.random(publications), "right")
    partner = np.where(kind > 0, com.partner_labs(rng, lead_lab, kind == 2), lead_lab)
    # co-author slots: the first of a joint paper comes from the partner lab
    paper = np.repeat(np.arange(publications), sizes - 1)
    first = np.ones(len(paper), dtype=bool)
    first[1:] = paper[1:] != paper[:-1]
    from_partner = first | (rng.random(len(paper)) < PARTNER_SHARE)
    source = np.where(from_partner, partner[paper], lead_lab[paper])
    slot_lead = lead[paper]
    coauthor = com.people_of(rng, source)
    # newcomers: a student or visitor on this one paper, a member of the source lab
    newcomer = np.flatnonzero(rng.random(len(paper)) < P_NEWCOMER)
    coauthor[newcomer] = pool + np.arange(len(newcomer))
    todo = _duplicates(paper, coauthor, slot_lead)
    for round_ in range(REDRAW_ROUNDS):
        rows = np.flatnonzero(todo)
        if not len(rows):
            break
        if round_ < REDRAW_ROUNDS // 2:  # same lab again, then the lab's field
            coauthor[rows] = com.people_of(rng, source[rows])
        else:
            field = com.lab_field[source[rows]]
            lo = com.lab_start[com.field_lab_start[field]]
            hi = com.lab_end[com.field_lab_end[field] - 1]
            coauthor[rows] = _pick(rng, com.cum, lo, hi)
        todo = _duplicates(paper, coauthor, slot_lead)
    keep = ~todo
    paper, coauthor = paper[keep], coauthor[keep]
    # CSR: each paper's co-authors in drawn order, then its lead
    counts = np.bincount(paper, minlength=publications) + 1
    starts = np.zeros(publications + 1, dtype=np.int64)
    np.cumsum(counts, out=starts[1:])
    authors = np.empty(starts[-1], dtype=np.int64)
    authors[starts[1:] - 1] = lead
    within = np.arange(len(paper)) - np.searchsorted(paper, paper, side="left")
    authors[starts[paper] + within] = coauthor
    # people who wrote something, numbered by first appearance
    lab = np.concatenate([com.lab, source[newcomer]])
    field = com.lab_field[lab]
    fitness = np.concatenate([com.fitness, np.zeros(len(newcomer))])
    pool += len(newcomer)
    first_seen = np.full(pool, len(authors), dtype=np.int64)
    np.minimum.at(first_seen, authors, np.arange(len(authors)))
    written = np.flatnonzero(first_seen < len(authors))
    written = written[np.argsort(first_seen[written], kind="stable")]
    number = np.full(pool, -1, dtype=np.int64)
    number[written] = np.arange(len(written))
    return Corpus(
        starts,
        number[authors].astype(np.int32),
        lab[written].astype(np.int32),
        field[written].astype(np.int32),
        fitness[written].astype(np.float32),
    )


def _duplicates(paper, coauthor, lead) -> np.ndarray:
    """Slots repeating their paper's lead or an earlier slot of the same paper."""
    dup = coauthor == lead
    key = paper * (int(coauthor.max()) + 1) + coauthor
    order = np.argsort(key, kind="stable")
    sorted_key = key[order]
    repeat = np.zeros(len(key), dtype=bool)
    repeat[order[1:]] = sorted_key[1:] == sorted_key[:-1]
    return dup | repeat


# -- names and rows ----------------------------------------------------------------


def syllable_names(count: int, rng: np.random.Generator) -> list[str]:
    two = ("".join(pair) for pair in itertools.product(SYLLABLES, repeat=2))
    three = ("".join(triple) for triple in itertools.product(SYLLABLES, repeat=3))
    names = [name.title() for name in itertools.islice(itertools.chain(two, three), count)]
    if len(names) < count:
        raise ValueError(f"only {len(names)} syllable names; asked for {count}")
    return [names[i] for i in rng.permutation(len(names))]


def full_names(people: int, rng: np.random.Generator) -> tuple[list[str], list[str]]:
    """(givens, families), all full names distinct; Zipf family names."""
    families = syllable_names(max(10, people // PEOPLE_PER_FAMILY_NAME), rng)
    givens = syllable_names(len(SYLLABLES) ** 2 + len(SYLLABLES) ** 3, rng)
    weight = np.cumsum(1 / np.arange(1, len(families) + 1) ** FAMILY_NAME_SKEW)
    chosen = np.searchsorted(weight, rng.random(people) * weight[-1], side="right")
    order = np.argsort(chosen, kind="stable")
    rank = np.empty(people, dtype=np.int64)
    sorted_chosen = chosen[order]
    rank[order] = np.arange(people) - np.searchsorted(sorted_chosen, sorted_chosen, "left")
    if rank.max() >= len(givens):
        raise ValueError("too many people for unique names")
    given_index = (chosen * 7919 + rank) % len(givens)
    return [givens[i] for i in given_index], [families[i] for i in chosen]


def years(publications: int) -> np.ndarray:
    span = np.arange(FIRST_YEAR, LAST_YEAR + 1)
    cumulative = np.cumsum(YEARLY_GROWTH ** (span - FIRST_YEAR))
    scale = cumulative[-1] / publications
    return FIRST_YEAR + np.searchsorted(cumulative, np.arange(publications) * scale, "right")


def _letters(number: int) -> str:
    letters = ""
    while number:
        number, digit = divmod(number, 26)
        letters = chr(ord("a") + digit) + letters
    return letters


def citekeys(stems: list[str]) -> list[str]:
    """'familyYEARword', a letter suffix on the second and later uses of a stem."""
    used: dict[str, int] = {}
    keys = []
    for stem in stems:
        number = used.get(stem, 0)
        used[stem] = number + 1
        keys.append(stem + _letters(number) if number else stem)
    return keys


# -- database ----------------------------------------------------------------------

SECONDARY = ("authorships", "people", "person_names", "publications")


def open_for_bulk_load(path: Path) -> sqlite3.Connection:
    for stale in (path, path.with_name(path.name + "-wal"), path.with_name(path.name + "-shm")):
        stale.unlink(missing_ok=True)
    connect(path).close()
    conn = sqlite3.connect(path, isolation_level=None)
    conn.execute("PRAGMA journal_mode = OFF")
    conn.execute("PRAGMA synchronous = OFF")
    conn.execute("PRAGMA cache_size = -1000000")
    conn.execute("PRAGMA temp_store = MEMORY")
    return conn


def _drop(conn: sqlite3.Connection, kind: str, where: str) -> list[str]:
    rows = conn.execute(
        f"SELECT name, sql FROM sqlite_master WHERE type = '{kind}' AND sql IS NOT NULL AND {where}"
    ).fetchall()
    for name, _ in rows:
        conn.execute(f"DROP {kind.upper()} {name}")
    return [sql for _, sql in rows]


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


def write_database(path: Path, rng: np.random.Generator, corpus: Corpus) -> dict[str, float]:
    timings = {}
    started = time.perf_counter()
    givens, families = full_names(corpus.people, rng)
    names = [f"{g} {f}" for g, f in zip(givens, families, strict=True)]
    keys = [n.lower() for n in names]  # pubdb.names.name_form(...).key for ASCII "G F"
    lasts = [f.lower() for f in families]
    pubs = corpus.papers
    kind_p = np.array([k[2] for k in KINDS], dtype=float)
    kind = rng.choice(len(KINDS), size=pubs, p=kind_p / kind_p.sum())
    year = years(pubs)
    month = rng.integers(1, 13, pubs)
    title_len = rng.integers(4, 11, pubs)
    words = rng.integers(0, len(WORDS), (pubs, 10))
    topic = rng.integers(0, len(VENUE_TOPICS), pubs)
    affiliated = rng.random(pubs) < AFFILIATED
    titles = [
        " ".join([WORDS[w] for w in row[:n]]).capitalize()
        for row, n in zip(words.tolist(), title_len.tolist(), strict=True)
    ]
    first = corpus.authors[corpus.starts[:-1]].tolist()
    stems = [
        f"{lasts[a]}{y}{WORDS[w]}"
        for a, y, w in zip(first, year.tolist(), words[:, 0].tolist(), strict=True)
    ]
    cites = citekeys(stems)
    del stems
    timings["rows_s"] = time.perf_counter() - started

    conn = open_for_bulk_load(path)
    try:
        conn.execute("BEGIN")
        triggers = _drop(conn, "trigger", "1")  # search queue and co-author graph
        indexes = _drop(conn, "index", f"tbl_name IN {SECONDARY!r}")
        conn.executemany(
            "INSERT INTO people (id, name, given, family, name_key, created_at)"
            " VALUES (?, ?, ?, ?, ?, ?)",
            zip(
                range(1, corpus.people + 1), names, givens, families, keys, itertools.repeat(STAMP)
            ),
        )
        conn.executemany(
            "INSERT INTO person_names (person_id, name, name_key, family_len, last_key)"
            " VALUES (?, ?, ?, 1, ?)",
            zip(range(1, corpus.people + 1), names, keys, lasts, strict=True),
        )
        kinds = [KINDS[k] for k in kind.tolist()]
        conn.executemany(
            "INSERT INTO publications (id, citekey, entry_type, kind, status, title, year,"
            " month, venue, source, created_at, updated_at)"
            " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, 'bibtex', ?, ?)",
            (
                (
                    i + 1,
                    cites[i],
                    k[1],
                    k[0],
                    "preprint" if k[0] == "preprint" else "published",
                    titles[i],
                    y,
                    m,
                    f"{k[3]} {VENUE_TOPICS[t]}" if k[3] else None,
                    STAMP,
                    STAMP,
                )
                for i, (k, y, m, t) in enumerate(
                    zip(kinds, year.tolist(), month.tolist(), topic.tolist(), strict=True)
                )
            ),
        )
        del titles, cites, kinds
        timings["publications_s"] = time.perf_counter() - started - timings["rows_s"]
        conn.executemany(
            "INSERT INTO authorships (publication_id, position, person_id, name, given,"
            " family, affiliation, equal_contribution, name_key, affiliation_source)"
            " VALUES (?, ?, ?, ?, ?, ?, ?, 0, ?, ?)",
            _authorship_rows(corpus, affiliated, names, givens, families, keys),
        )
        mark = time.perf_counter()
        for sql in indexes:
            conn.execute(sql)
        timings["indexes_s"] = time.perf_counter() - mark
        mark = time.perf_counter()
        build_search_index(conn)
        timings["fts_s"] = time.perf_counter() - mark
        mark = time.perf_counter()
        graph.insert_edges(conn, edge_rows(corpus.starts, corpus.authors, paper_keys(year, month)))
        graph.rebuild_affiliations(conn)
        timings["graph_s"] = time.perf_counter() - mark
        for sql in triggers:
            conn.execute(sql)
        conn.execute("COMMIT")
        conn.execute("PRAGMA journal_mode = WAL")
    finally:
        conn.close()
    return timings


def paper_keys(year: np.ndarray, month: np.ndarray) -> np.ndarray:
    """pubdb.store.graph.PAPER_KEY of papers 1..n (month known and date unknown for
    every paper here)."""
    when = (year.astype(np.int64) * 100 + month) * graph.DAY
    return when * graph.PAPER + np.arange(1, len(year) + 1)


def edge_rows(starts: np.ndarray, authors: np.ndarray, keys: np.ndarray):
    """(person id, co-author id, joint papers, latest paper key), both ways, in key
    order: what the co-author graph's triggers would have written. ``starts`` and
    ``authors`` are CSR author lists over person numbers 0.. (no one twice on a
    paper), ``keys`` each paper's key."""
    authors = authors.astype(np.int64)
    people = int(authors.max()) + 1
    sizes = np.diff(starts)
    pairs, latest = [], []
    for size in np.unique(sizes[sizes > 1]).tolist():
        rows = np.flatnonzero(sizes == size)
        i, j = np.triu_indices(size, 1)
        step = max(1, 4_000_000 // len(i))
        for lo in range(0, len(rows), step):
            chunk = rows[lo : lo + step]
            members = authors[starts[chunk][:, None] + np.arange(size)]
            a, b = members[:, i].ravel(), members[:, j].ravel()
            pairs.append(np.minimum(a, b) * people + np.maximum(a, b))
            latest.append(np.repeat(keys[chunk], len(i)))
    pair, key = np.concatenate(pairs), np.concatenate(latest)
    del pairs, latest
    order = np.argsort(pair, kind="stable")
    pair, key = pair[order], key[order]
    del order
    first = np.flatnonzero(np.concatenate([[True], pair[1:] != pair[:-1]]))
    papers = np.diff(np.append(first, len(pair)))
    key = np.maximum.reduceat(key, first)
    pair = pair[first]
    low, high = pair // people, pair % people
    both = np.concatenate([low * people + high, high * people + low])
    papers, key = np.concatenate([papers, papers]), np.concatenate([key, key])
    del pair, low, high, first
    order = np.argsort(both, kind="stable")
    both, papers, key = both[order], papers[order], key[order]
    del order
    step = 2_000_000
    for lo in range(0, len(both), step):
        block = both[lo : lo + step]
        yield from zip(
            (block // people + 1).tolist(),
            (block % people + 1).tolist(),
            papers[lo : lo + step].tolist(),
            key[lo : lo + step].tolist(),
            strict=True,
        )


def rebuild_graph(path: Path) -> float:
    """Replace the co-author pairs of a database this module wrote (numpy, not SQL: a
    GROUP BY over 25M authorships takes far longer); returns seconds."""
    started = time.perf_counter()
    conn = sqlite3.connect(path, isolation_level=None)
    try:
        year, month = np.array(
            conn.execute("SELECT year, month FROM publications ORDER BY id").fetchall(),
            dtype=np.int64,
        ).T
        papers, people = [], []
        cursor = conn.execute(
            "SELECT publication_id, person_id FROM authorships ORDER BY publication_id, position"
        )
        while rows := cursor.fetchmany(1_000_000):
            block = np.array(rows, dtype=np.int64)
            papers.append(block[:, 0])
            people.append(block[:, 1] - 1)
        paper = np.concatenate(papers)
        starts = np.searchsorted(paper, np.arange(1, len(year) + 2))
        conn.execute("PRAGMA journal_mode = OFF")
        conn.execute("BEGIN")
        conn.execute("DELETE FROM coauthor_edges")
        graph.insert_edges(conn, edge_rows(starts, np.concatenate(people), paper_keys(year, month)))
        conn.execute("COMMIT")
        conn.execute("PRAGMA journal_mode = WAL")
    finally:
        conn.close()
    return time.perf_counter() - started


def _authorship_rows(corpus, affiliated, names, givens, families, keys):
    starts = corpus.starts
    lab = corpus.lab
    authors = corpus.authors
    step = 1_000_000
    for begin in range(0, corpus.papers, step):
        end = min(begin + step, corpus.papers)
        lo, hi = int(starts[begin]), int(starts[end])
        people = authors[lo:hi]
        paper = np.repeat(np.arange(begin, end), np.diff(starts[begin : end + 1]))
        position = np.arange(lo, hi) - starts[paper]
        institute = np.where(affiliated[paper], lab[people] // 4 + 1, 0)
        for pub, pos, person, inst in zip(
            (paper + 1).tolist(),
            position.tolist(),
            people.tolist(),
            institute.tolist(),
            strict=True,
        ):
            affiliation = f"Institute {inst}" if inst else None
            yield (pub, pos, person + 1, names[person], givens[person], families[person],
                   affiliation, keys[person], "bibtex" if inst else None)  # fmt: skip


def peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def build(
    publications: int, out: Path, seed: int = SEED, mean_authors: float = MEAN_AUTHORS
) -> dict[str, float]:
    """Write the database; returns counts and the seconds each stage took."""
    rng = np.random.default_rng(seed)
    started = time.perf_counter()
    corpus = generate_corpus(rng, publications, mean_authors)
    generated = time.perf_counter()
    stages = write_database(out, rng, corpus)
    written = time.perf_counter()
    # each person's lab and field (person id - 1), for benchmarks that pick pairs
    np.savez(out.with_name(out.name + ".communities.npz"), lab=corpus.lab, field=corpus.field)
    return {
        "publications": publications,
        "authorships": int(corpus.starts[-1]),
        "people": corpus.people,
        "generate_s": generated - started,
        "write_s": written - generated,
        "total_s": written - started,
        "peak_rss_mb": peak_rss_mb(),
        **stages,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--publications", type=int, default=1_000_000)
    parser.add_argument("--out", type=Path, default=Path("bench/out/people-1m.db"))
    parser.add_argument("--seed", type=int, default=SEED)
    parser.add_argument("--authors-per-paper", type=float, default=MEAN_AUTHORS)
    parser.add_argument("--graph-only", action="store_true", help="generate, do not write")
    parser.add_argument(
        "--rebuild-graph", action="store_true", help="recount the co-author pairs of --out"
    )
    args = parser.parse_args()
    if args.rebuild_graph:
        print(f"{args.out}: co-author pairs recounted in {rebuild_graph(args.out):.0f} s")
        return
    if args.graph_only:
        started = time.perf_counter()
        corpus = generate_corpus(np.random.default_rng(args.seed), args.publications,
                                 args.authors_per_paper)  # fmt: skip
        print(
            f"{args.publications:,} papers, {int(corpus.starts[-1]):,} authorships,"
            f" {corpus.people:,} people in {time.perf_counter() - started:.1f} s;"
            f" peak RSS {peak_rss_mb():,.0f} MB"
        )
        return
    stats = build(args.publications, args.out, args.seed, args.authors_per_paper)
    print(
        f"{args.out}: {stats['publications']:,} publications, {stats['authorships']:,}"
        f" authorships, {stats['people']:,} people; built in {stats['total_s']:.1f} s"
        f" (generate {stats['generate_s']:.1f} s, write {stats['write_s']:.1f} s:"
        f" rows {stats['rows_s']:.1f}, publications {stats['publications_s']:.1f},"
        f" indexes {stats['indexes_s']:.1f}, fts {stats['fts_s']:.1f},"
        f" co-author graph {stats['graph_s']:.1f});"
        f" peak RSS {stats['peak_rss_mb']:,.0f} MB"
    )


if __name__ == "__main__":
    main()
