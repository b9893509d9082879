"""`pubdb search`: what a researcher types finds what they mean, on the seeds' library.
The tokenizer and the query parser are pure functions, tested on real cases; hostile
queries never reach SQLite as FTS syntax."""

from __future__ import annotations

import json
import shutil
import sqlite3
from pathlib import Path

import pytest
import sqlite_utils

from pubdb.errors import UsageError
from pubdb.library import Library
from pubdb.store import migrations
from pubdb.store.search_query import (
    KeyPrefix,
    SearchQuery,
    Term,
    YearRange,
    join_arguments,
    parse_query,
)
from pubdb.store.search_text import Word, index_text, words

ROOT = Path(__file__).resolve().parents[1]
SEEDS = ROOT / "bib" / "seeds.bib"
SEED_KEYS = 23


@pytest.fixture(scope="module")
def seeds_db(tmp_path_factory) -> Path:
    """bib/seeds.bib imported once; the tests only read it."""
    path = tmp_path_factory.mktemp("seeds") / "pubdb.db"
    with Library(path) as library:
        library.import_bibtex([SEEDS])
        assert library.count() == SEED_KEYS
    return path


@pytest.fixture
def seeds(seeds_db, tmp_path, monkeypatch) -> Path:
    """A copy of the seeds' library as this test's database (for tests that write)."""
    path = tmp_path / "db" / "pubdb.db"
    path.parent.mkdir(exist_ok=True)
    shutil.copy(seeds_db, path)
    monkeypatch.setenv("PUBDB_DB", str(path))
    return path


def found(run, seeds_db, *query: str) -> list[str]:
    result = run("search", "--db", str(seeds_db), "--json", *query)
    assert result.exit_code == 0, result.stderr
    return [record["citekey"] for record in json.loads(result.stdout)]


def write_bib(name: str, text: str) -> str:
    Path(name).write_text(text, encoding="utf-8")
    return name


# -- the tokenizer ----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "indexed"),
    [
        pytest.param(
            r"Depth Dependence of $\mu P$ Learning Rates in {ReLU} {MLPs}",
            "depth dependence of μp learning rates in relu mlps mup",
            id="tex-math-decoded-and-greek-also-in-latin",
        ),
        pytest.param("Depth Dependence of μP", "depth dependence of μp mup", id="unicode-mu"),
        pytest.param("Depth Dependence of µP", "depth dependence of μp mup", id="micro-sign"),
        pytest.param("Fast C++ and C# code", "fast c++ and c# code", id="c-plus-plus"),
        pytest.param(r"R\&D at AT\&T", "r&d at at&t", id="ampersand-words"),
        pytest.param(
            "Zero-shot Model-based RL",
            "zero shot model based rl zeroshot modelbased",
            id="hyphenated-parts-then-joined",
        ),
        pytest.param("d'Ascoli, S. ; Boull{\\'e}, N.", "d ascoli s boulle n dascoli", id="names"),
        pytest.param("Ødegård, Núñez, Łukasz, Straße", "odegard nunez lukasz strasse", id="folded"),
        pytest.param("GPT-3.5 {\\em vs.} GPT-4", "gpt 3 5 vs gpt 4 gpt35 gpt4", id="versions"),
        pytest.param(
            "α-stable Lévy flights",
            "α stable levy flights αstable alpha alphastable",
            id="greek-word",
        ),
        pytest.param("snake_case and *stars* (parens)", "snake case and stars parens", id="punct"),
        pytest.param("学習 と 推論", "学習 と 推論", id="cjk-kept"),
        pytest.param("", "", id="empty"),
    ],
)
def test_index_text(text, indexed):
    assert index_text(text) == indexed


def test_words_keep_parts_and_other_forms():
    assert words("zero-shot μP C++") == [
        Word(("zero", "shot"), ("zeroshot",)),
        Word(("μp",), ("mup",)),
        Word(("c++",)),
    ]


# -- the query parser ------------------------------------------------------------------


def term(text: str, column: str | None = None, **options) -> Term:
    return Term(tuple(words(text)), column, text=options.pop("typed", text), **options)


@pytest.mark.parametrize(
    ("query", "parsed"),
    [
        pytest.param(
            "discrete diffusion",
            SearchQuery([term("discrete"), term("diffusion")]),
            id="words",
        ),
        pytest.param(
            '"discrete diffusion"',
            SearchQuery([term("discrete diffusion", phrase=True)]),
            id="phrase",
        ),
        pytest.param(
            "Jelassi 2024", SearchQuery([term("Jelassi")], [YearRange(2024, 2024)]), id="bare-year"
        ),
        pytest.param("2023..2025", SearchQuery(years=[YearRange(2023, 2025)]), id="bare-range"),
        pytest.param("2023-2025", SearchQuery(years=[YearRange(2023, 2025)]), id="dash-range"),
        pytest.param(
            "year:2025..2023", SearchQuery(years=[YearRange(2023, 2025)]), id="reversed-range"
        ),
        pytest.param("year:2023..", SearchQuery(years=[YearRange(2023, None)]), id="from"),
        pytest.param("year:..2019", SearchQuery(years=[YearRange(None, 2019)]), id="until"),
        pytest.param("year:1066", SearchQuery(years=[YearRange(1066, 1066)]), id="any-year"),
        pytest.param(
            "-2024", SearchQuery(years=[YearRange(2024, 2024, negated=True)]), id="not-a-year"
        ),
        pytest.param(
            "1234 words", SearchQuery([term("1234"), term("words")]), id="not-a-plausible-year"
        ),
        pytest.param(
            'title:"2024"',
            SearchQuery([term("2024", "title", phrase=True)]),
            id="quoted-number-is-a-word",
        ),
        pytest.param("author:zekri", SearchQuery([term("zekri", "authors")]), id="author"),
        pytest.param("Author: Zekri", SearchQuery([term("Zekri", "authors")]), id="author-space"),
        pytest.param(
            'author:"Samy Jelassi"',
            SearchQuery([term("Samy Jelassi", "authors", phrase=True)]),
            id="author-full-name",
        ),
        pytest.param("venue:icml", SearchQuery([term("icml", "venue")]), id="venue"),
        pytest.param("journal:jmlr", SearchQuery([term("jmlr", "venue")]), id="journal-is-venue"),
        pytest.param("key:jelassi2024", SearchQuery(keys=[KeyPrefix("jelassi2024")]), id="key"),
        pytest.param(
            "-author:jelassi",
            SearchQuery([term("jelassi", "authors", negated=True)]),
            id="negated-field",
        ),
        pytest.param(
            "Q-Probe: light",
            SearchQuery([term("Q-Probe:"), term("light")]),
            id="unknown-field-is-a-word",
        ),
        pytest.param(r"$\mu$P", SearchQuery([term("μP")]), id="tex-decoded"),
        pytest.param(
            "“smart quotes”", SearchQuery([term("smart quotes", phrase=True)]), id="smart-quotes"
        ),
        pytest.param(
            'NEAR(a b) OR "x',
            SearchQuery([term("NEAR(a"), term("b)"), term("OR"), term("x", phrase=True)]),
            id="fts-syntax-is-words",
        ),
        pytest.param("* ^ ( ) {} - --", SearchQuery(), id="nothing-searchable"),
        pytest.param(
            "title: author: Zekri", SearchQuery([term("Zekri", "authors")]), id="empty-field"
        ),
    ],
)
def test_parse_query(query, parsed):
    assert parse_query(query) == parsed


@pytest.mark.parametrize(
    "query",
    ["year:abc", "year:", "year:..", "year:2020..2021..2022", "year:20x4", "-year:soon"],
)
def test_malformed_year_is_a_usage_error(query):
    with pytest.raises(UsageError, match="year:"):
        parse_query(query)


@pytest.mark.parametrize(
    ("arguments", "query"),
    [
        pytest.param(["discrete", "diffusion"], "discrete diffusion", id="words"),
        pytest.param(
            ["author:Samy Jelassi", "2024"], 'author:"Samy Jelassi" 2024', id="shell-quoted-field"
        ),
        pytest.param(["Jelassi 2024"], "Jelassi 2024", id="shell-quoted-words"),
        pytest.param(['author:"S. Jelassi"'], 'author:"S. Jelassi"', id="already-quoted"),
        pytest.param(["Q-Probe: A Light"], "Q-Probe: A Light", id="unknown-field"),
    ],
)
def test_join_arguments(arguments, query):
    assert join_arguments(arguments) == query


def test_fts_expressions_quote_every_word():
    query = parse_query('zero-shot author:"Samy Jelassi" -C++ title:NEAR')
    assert query.match() == (
        '{title authors venue abstract} : (("zero shot"* OR "zeroshot"*)) AND title : ("near"*)'
    )
    assert query.excluded() == '{title authors venue abstract} : ("c++"*)'
    assert query.title_probes() == ['title : (("zero shot"* OR "zeroshot"*))', 'title : ("near"*)']


# -- searching the seeds ------------------------------------------------------------


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        pytest.param(["μP"], ["jelassi2023depth"], id="mu-p"),
        pytest.param(["muP"], ["jelassi2023depth"], id="mu-p-in-latin"),
        pytest.param([r"$\mu P$"], ["jelassi2023depth"], id="mu-p-in-tex"),
        pytest.param(["C++"], [], id="c-plus-plus-is-not-c"),
        pytest.param(["memorization"], ["jelassi2024mixture"], id="plain-word"),
        pytest.param(["discrete", "diffusion"], ["zekri2025finetuning"], id="two-words"),
        pytest.param(['"diffusion models"'], ["zekri2025finetuning"], id="phrase"),
        pytest.param(['"models diffusion"'], [], id="phrase-in-order"),
        pytest.param(["zero-shot"], ["benechehab2025zeroshot"], id="hyphenated"),
        pytest.param(["zeroshot"], ["benechehab2025zeroshot"], id="joined"),
        pytest.param(["zero", "shot"], ["benechehab2025zeroshot"], id="apart"),
        pytest.param(["boulle"], ["zekri2025finetuning", "zekri2024markov"], id="accent"),
        pytest.param(["dascoli"], ["jelassi2023length"], id="apostrophe-joined"),
        pytest.param(
            ["Jelassi", "2024"],
            [
                "li2024qprobe",
                "jelassi2024repeat",
                "hou2024universal",
                "pari2024collective",
                "jelassi2024mixture",
            ],
            id="name-and-year",
        ),
        pytest.param(
            ["author:zekri", "year:2024..2025"],
            [
                "benechehab2025zeroshot",
                "zekri2025finetuning",
                "zekri2024convergence",
                "zekri2024markov",
            ],
            id="author-and-range",
        ),
        pytest.param(
            ["author:Samy Jelassi", "2024..", "copying"],
            ["jelassi2024repeat"],
            id="full-name-finds-initials",
        ),
        pytest.param(
            ["title:transformers", "-author:sander"],
            ["jelassi2023length", "jelassi2024repeat"],
            id="exclude-author",
        ),
        pytest.param(["venue:coling"], ["prabhakar2025lora"], id="venue"),
        pytest.param(["key:rahme"], ["rahme2021permutation", "rahme2021auction"], id="key"),
        pytest.param(
            ["key:zekri", "-2025"],
            ["zekri2024convergence", "zekri2024markov"],
            id="key-without-a-year",
        ),
        pytest.param(["year:..2018"], ["pumir2018smoothed"], id="until"),
    ],
)
def test_search_the_seeds(run, seeds_db, query, expected):
    assert sorted(found(run, seeds_db, *query)) == sorted(expected)


def test_title_matches_rank_first(run, seeds_db):
    """'learning' is in four titles and in the venue of more other records."""
    results = found(run, seeds_db, "learning")
    with Library(seeds_db) as library:
        in_title = ["learning" in library.get(key).title.lower() for key in results]
    assert in_title == sorted(in_title, reverse=True)
    assert in_title.count(True) == 4 and in_title.count(False) >= 5


def test_more_title_words_rank_higher(run, seeds_db):
    results = found(run, seeds_db, "transformers", "copying")
    assert results[0] == "jelassi2024repeat"  # both words in its title


def test_limit_and_table(run, seeds_db):
    assert len(found(run, seeds_db, "jelassi", "--limit", "3")) == 3
    result = run("search", "--db", str(seeds_db), "μP")
    assert result.exit_code == 0
    assert result.stdout.startswith("jelassi2023depth")
    assert "Depth Dependence of μP Learning Rates" in result.stdout  # decoded, as exported


def test_exclusion_at_the_start_of_the_command_line(run, seeds_db):
    """'-jelassi' is a query word, not click's options -j -e -l ..."""
    result = run("search", "-jelassi", "--db", str(seeds_db), "--json", "--limit=50")
    assert result.exit_code == 0, result.stderr
    keys = [r["citekey"] for r in json.loads(result.stdout)]
    assert len(keys) == 4 and "zekri2025finetuning" in keys
    assert run("search", "--db", str(seeds_db), "-author:jelassi").exit_code == 0


def test_no_match_says_so_on_stderr(run, seeds_db):
    result = run("search", "--db", str(seeds_db), "quantum", "gravity")
    assert result.exit_code == 0
    assert result.stdout == ""
    assert result.stderr == "pubdb: nothing matches 'quantum gravity'\n"


def test_search_on_an_empty_library_hints_how_to_fill_it(run, db_path):
    Library(db_path).close()
    result = run("search", "anything")
    assert result.exit_code == 0
    assert "library is empty" in result.stderr and "pubdb import" in result.stderr


def test_library_api(seeds_db):
    with Library(seeds_db) as library:
        assert [p.citekey for p in library.search("μP")] == ["jelassi2023depth"]
        assert len(library.search("jelassi", limit=2)) == 2
        with pytest.raises(UsageError, match="nothing to search for"):
            library.search("  ")


def test_symbols_and_ampersands_are_words(run, seeds):
    write_bib(
        "more.bib",
        "@article{stroustrup1986cpp, author={Stroustrup, Bjarne}, year={1986},"
        " title={The {C++} Programming Language}, journal={Addison-Wesley}}\n"
        "@article{doe2020rd, author={Doe, Jane}, year={2020},"
        " title={Managing R\\&D with C}, journal={Research Policy}}\n",
    )
    assert run("import", "more.bib").exit_code == 0
    assert found(run, seeds, "C++") == ["stroustrup1986cpp"]
    assert found(run, seeds, "R&D") == ["doe2020rd"]
    assert found(run, seeds, "language", "c++") == ["stroustrup1986cpp"]


def test_index_follows_a_year_edit(run, seeds):
    assert found(run, seeds, "memorization", "2024") == ["jelassi2024mixture"]
    assert run("edit", "jelassi2024mixture", "--set", "year=2025").exit_code == 0
    assert found(run, seeds, "memorization", "2024") == []
    assert found(run, seeds, "memorization", "2025") == ["jelassi2024mixture"]
    assert all(finding.ok for finding in Library(seeds).check()[0])


# -- hostile queries ----------------------------------------------------------------


HOSTILE = [
    '"', '""', "'", "''", "*", "**", "^", "^flows", "(", ")", "()", "{riemannian}", "\\",
    "-", "-- x", "%", "_", "ø*", "NEAR(", "NEAR(a b, 2)", "a NEAR b", "a OR b", "a AND NOT b",
    "NOT", "title:", "title:*", 'author:"', 'author:"""', "title : x", "{title}: x",
    "- {title} : x", "x:y", "key:", "key:%", "key:_", "key:'", "year:2024)",
    "'; DROP TABLE publications; --", "publications_fts MATCH 'x'", "$", "$$", "$\\frac{",
    "\\begin{x}", "\x1b[2J", "\u202e", "x" * 5000, " ".join(["jelassi"] * 300),
    "a" + '"' * 51, "year:9999999999999", "-" * 100,
]  # fmt: skip


@pytest.mark.parametrize("query", HOSTILE, ids=lambda q: repr(q[:30]))
def test_hostile_queries_never_show_sql_or_fts_errors(run, seeds_db, query):
    before = seeds_db.read_bytes()
    result = run("search", "--db", str(seeds_db), query)
    assert result.exit_code in (0, 2), result.stderr
    assert result.stderr.count("\n") <= 1
    assert result.stderr == "" or result.stderr.startswith("pubdb: ")
    for word in ("fts5", "syntax", "sqlite", "Traceback", "malformed MATCH"):
        assert word not in result.stderr
    if result.exit_code == 2:
        assert result.stdout == ""
    assert seeds_db.read_bytes() == before


# -- the index: migration and check ---------------------------------------------------


def test_a_version_5_database_is_reindexed_by_the_migration(tmp_path):
    """A database of the previous schema (FTS over lower-cased folded text) opens; its
    records are indexed by the new tokenizer and `check` finds the index current."""
    path = tmp_path / "old.db"
    conn = sqlite3.connect(path, isolation_level=None)
    migrations.migrations.apply(sqlite_utils.Database(conn), stop_before="m006_search_tokens")
    conn.execute("PRAGMA user_version = 5")
    conn.execute(
        "INSERT INTO publications (citekey, title, year, source, created_at, updated_at)"
        " VALUES ('jelassi2023depth', 'Depth of $\\mu P$ in C++', 2023, 'bibtex', 't', 't')"
    )
    conn.execute(
        "INSERT INTO publications_fts (rowid, title, authors, venue, abstract)"
        " VALUES (1, 'depth of mu p in c', '', '', '')"
    )
    conn.execute("DELETE FROM search_dirty")
    conn.close()
    with Library(path) as library:
        assert [p.citekey for p in library.search("μP c++ 2023")] == ["jelassi2023depth"]
        findings, _ = library.check()
        assert all(finding.ok for finding in findings), [str(f) for f in findings]
    with sqlite3.connect(path) as conn:
        assert conn.execute("SELECT year FROM publications_fts").fetchone() == ("2023",)


def test_check_finds_and_repair_fixes_a_stale_index(seeds):
    with sqlite3.connect(seeds) as conn:
        conn.execute("UPDATE publications_fts SET title = 'mu p' WHERE rowid = 1")
    with Library(seeds) as library:
        findings, _ = library.check()
        [index] = [f for f in findings if f.check == "search index"]
        assert not index.ok and index.ids == [1]
        _, repaired = library.check(repair=True)
        assert any("search index rebuilt" in line for line in repaired)
        assert all(f.ok for f in library.check()[0])


@pytest.mark.parametrize(
    "query",
    ["author:" + "x" * 5000, "*" * 5000, "year:" + "9" * 5000],
    ids=["author", "stars", "year"],
)
def test_messages_about_a_huge_query_are_short(run, seeds_db, query):
    result = run("search", "--db", str(seeds_db), query)
    assert result.exit_code in (0, 2)
    assert result.stderr.startswith("pubdb: ") and len(result.stderr) < 300


def trigger_sql(path) -> list:
    with sqlite3.connect(path) as conn:
        return conn.execute(
            "SELECT name, sql FROM sqlite_master WHERE type = 'trigger' ORDER BY name"
        ).fetchall()


def test_an_import_indexes_every_record_and_keeps_the_insert_trigger(tmp_path, seeds):
    before = trigger_sql(seeds)
    bib = tmp_path / "more.bib"
    bib.write_text(
        '@article{fresh1, author = {Zo{\\"e} Quill and Ann Other}, title = {Quokka counts},'
        " journal = {Journal of Marsupials}, year = 2021}\n"
        "@inproceedings{fresh2, author = {Ann Other}, title = {Wombat burrows},"
        " booktitle = {Proc. Burrowing}, year = 2019, abstract = {Deep tunnels.}}\n",
        encoding="utf-8",
    )
    with Library(seeds) as library:
        assert library.import_bibtex([bib]).summary == "2 added"
        assert [p.citekey for p in library.search("zoe quokka")] == ["fresh1"]
        assert [p.citekey for p in library.search("tunnels")] == ["fresh2"]
        assert all(f.ok for f in library.check()[0])
    assert trigger_sql(seeds) == before
    with sqlite3.connect(seeds) as conn:
        assert conn.execute("SELECT count(*) FROM search_dirty").fetchone()[0] == 0
        conn.execute(
            "INSERT INTO publications (citekey, source, created_at, updated_at, title)"
            " VALUES ('raw', 'manual', 'now', 'now', 'Raw insert')"
        )
        queued = conn.execute("SELECT publication_id FROM search_dirty").fetchall()
    assert len(queued) == 1  # the trigger queues inserts made outside an import again


@pytest.mark.parametrize("how", ["dry-run", "strict", "error"])
def test_an_import_that_saves_nothing_leaves_the_insert_trigger(tmp_path, seeds, how, monkeypatch):
    from pubdb.papers import importing

    before = trigger_sql(seeds)
    bib = tmp_path / "more.bib"
    bib.write_text(
        "@article{fresh1, author = {Ann Other}, title = {Quokka counts}, year = 2021}\n"
        "@article{broken, title = {Unclosed\n",
        encoding="utf-8",
    )
    if how == "error":

        def fail(self):
            raise RuntimeError("stopped midway")

        monkeypatch.setattr(importing.BibtexImporter, "finish", fail)
    with Library(seeds) as library:
        if how == "error":
            with pytest.raises(RuntimeError):
                library.import_bibtex([bib])
        else:
            option = {"dry_run": True} if how == "dry-run" else {"strict": True}
            library.import_bibtex([bib], **option)
        assert library.count() == SEED_KEYS
    assert trigger_sql(seeds) == before


def test_the_insert_trigger_is_back_when_a_caller_catches_an_error_and_commits(seeds):
    """An error inside the block that the caller handles, its transaction then saved."""
    from pubdb.store.connection import write_transaction
    from pubdb.store.search import inserts_indexed_by_caller

    before = trigger_sql(seeds)
    with (
        Library(seeds) as library,
        write_transaction(library.conn),
        pytest.raises(ValueError),  # caught inside the transaction, which commits
        inserts_indexed_by_caller(library.conn),
    ):
        raise ValueError("handled by the caller")
    assert trigger_sql(seeds) == before
