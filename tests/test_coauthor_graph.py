"""The co-authorship graph's side tables (migration m009): ``coauthor_edges`` and
``latest_affiliations`` stay equal to a recomputation from the authorships after every
kind of write, an older database migrates into them, `pubdb check` verifies them and
`--repair` rebuilds them; and the queries that read them (coauthors' affiliations,
overlap, path) answer what straightforward queries over the authorships answer, on
small random graphs."""

from __future__ import annotations

import calendar
import itertools
import json
import sqlite3
from collections import deque

import pytest
import sqlite_utils
from hypothesis import given, settings
from hypothesis import strategies as st

from pubdb.library import Library
from pubdb.models import Author, Publication
from pubdb.people import coauthors as network
from pubdb.store import graph, migrations, profiles
from pubdb.store import people as people_store
from pubdb.store import publications as store
from pubdb.store.connection import connect, write_transaction
from pubdb.store.schema import SCHEMA_VERSION

# -- helpers -------------------------------------------------------------------------


def article(key: str, year: int, authors: list[str], affiliation: str | None = None) -> str:
    """An entry whose authors were all at ``affiliation`` (one place per author)."""
    places = " and ".join([affiliation] * len(authors)) if affiliation else ""
    extra = f"  affiliation = {{{places}}},\n" if affiliation else ""
    return (
        f"@article{{{key},\n  author = {{{' and '.join(authors)}}},\n"
        f"  title = {{On {key}}},\n  journal = {{Journal}},\n  year = {{{year}}},\n{extra}}}\n"
    )


def assert_consistent(path) -> None:
    conn = sqlite3.connect(path)
    try:
        drifts = graph.drift(conn)
    finally:
        conn.close()
    assert [d for d in drifts if not d.ok] == []


def ok(result) -> str:
    assert result.exit_code == 0, result.output
    return result.stdout


def edges(path) -> dict[tuple[int, int], int]:
    with sqlite3.connect(path) as conn:
        rows = conn.execute("SELECT person_id, coauthor_id, papers FROM coauthor_edges")
        return {(a, b): n for a, b, n in rows}


LAB_BIB = (
    article("ab2020", 2020, ["Ann Abel", "Bob Bloom", "Cy Crane"], "Lab A")
    + article("ab2021", 2021, ["Ann Abel", "Bob Bloom"])
    + article("cd2022", 2022, ["Cy Crane", "Dee Dunn", "Eve Elm"], "Lab C")
    + article("de2023", 2023, ["Dee Dunn", "Eve Elm", "Fay Fern"])
    + article("fg2024", 2024, ["Fay Fern", "Gus Gale"], "Lab F")
)


@pytest.fixture
def lab(run, tmp_path, db_path):
    (tmp_path / "lab.bib").write_text(LAB_BIB, encoding="utf-8")
    ok(run("import", str(tmp_path / "lab.bib")))
    assert_consistent(db_path)
    return tmp_path / "lab.bib"


# -- every write keeps the side tables current ----------------------------------------

WRITES = [
    pytest.param([["import", "{more}"]], id="import"),
    pytest.param([["import", "{lab}"]], id="reimport"),
    pytest.param([["rm", "ab2021"]], id="rm"),
    pytest.param([["rm", "cd2022", "de2023"]], id="rm-two"),
    pytest.param([["merge", "ab2020", "ab2021"]], id="merge-papers"),
    pytest.param([["edit", "cd2022", "--set", "authors=Cy Crane and Gus Gale"]], id="edit-authors"),
    pytest.param(
        [["edit", "cd2022", "--set", "authors=Cy Crane and Cy Crane and Eve Elm"]],
        id="edit-author-twice",
    ),
    pytest.param([["edit", "cd2022", "--set", "year=2025"]], id="edit-year"),
    pytest.param([["author", "merge", "Ann Abel", "Bob Bloom"]], id="author-merge"),
    pytest.param([["author", "merge", "Cy Crane", "Fay Fern"]], id="author-merge-distant"),
    pytest.param([["author", "alias", "Ann Abel", "A. Abel"]], id="author-alias"),
    pytest.param(
        [["import", "{more}"], ["author", "split", "Ann Abel", "--paper", "ab2021"]],
        id="author-split-paper",
    ),
    pytest.param(
        [["import", "{more}"], ["author", "split", "Ann Abel", "--name", "A. Abel"]],
        id="author-split-name",
    ),
    pytest.param(
        [["author", "set", "Gus Gale", "--affiliation", "Lab G", "--since", "2020"]],
        id="author-set-affiliation-since",
    ),
    pytest.param(
        [
            ["author", "set", "Gus Gale", "--affiliation", "Lab G"],
            ["author", "set", "Gus Gale", "--unset", "affiliation"],
        ],
        id="author-unset-affiliation",
    ),
    pytest.param(
        [
            ["author", "set", "Cy Crane", "--affiliation", "Lab X", "--since", "2021"],
            ["author", "merge", "Dee Dunn", "Cy Crane"],
        ],
        id="merge-moves-set-affiliation",
    ),
    pytest.param(
        [
            ["author", "set", "Ann Abel", "--affiliation", "Lab X", "--since", "2019"],
            ["author", "set", "Ann Abel", "--affiliation", "Lab Y"],
            ["rm", "ab2020", "ab2021"],
        ],
        id="rm-every-paper-of-a-person-with-set-affiliations",
    ),
]


@pytest.mark.parametrize("commands", WRITES)
def test_writes_keep_the_side_tables_equal_to_a_recomputation(
    run, lab, tmp_path, db_path, commands
):
    more = tmp_path / "more.bib"
    more.write_text(
        article("ab2025", 2025, ["A. Abel", "Hal Hart"], "Lab H")
        + article("ab2026", 2026, ["Ann Abel", "Bob Bloom", "Ivy Ives"]),
        encoding="utf-8",
    )
    for command in commands:
        ok(run(*(part.format(lab=lab, more=more) for part in command)))
        assert_consistent(db_path)
    assert "ok   co-author graph" in ok(run("check"))


def test_edges_count_joint_papers_both_ways(run, lab, db_path):
    with Library(db_path) as library:
        ann, bob, cy = (library.resolve_author(n) for n in ("Ann Abel", "Bob Bloom", "Cy Crane"))
    found = edges(db_path)
    assert found[(ann, bob)] == found[(bob, ann)] == 2
    assert found[(ann, cy)] == found[(cy, ann)] == 1
    ok(run("rm", "ab2020"))
    found = edges(db_path)
    assert found[(ann, bob)] == 1
    assert (ann, cy) not in found and (cy, ann) not in found


def test_latest_affiliation_follows_papers_and_settings(run, lab, db_path):
    def affiliation(name: str) -> str | None:
        with Library(db_path) as library:
            person = library.resolve_author(name)
            return profiles.latest_affiliations(library.conn, [person]).get(person)

    assert affiliation("Cy Crane") == "Lab C"  # 2022 beats 2020's Lab A
    ok(run("edit", "cd2022", "--set", "year=2019"))
    assert affiliation("Cy Crane") == "Lab A"
    ok(run("author", "set", "Cy Crane", "--affiliation", "Lab Z", "--since", "2020"))
    assert affiliation("Cy Crane") == "Lab Z"  # after 2020's papers
    ok(run("author", "set", "Cy Crane", "--unset", "affiliation"))
    assert affiliation("Cy Crane") == "Lab A"
    ok(run("rm", "ab2020"))
    assert affiliation("Cy Crane") == "Lab C"
    assert affiliation("Bob Bloom") is None


# -- check and repair -------------------------------------------------------------------


@pytest.mark.parametrize(
    "damage",
    [
        "DELETE FROM coauthor_edges WHERE rowid IN (SELECT rowid FROM coauthor_edges LIMIT 1)",
        "UPDATE coauthor_edges SET papers = papers + 1",
        "INSERT INTO coauthor_edges VALUES (1, 1, 1, 1000000001)",
        "UPDATE coauthor_edges SET latest_key = latest_key - 1",
        "UPDATE latest_affiliations SET affiliation = 'Nowhere'",
        "DELETE FROM latest_affiliations",
    ],
    ids=[
        "edge-missing",
        "edge-count",
        "edge-extra",
        "edge-latest",
        "affiliation-wrong",
        "affiliation-missing",
    ],
)
def test_check_finds_a_damaged_side_table_and_repair_rebuilds_it(run, lab, db_path, damage):
    with sqlite3.connect(db_path) as conn:
        if "coauthor_edges WHERE rowid" in damage:
            conn.execute("DELETE FROM coauthor_edges WHERE person_id = 1 AND coauthor_id = 2")
        else:
            conn.execute(damage)
    result = run("check")
    assert result.exit_code == 1
    assert "FAIL co-author graph" in result.stdout
    result = run("check", "--repair")
    assert result.exit_code == 0, result.output
    assert "co-author graph rebuilt" in result.stdout
    assert "ok   co-author graph" in result.stdout
    assert_consistent(db_path)


# -- migration --------------------------------------------------------------------------


def test_version_five_database_migrates_into_the_side_tables(tmp_path):
    path = tmp_path / "pubdb.db"
    conn = sqlite3.connect(path, isolation_level=None)
    migrations.migrations.apply(sqlite_utils.Database(conn), stop_before="m009_coauthor_graph")
    conn.execute("PRAGMA user_version = 5")
    for pid, name in ((1, "Ann Abel"), (2, "Bob Bloom"), (3, "Cy Crane")):
        conn.execute(
            "INSERT INTO people (id, name, name_key, created_at) VALUES (?, ?, ?, 't')",
            (pid, name, name.lower()),
        )
    for pub, year in ((1, 2020), (2, 2022)):
        conn.execute(
            "INSERT INTO publications (id, citekey, year, source, created_at, updated_at)"
            " VALUES (?, ?, ?, 'bibtex', 't', 't')",
            (pub, f"p{pub}", year),
        )
    for pub, position, person, affiliation in (
        (1, 0, 1, "Old Lab"),
        (1, 1, 2, None),
        (1, 2, 3, None),
        (2, 0, 1, "New Lab"),
        (2, 1, 2, None),
    ):
        conn.execute(
            "INSERT INTO authorships (publication_id, position, person_id, name, affiliation)"
            " VALUES (?, ?, ?, 'x', ?)",
            (pub, position, person, affiliation),
        )
    conn.execute(
        "INSERT INTO person_affiliations (person_id, affiliation, since, created_at)"
        " VALUES (3, 'Set Lab', 2019, 't')"
    )
    conn.close()
    with Library(path) as library:
        assert library.conn.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION
        assert edges(path) == {(1, 2): 2, (2, 1): 2, (1, 3): 1, (3, 1): 1, (2, 3): 1, (3, 2): 1}
        assert profiles.latest_affiliations(library.conn, [1, 2, 3]) == {
            1: "New Lab",
            3: "Set Lab",
        }
        findings, _ = library.check()
        assert all(f.ok for f in findings if f.check == "co-author graph")


# -- the queries against straightforward ones, on random graphs -----------------------

PEOPLE = 9


def brute_pairs(conn: sqlite3.Connection) -> dict[int, dict[int, set[int]]]:
    """person -> co-author -> joint papers, from the authorships alone."""
    papers: dict[int, set[int]] = {}
    for pub, person in conn.execute("SELECT publication_id, person_id FROM authorships"):
        papers.setdefault(pub, set()).add(person)
    pairs: dict[int, dict[int, set[int]]] = {}
    for pub, authors in papers.items():
        for a in authors:
            for b in authors - {a}:
                pairs.setdefault(a, {}).setdefault(b, set()).add(pub)
    return pairs


def brute_distance(pairs, source: int, target: int) -> int | None:
    seen, queue = {source: 0}, deque([source])
    while queue:
        person = queue.popleft()
        if person == target:
            return seen[person]
        for other in pairs.get(person, {}):
            if other not in seen:
                seen[other] = seen[person] + 1
                queue.append(other)
    return None


def brute_latest_affiliation(conn: sqlite3.Connection, person: int) -> str | None:
    """store/profiles.py's ranking, spelled out in Python."""
    candidates = []
    for affiliation, year, month, pub, position in conn.execute(
        "SELECT a.affiliation, p.year, p.month, a.publication_id, a.position FROM authorships a"
        " JOIN publications p ON p.id = a.publication_id"
        " WHERE a.person_id = ? AND a.affiliation IS NOT NULL",
        (person,),
    ):
        candidates.append(
            (((year or 0) * 100 + (month or 12)) * 10, 0, pub, -position, affiliation)
        )
    for row_id, affiliation, since in conn.execute(
        "SELECT id, affiliation, since FROM person_affiliations WHERE person_id = ?", (person,)
    ):
        rank = 1e9 if since is None else (since * 100 + 12) * 10 + 5
        candidates.append((rank, row_id, 0, 0, affiliation))
    return max(candidates)[-1] if candidates else None


papers_strategy = st.lists(
    st.tuples(
        st.lists(st.integers(1, PEOPLE), min_size=1, max_size=5),  # authors (repeats allowed)
        st.integers(2018, 2024),
        st.one_of(st.none(), st.integers(1, 12)),
        st.lists(st.one_of(st.none(), st.sampled_from(["U1", "U2", "U3"])), max_size=5),
    ),
    min_size=1,
    max_size=12,
)
operations_strategy = st.lists(
    st.one_of(
        st.tuples(st.just("rm"), st.integers(0, 11)),
        st.tuples(st.just("replace"), st.integers(0, 11), st.lists(st.integers(1, PEOPLE))),
        st.tuples(st.just("merge"), st.integers(1, PEOPLE), st.integers(1, PEOPLE)),
        st.tuples(st.just("move"), st.integers(0, 11), st.integers(1, PEOPLE)),
        st.tuples(st.just("year"), st.integers(0, 11), st.integers(2010, 2030)),
        st.tuples(st.just("date"), st.integers(0, 11), st.integers(1, 28)),
        st.tuples(
            st.just("set"),
            st.integers(1, PEOPLE),
            st.one_of(st.none(), st.integers(2015, 2026)),
        ),
        st.tuples(st.just("unset"), st.integers(1, PEOPLE)),
    ),
    max_size=6,
)


def build(conn, papers) -> list[int]:
    with write_transaction(conn):
        for person in range(1, PEOPLE + 1):
            conn.execute(
                "INSERT INTO people (id, name, name_key, created_at) VALUES (?, ?, ?, 't')",
                (person, f"P{person}", f"p{person}"),
            )
        publications = []
        for index, (authors, year, month, affiliations) in enumerate(papers):
            publication = Publication(citekey=f"k{index}", title=f"T{index}", year=year)
            publication.month = month
            publication.date = (
                [f"{year}-{month:02d}-{1 + index % 28:02d}", f"{year + 1}-01-02", None][index % 3]
                if month
                else None
            )
            publication.authors = [
                Author(
                    f"P{p}",
                    person_id=p,
                    affiliation=affiliations[i] if i < len(affiliations) else None,
                )
                for i, p in enumerate(authors)
            ]
            publications.append(publication)
        store.insert_publications(conn, publications)
        store.insert_many_authorships(conn, [(p.id, p.authors) for p in publications])
    return [p.id for p in publications]


def apply(conn, ids: list[int], operation) -> None:
    kind, *args = operation
    if kind in ("rm", "replace", "move", "year", "date") and not (
        args[0] < len(ids)
        and conn.execute("SELECT 1 FROM publications WHERE id = ?", (ids[args[0]],)).fetchone()
    ):
        return  # a paper removed earlier
    with write_transaction(conn):
        if kind == "rm" and args[0] < len(ids):
            store.delete_publication(conn, ids[args[0]])
        elif kind == "replace" and args[0] < len(ids):
            authors = [Author(f"P{p}", person_id=p, affiliation="U9") for p in args[1]]
            store.replace_authorships(conn, ids[args[0]], authors)
        elif kind == "merge" and args[0] != args[1]:
            exists = conn.execute("SELECT 1 FROM people WHERE id = ?", (args[1],)).fetchone()
            if exists and conn.execute("SELECT 1 FROM people WHERE id = ?", (args[0],)).fetchone():
                people_store.merge_people(conn, args[0], args[1])
        elif kind == "move" and args[0] < len(ids):
            exists = conn.execute("SELECT 1 FROM people WHERE id = ?", (args[1],)).fetchone()
            row = conn.execute(
                "SELECT person_id, name_key FROM authorships WHERE publication_id = ?"
                " ORDER BY position LIMIT 1",
                (ids[args[0]],),
            ).fetchone()
            if exists and row:
                people_store.move_authorship(conn, ids[args[0]], row[1], row[0], args[1])
        elif kind == "year" and args[0] < len(ids):
            store.update_publication(conn, ids[args[0]], {"year": args[1]})
        elif kind == "date" and args[0] < len(ids):
            year, month = conn.execute(
                "SELECT year, month FROM publications WHERE id = ?", (ids[args[0]],)
            ).fetchone()
            date = f"{year}-{month or 12:02d}-{args[1]:02d}"
            store.update_publication(conn, ids[args[0]], {"date": date})
        elif kind == "set":
            if conn.execute("SELECT 1 FROM people WHERE id = ?", (args[0],)).fetchone():
                profiles.add_affiliation(conn, args[0], f"Set{args[0]}", args[1])
        elif kind == "unset":
            profiles.remove_affiliations(conn, args[0])


@settings(max_examples=100, deadline=None)
@given(papers=papers_strategy, operations=operations_strategy)
def test_queries_equal_straightforward_ones_on_random_graphs(tmp_path_factory, papers, operations):
    path = tmp_path_factory.mktemp("graph") / "pubdb.db"
    conn = connect(path)
    try:
        ids = build(conn, papers)
        for operation in operations:
            apply(conn, ids, operation)
        assert [d for d in graph.drift(conn) if not d.ok] == []
        pairs = brute_pairs(conn)
        people = [row[0] for row in conn.execute("SELECT id FROM people ORDER BY id")]
        for person in people:
            expected = brute_latest_affiliation(conn, person)
            assert profiles.latest_affiliations(conn, [person]).get(person) == expected
            found = network.coauthors(conn, person)
            assert {c.person_id: c.papers for c in found} == {
                other: len(joint) for other, joint in pairs.get(person, {}).items()
            }
            assert {c.person_id: (c.last_year, c.last_active) for c in found} == {
                other: brute_last_active(conn, joint)
                for other, joint in pairs.get(person, {}).items()
            }
            # the same question through the authorships (a window that holds everything)
            windowed = network.coauthors(conn, person, since_year=1900)
            assert [vars(c) for c in windowed] == [vars(c) for c in found]
            assert {c.person_id: c.affiliation for c in found} == {
                other: brute_latest_affiliation(conn, other) for other in pairs.get(person, {})
            }
        for a in people:
            for b in people:
                if a >= b:
                    continue
                _check_overlap(conn, pairs, a, b)
                _check_path(conn, pairs, a, b)
        _check_uncounted(conn, people)
    finally:
        conn.close()


WINDOWS = [{}, {"since_year": 2020}, {"since_month": (2021, 6)}, {"since_month": (2024, 12)}]


def _check_uncounted(conn, people: list[int]) -> None:
    """The NSF table's co-authors, from the pairs alone, are the counted ones less the
    counts: for one person and for several, over any window."""
    groups = [[p] for p in people[:3]] + [people[:2], people[1:4], people]
    for group in (g for g in groups if g):
        for window in WINDOWS:
            counted = network.coauthors(conn, group, **window)
            uncounted = network.coauthors(conn, group, counts=False, **window)
            expected = {c.person_id: {**vars(c), "papers": None} for c in counted}
            assert {c.person_id: vars(c) for c in uncounted} == expected


def _check_overlap(conn, pairs, a: int, b: int) -> None:
    result = network.overlap(conn, [a, b])
    mine, theirs = pairs.get(a, {}), pairs.get(b, {})
    shared = (set(mine) & set(theirs)) - {a, b}
    assert {s.person_id for s in result.shared} == shared
    for s in result.shared:
        assert s.counts == {a: len(mine[s.person_id]), b: len(theirs[s.person_id])}
        assert {side: {p.id for p in refs} for side, refs in s.papers.items()} == {
            a: mine[s.person_id],
            b: theirs[s.person_id],
        }
    joint = {
        pub
        for (pub,) in conn.execute(
            "SELECT publication_id FROM authorships WHERE person_id = ?"
            " INTERSECT SELECT publication_id FROM authorships WHERE person_id = ?",
            (a, b),
        )
    }
    assert {p.id for p in result.joint} == joint
    assert json.loads(json.dumps(result.as_dict()))["people"] == [a, b]


def _check_path(conn, pairs, a: int, b: int) -> None:
    hops = network.path(conn, a, b)
    distance = brute_distance(pairs, a, b)
    if distance is None:
        assert hops is None
        return
    assert hops is not None and len(hops) == distance
    assert hops[0].source == a and hops[-1].target == b
    for hop, following in itertools.pairwise(hops):
        assert hop.target == following.source
    for hop in hops:
        newest = max(
            pairs[hop.source][hop.target],
            key=lambda pub: (*_date_rank(conn, pub), pub),
        )
        assert hop.paper.id == newest


def _date_rank(conn, pub: int) -> tuple[int, int]:
    """(year * 100 + month, day + 1): a paper's place in time, 0 for what is unknown;
    the day only from a date that agrees with the year and month."""
    year, month, date = conn.execute(
        "SELECT year, month, date FROM publications WHERE id = ?", (pub,)
    ).fetchone()
    if year is None:
        return 0, 0
    prefix = f"{year:04d}-{(month or 12):02d}-"
    day = 0
    if date and date.startswith(prefix) and date[8:10].isdigit() and len(date) >= 10:
        day = int(date[8:10]) + 1
    return year * 100 + (month or 12), day


def brute_last_active(conn, joint: set[int]) -> tuple[int | None, str | None]:
    """(last year, last active date) of a pair: their newest joint paper (the later
    added on a tie): the day of its date, else the end of its month."""
    newest = max(joint, key=lambda pub: (*_date_rank(conn, pub), pub))
    latest, day = _date_rank(conn, newest)
    if not latest:
        return None, None
    year, month = divmod(latest, 100)
    if not day:
        return year, f"{year:04d}-{month:02d}-{calendar.monthrange(year, month)[1]:02d}"
    return year, f"{year:04d}-{month:02d}-{day - 1:02d}"


def test_authors_added_to_a_paper_that_has_some_count_only_new_pairs(tmp_path):
    conn = connect(tmp_path / "pubdb.db")
    try:
        ids = build(conn, [([1, 2, 3], 2020, None, ["U1", None, None])])
        with write_transaction(conn):
            conn.execute("DELETE FROM authorships WHERE position = 0")
            store.insert_many_authorships(
                conn, [(ids[0], [Author("P4", person_id=4, affiliation="U4")])]
            )
        assert [d for d in graph.drift(conn) if not d.ok] == []
        assert profiles.latest_affiliations(conn, [1, 4]) == {4: "U4"}
    finally:
        conn.close()
