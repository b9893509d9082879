"""Schema history: each step is applied once, in order, and never edited after release.

A database made by any release opens in every later one. ``PRAGMA user_version`` holds
the number of steps applied, so a current database opens without importing sqlite_utils.
"""

from __future__ import annotations

import sqlite3
from pathlib import Path

from sqlite_utils import Database
from sqlite_utils.migrations import Migrations

from .schema import MIGRATION_NAMES, SCHEMA_VERSION

migrations = Migrations("pubdb")


def _run(db: Database, *statements: str) -> None:
    for statement in statements:
        db.execute(statement)


@migrations()
def m001_initial(db: Database) -> None:
    _run(
        db,
        """
        CREATE TABLE publications (
            id INTEGER PRIMARY KEY,
            citekey TEXT NOT NULL UNIQUE,
            entry_type TEXT NOT NULL DEFAULT 'misc',
            kind TEXT NOT NULL DEFAULT 'other',
            status TEXT NOT NULL DEFAULT 'published',
            title TEXT NOT NULL DEFAULT '',
            abstract TEXT,
            year INTEGER,
            month INTEGER,
            date TEXT,
            venue TEXT,
            journal TEXT,
            booktitle TEXT,
            publisher TEXT,
            volume TEXT,
            number TEXT,
            pages TEXT,
            note TEXT,
            doi TEXT UNIQUE,
            arxiv_id TEXT UNIQUE,
            arxiv_version INTEGER,
            arxiv_primary_category TEXT,
            arxiv_categories TEXT,
            arxiv_published TEXT,
            arxiv_updated TEXT,
            arxiv_comment TEXT,
            journal_ref TEXT,
            url TEXT,
            pdf_url TEXT,
            source TEXT NOT NULL,
            fields TEXT NOT NULL DEFAULT '{}',
            latex TEXT NOT NULL DEFAULT '{}',
            locked TEXT NOT NULL DEFAULT '[]',
            created_at TEXT NOT NULL,
            updated_at TEXT NOT NULL
        )
        """,
        "CREATE INDEX idx_publications_year ON publications(year)",
        """
        CREATE TABLE people (
            id INTEGER PRIMARY KEY,
            name TEXT NOT NULL,
            given TEXT NOT NULL DEFAULT '',
            family TEXT NOT NULL DEFAULT '',
            name_key TEXT NOT NULL,
            created_at TEXT NOT NULL
        )
        """,
        "CREATE INDEX idx_people_name_key ON people(name_key)",
        """
        CREATE TABLE authorships (
            publication_id INTEGER NOT NULL
                REFERENCES publications(id) ON DELETE CASCADE,
            position INTEGER NOT NULL,
            person_id INTEGER NOT NULL REFERENCES people(id),
            name TEXT NOT NULL,
            given TEXT NOT NULL DEFAULT '',
            family TEXT NOT NULL DEFAULT '',
            affiliation TEXT,
            equal_contribution INTEGER NOT NULL DEFAULT 0,
            PRIMARY KEY (publication_id, position)
        )
        """,
        "CREATE INDEX idx_authorships_person ON authorships(person_id)",
        """
        CREATE TABLE arxiv_entries (
            publication_id INTEGER PRIMARY KEY
                REFERENCES publications(id) ON DELETE CASCADE,
            arxiv_id TEXT NOT NULL,
            version INTEGER,
            fetched_at TEXT NOT NULL,
            xml TEXT NOT NULL
        )
        """,
        "CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT)",
    )


@migrations()
def m002_search(db: Database) -> None:
    """Full-text search over ASCII-folded text (so 'odegard' finds Ødegård). Plain-SQL
    triggers queue changed publications; the library re-indexes them before commit."""
    statements = [
        "CREATE VIRTUAL TABLE publications_fts USING fts5("
        "title, authors, venue, abstract, tokenize = 'unicode61 remove_diacritics 2')",
        "CREATE TABLE search_dirty (publication_id INTEGER PRIMARY KEY)",
        "INSERT INTO search_dirty SELECT id FROM publications",
    ]
    # Authorships are inserted only with their new publication (queued by its own
    # trigger) or after their old rows were deleted (queued by the delete trigger): an
    # insert trigger on them would cost a third of a large import for nothing.
    for table, id_column, event in (
        ("publications", "id", "INSERT"),
        ("publications", "id", "UPDATE OF title, abstract, venue, journal, booktitle"),
        ("publications", "id", "DELETE"),
        ("authorships", "publication_id", "UPDATE OF name, publication_id"),
        ("authorships", "publication_id", "DELETE"),
    ):
        row = "OLD" if event == "DELETE" else "NEW"
        name = f"{table}_search_{event.split()[0].lower()}"
        statements.append(
            f"CREATE TRIGGER {name} AFTER {event} ON {table}"
            f" BEGIN INSERT OR IGNORE INTO search_dirty VALUES ({row}.{id_column}); END"
        )
    _run(db, *statements)


@migrations()
def m003_people(db: Database) -> None:
    """Name variants per person (the evidence resolution compares against), per-paper
    pins from `author split`, an ambiguity flag, and a covering index for co-authors."""
    _run(
        db,
        "ALTER TABLE people ADD COLUMN ambiguous INTEGER NOT NULL DEFAULT 0",
        "ALTER TABLE authorships ADD COLUMN name_key TEXT NOT NULL DEFAULT ''",
        """
        CREATE TABLE person_names (
            id INTEGER PRIMARY KEY,
            person_id INTEGER NOT NULL REFERENCES people(id) ON DELETE CASCADE,
            name TEXT NOT NULL,
            name_key TEXT NOT NULL,
            family_len INTEGER,
            last_key TEXT NOT NULL,
            manual INTEGER NOT NULL DEFAULT 0,
            UNIQUE (person_id, name_key)
        )
        """,
        "CREATE INDEX idx_person_names_last ON person_names(last_key)",
        "CREATE INDEX idx_person_names_key ON person_names(name_key)",
        """
        CREATE TABLE author_pins (
            publication_id INTEGER NOT NULL REFERENCES publications(id) ON DELETE CASCADE,
            name_key TEXT NOT NULL,
            person_id INTEGER NOT NULL REFERENCES people(id) ON DELETE CASCADE,
            PRIMARY KEY (publication_id, name_key)
        )
        """,
        "DROP INDEX idx_authorships_person",
        "CREATE INDEX idx_authorships_person ON authorships(person_id, publication_id)",
    )
    from ..names import name_form

    rows = db.execute(
        "SELECT DISTINCT person_id, name, given, family FROM authorships ORDER BY rowid"
    ).fetchall()
    for person_id, name, given, family in rows:
        form = name_form(name, given, family)
        db.execute(
            "UPDATE authorships SET name_key = ? WHERE person_id = ? AND name = ?",
            (form.key, person_id, name),
        )
        db.execute(
            "INSERT OR IGNORE INTO person_names (person_id, name, name_key, family_len,"
            " last_key) VALUES (?, ?, ?, ?, ?)",
            (person_id, name, form.key, form.family_len, form.last),
        )


@migrations()
def m004_network_indexes(db: Database) -> None:
    """Covering indexes for the co-authorship graph: a paper's authors, and each
    person's latest affiliation, without reading the wide authorship rows."""
    _run(
        db,
        "CREATE INDEX idx_authorships_paper_person ON authorships(publication_id, person_id)",
        "CREATE INDEX idx_authorships_affiliation"
        " ON authorships(person_id, publication_id, affiliation) WHERE affiliation IS NOT NULL",
    )


@migrations()
def m005_people_affiliations(db: Database) -> None:
    """What a person is called and where they work: a preferred full name, a decided
    family name (where a written name splits), a contact for the NSF table, dated
    affiliations set by the user, and the source of each affiliation on a paper (all
    affiliations stored so far came from arXiv)."""
    _run(
        db,
        "ALTER TABLE people ADD COLUMN preferred_name TEXT",
        "ALTER TABLE people ADD COLUMN decided_family TEXT",
        "ALTER TABLE people ADD COLUMN contact TEXT",
        "ALTER TABLE authorships ADD COLUMN affiliation_source TEXT",
        "UPDATE authorships SET affiliation_source = 'arxiv' WHERE affiliation IS NOT NULL",
        """
        CREATE TABLE person_affiliations (
            id INTEGER PRIMARY KEY,
            person_id INTEGER NOT NULL REFERENCES people(id) ON DELETE CASCADE,
            affiliation TEXT NOT NULL,
            since INTEGER,
            source TEXT NOT NULL DEFAULT 'manual',
            created_at TEXT NOT NULL
        )
        """,
        "CREATE INDEX idx_person_affiliations_person ON person_affiliations(person_id)",
    )


@migrations()
def m006_search_tokens(db: Database) -> None:
    """The index rebuilt with pubdb's own tokenizer (search_text: TeX and math decoded,
    "C++", "R&D", "μP" kept whole, hyphenated words also joined) and a year column;
    a record is re-indexed when its year changes too."""
    from .search_text import FTS_TOKENIZER

    _run(
        db,
        "DROP TABLE publications_fts",
        "CREATE VIRTUAL TABLE publications_fts USING fts5("
        f'title, authors, venue, abstract, year, tokenize = "{FTS_TOKENIZER}")',
        "DROP TRIGGER publications_search_update",
        "CREATE TRIGGER publications_search_update AFTER UPDATE OF title, abstract, venue,"
        " journal, booktitle, year ON publications"
        " BEGIN INSERT OR IGNORE INTO search_dirty VALUES (NEW.id); END",
        "INSERT OR IGNORE INTO search_dirty SELECT id FROM publications",
    )


@migrations()
def m007_bibtex_strings(db: Database) -> None:
    """What an imported .bib file holds besides its entries, kept so that export gives
    it back: its @string and @preamble blocks (with the file they came from), and for
    each field that uses @string macros its value expression."""
    _run(
        db,
        "ALTER TABLE publications ADD COLUMN expressions TEXT NOT NULL DEFAULT '{}'",
        """
        CREATE TABLE bibtex_strings (
            id INTEGER PRIMARY KEY,
            name TEXT NOT NULL,
            expression TEXT NOT NULL,
            value TEXT NOT NULL,
            source TEXT NOT NULL,
            line INTEGER NOT NULL
        )
        """,
        "CREATE INDEX idx_bibtex_strings_source ON bibtex_strings(source)",
        """
        CREATE TABLE bibtex_preambles (
            id INTEGER PRIMARY KEY,
            expression TEXT NOT NULL,
            source TEXT NOT NULL,
            line INTEGER NOT NULL
        )
        """,
        "CREATE INDEX idx_bibtex_preambles_source ON bibtex_preambles(source)",
    )


@migrations()
def m008_browsing_views(db: Database) -> None:
    """Views for reading the library in Datasette or any SQLite browser, with columns
    named for what they hold and authors counted from 1 (as ``show`` counts them): a
    paper with its author list, each person's papers, each pair of co-authors. A later
    step that rebuilds a table these read must drop and re-create them."""
    person = "coalesce(nullif({0}.preferred_name, ''), {0}.name)"
    _run(
        db,
        """
        CREATE VIEW publication_authors AS
        SELECT p.id, p.citekey, p.year, p.title,
            (SELECT group_concat(name, '; ') FROM (SELECT a.name FROM authorships a
              WHERE a.publication_id = p.id ORDER BY a.position)) AS authors,
            (SELECT count(*) FROM authorships a WHERE a.publication_id = p.id)
              AS author_count,
            coalesce(nullif(p.venue, ''), nullif(p.journal, ''), p.booktitle) AS venue,
            p.kind, p.status, p.doi, p.arxiv_id, p.url
        FROM publications p
        """,
        f"""
        CREATE VIEW people_papers AS
        SELECT a.person_id, {person.format("pe")} AS person, a.position + 1 AS author_position,
            a.name AS name_as_written, a.equal_contribution, a.affiliation,
            p.id AS publication_id, p.citekey, p.year, p.title, p.kind, p.status
        FROM authorships a
        JOIN people pe ON pe.id = a.person_id
        JOIN publications p ON p.id = a.publication_id
        """,
        f"""
        CREATE VIEW coauthor_pairs AS
        SELECT pairs.person_id, {person.format("me")} AS person,
            pairs.coauthor_id, {person.format("co")} AS coauthor,
            pairs.joint_papers, pairs.first_year, pairs.last_year
        FROM (
            SELECT a.person_id, b.person_id AS coauthor_id,
                count(DISTINCT a.publication_id) AS joint_papers,
                min(p.year) AS first_year, max(p.year) AS last_year
            FROM authorships a
            JOIN authorships b ON b.publication_id = a.publication_id
                AND b.person_id != a.person_id
            JOIN publications p ON p.id = a.publication_id
            GROUP BY a.person_id, b.person_id
        ) pairs
        JOIN people me ON me.id = pairs.person_id
        JOIN people co ON co.id = pairs.coauthor_id
        """,
    )


# -- m009: the co-authorship graph's side tables, kept current by triggers -------------
# Each statement is plain SQL fixed at this step (never edited after release).

# A paper's place in time as one integer: its year and month (an unknown month as
# December, an unknown year as 0), the day of its date plus one when the date agrees
# with them (else 0), then its id; the max() over a pair's joint papers names their
# latest paper (the later added one on a tie) and when it was.
_PAPER_KEY = (
    "((coalesce({p}.year * 100 + coalesce({p}.month, 12), 0) * 1000"
    " + CASE WHEN substr({p}.date, 1, 8) = printf('%04d-%02d-', {p}.year,"
    " coalesce({p}.month, 12)) AND substr({p}.date, 9, 2) GLOB '[0-9][0-9]'"
    " THEN CAST(substr({p}.date, 9, 2) AS INTEGER) + 1 ELSE 0 END)"
    " * 1000000000 + {p}.id)"
)
# The latest joint paper of the pair in the coauthor_edges row being updated.
_PAIR_LATEST = (
    "(SELECT max("
    + _PAPER_KEY.format(p="p")
    + ") FROM authorships x JOIN authorships y ON y.publication_id = x.publication_id"
    " AND y.person_id = coauthor_edges.coauthor_id"
    " JOIN publications p ON p.id = x.publication_id"
    " WHERE x.person_id = coauthor_edges.person_id)"
)
# One person joins a paper (a row moved there): +1 for each pair they form with the
# paper's other authors, unless they were on it already (then it counted), and the
# paper is the pair's latest if it is newer. New rows are counted in bulk by
# store/graph.py (authorships_added), which every insert calls: a trigger per inserted
# row would cost an import a quarter of its CPU.
_JOIN_PAPER = (
    """
    INSERT INTO coauthor_edges (person_id, coauthor_id, papers, latest_key)
        SELECT NEW.person_id, person_id, 1, {key} FROM authorships
        WHERE publication_id = NEW.publication_id AND person_id != NEW.person_id
          AND NOT EXISTS (SELECT 1 FROM authorships WHERE publication_id = NEW.publication_id
                          AND person_id = NEW.person_id AND position != NEW.position)
        GROUP BY person_id
        ON CONFLICT DO UPDATE SET
            papers = papers + 1, latest_key = max(latest_key, excluded.latest_key);
    INSERT INTO coauthor_edges (person_id, coauthor_id, papers, latest_key)
        SELECT person_id, NEW.person_id, 1, {key} FROM authorships
        WHERE publication_id = NEW.publication_id AND person_id != NEW.person_id
          AND NOT EXISTS (SELECT 1 FROM authorships WHERE publication_id = NEW.publication_id
                          AND person_id = NEW.person_id AND position != NEW.position)
        GROUP BY person_id
        ON CONFLICT DO UPDATE SET
            papers = papers + 1, latest_key = max(latest_key, excluded.latest_key);
"""
).format(
    key="(SELECT " + _PAPER_KEY.format(p="p") + " FROM publications p"
    " WHERE p.id = NEW.publication_id)"
)
# One person leaves a paper: -1 for each pair with the rest of it ({rest}: the paper's
# rows after the change, less the changed row), unless they are still on it; a pair
# whose latest paper this was looks for its latest again.
_LEAVE_PAPER = (
    """
    UPDATE coauthor_edges SET papers = papers - 1
        WHERE person_id = OLD.person_id AND coauthor_id IN ({rest})
          AND OLD.person_id NOT IN ({rest});
    UPDATE coauthor_edges SET papers = papers - 1
        WHERE coauthor_id = OLD.person_id AND person_id IN ({rest})
          AND OLD.person_id NOT IN ({rest});
    DELETE FROM coauthor_edges WHERE person_id = OLD.person_id AND papers <= 0;
    DELETE FROM coauthor_edges
        WHERE coauthor_id = OLD.person_id AND person_id IN ({rest}) AND papers <= 0;
    UPDATE coauthor_edges SET latest_key = PAIR_LATEST
        WHERE person_id = OLD.person_id AND coauthor_id IN ({rest})
          AND latest_key % 1000000000 = OLD.publication_id
          AND OLD.person_id NOT IN ({rest});
    UPDATE coauthor_edges SET latest_key = PAIR_LATEST
        WHERE coauthor_id = OLD.person_id AND person_id IN ({rest})
          AND latest_key % 1000000000 = OLD.publication_id
          AND OLD.person_id NOT IN ({rest});
"""
).replace("PAIR_LATEST", _PAIR_LATEST)
_REST_AFTER_DELETE = "SELECT person_id FROM authorships WHERE publication_id = OLD.publication_id"
_REST_AFTER_UPDATE = (
    "SELECT person_id FROM authorships WHERE publication_id = OLD.publication_id"
    " AND NOT (publication_id = NEW.publication_id AND position = NEW.position)"
)
# Every affiliation known for the people {people}, ranked as store/profiles.py ranks
# them (a paper by its year and month, an unknown month as December, a later paper
# first on a tie; one set by the user since a year just after that year's papers, one
# set without a year above all); the first of each person is their latest.
_RANKED_AFFILIATIONS = """
    SELECT person_id, affiliation, rank, publication_id, position,
           row_number() OVER (PARTITION BY person_id
                              ORDER BY rank DESC, publication_id DESC, position) AS n
    FROM (
        SELECT a.person_id, a.affiliation,
               (coalesce(p.year, 0) * 100 + coalesce(p.month, 12)) * 10.0 AS rank,
               a.publication_id, a.position
        FROM authorships a JOIN publications p ON p.id = a.publication_id
        WHERE a.person_id IN ({people}) AND a.affiliation IS NOT NULL
        UNION ALL
        SELECT person_id, affiliation,
               CASE WHEN since IS NULL THEN 1e9 ELSE (since * 100 + 12) * 10.0 + 5 END
               + id * 1e-9, NULL, NULL
        FROM person_affiliations WHERE person_id IN ({people})
    )
"""
_RECOMPUTE_AFFILIATIONS = (
    """
    DELETE FROM latest_affiliations WHERE person_id IN ({people});
    INSERT INTO latest_affiliations (person_id, affiliation, rank, publication_id, position)
        SELECT person_id, affiliation, rank, publication_id, position
        FROM ("""
    + _RANKED_AFFILIATIONS
    + """) WHERE n = 1;
"""
)
# A new candidate (an affiliated authorship, or one set by the user) replaces the
# stored one if it ranks higher.
_OFFER = """
    INSERT INTO latest_affiliations (person_id, affiliation, rank, publication_id, position)
        {candidate}
        ON CONFLICT (person_id) DO UPDATE SET
            affiliation = excluded.affiliation, rank = excluded.rank,
            publication_id = excluded.publication_id, position = excluded.position
        WHERE excluded.rank > rank OR (excluded.rank = rank
            AND (excluded.publication_id > publication_id
                 OR (excluded.publication_id = publication_id
                     AND excluded.position < position)));
"""
_OFFER_AUTHORSHIP = _OFFER.format(
    candidate="SELECT NEW.person_id, NEW.affiliation,"
    " (coalesce(year, 0) * 100 + coalesce(month, 12)) * 10.0, NEW.publication_id,"
    " NEW.position FROM publications WHERE id = NEW.publication_id"
)
_OFFER_SET = _OFFER.format(
    candidate="SELECT NEW.person_id, NEW.affiliation,"
    " CASE WHEN NEW.since IS NULL THEN 1e9 ELSE (NEW.since * 100 + 12) * 10.0 + 5 END"
    " + NEW.id * 1e-9, NULL, NULL WHERE true"
)
_FROM_OLD_ROW = (
    "EXISTS (SELECT 1 FROM latest_affiliations WHERE person_id = OLD.person_id"
    " AND publication_id = OLD.publication_id AND position = OLD.position)"
)
_M009_TRIGGERS = {
    # name: (event, condition, body)
    "authorships_edges_delete": (
        "AFTER DELETE ON authorships",
        "",
        _LEAVE_PAPER.format(rest=_REST_AFTER_DELETE),
    ),
    "authorships_edges_update": (
        "AFTER UPDATE OF person_id, publication_id ON authorships",
        "",
        _LEAVE_PAPER.format(rest=_REST_AFTER_UPDATE) + _JOIN_PAPER,
    ),
    "authorships_affiliation_delete": (
        "AFTER DELETE ON authorships",
        f"OLD.affiliation IS NOT NULL AND {_FROM_OLD_ROW}",
        _RECOMPUTE_AFFILIATIONS.format(people="OLD.person_id"),
    ),
    "authorships_affiliation_leave": (
        "AFTER UPDATE OF person_id, publication_id, position, affiliation ON authorships",
        f"OLD.affiliation IS NOT NULL AND {_FROM_OLD_ROW}",
        _RECOMPUTE_AFFILIATIONS.format(people="OLD.person_id"),
    ),
    "authorships_affiliation_join": (
        "AFTER UPDATE OF person_id, publication_id, position, affiliation ON authorships",
        "NEW.affiliation IS NOT NULL",
        _OFFER_AUTHORSHIP,
    ),
    "publications_edges_dates": (
        "AFTER UPDATE OF year, month, date ON publications",
        "OLD.year IS NOT NEW.year OR OLD.month IS NOT NEW.month OR OLD.date IS NOT NEW.date",
        "UPDATE coauthor_edges SET latest_key = "
        + _PAIR_LATEST
        + " WHERE person_id IN (SELECT person_id FROM authorships WHERE publication_id = NEW.id)"
        " AND coauthor_id IN (SELECT person_id FROM authorships WHERE publication_id = NEW.id);",
    ),
    "publications_affiliation_dates": (
        "AFTER UPDATE OF year, month ON publications",
        "OLD.year IS NOT NEW.year OR OLD.month IS NOT NEW.month",
        _RECOMPUTE_AFFILIATIONS.format(
            people="SELECT person_id FROM authorships"
            " WHERE publication_id = NEW.id AND affiliation IS NOT NULL"
        ),
    ),
    "person_affiliations_latest_insert": (
        "AFTER INSERT ON person_affiliations",
        "",
        _OFFER_SET,
    ),
    "person_affiliations_latest_delete": (
        "AFTER DELETE ON person_affiliations",
        "",
        _RECOMPUTE_AFFILIATIONS.format(people="OLD.person_id"),
    ),
    "person_affiliations_latest_update": (
        "AFTER UPDATE ON person_affiliations",
        "",
        _RECOMPUTE_AFFILIATIONS.format(people="OLD.person_id, NEW.person_id"),
    ),
}


@migrations()
def m009_coauthor_graph(db: Database) -> None:
    """Side tables of the co-authorship graph: each pair of co-authors (both ways) with
    the number of their joint papers and their latest one, and each person's latest
    affiliation. Triggers
    keep them current on every delete and update (rm, merge, edit, author
    merge/alias/split, author set, a paper's date); inserted authorships are added in
    bulk by the one function that inserts them (store/graph.py); `pubdb check --repair`
    rebuilds them."""
    statements = [
        "CREATE TABLE coauthor_edges (person_id INTEGER NOT NULL,"
        " coauthor_id INTEGER NOT NULL, papers INTEGER NOT NULL,"
        " latest_key INTEGER NOT NULL, PRIMARY KEY (person_id, coauthor_id)) WITHOUT ROWID",
        """
        CREATE TABLE latest_affiliations (
            person_id INTEGER PRIMARY KEY REFERENCES people(id) ON DELETE CASCADE,
            affiliation TEXT NOT NULL,
            rank REAL NOT NULL,
            publication_id INTEGER,
            position INTEGER
        )
        """,
        "INSERT INTO coauthor_edges (person_id, coauthor_id, papers, latest_key)"
        " SELECT a.person_id, b.person_id, count(DISTINCT a.publication_id), max("
        + _PAPER_KEY.format(p="p")
        + ") FROM authorships a JOIN authorships b ON b.publication_id = a.publication_id"
        " AND b.person_id != a.person_id JOIN publications p ON p.id = a.publication_id"
        " GROUP BY a.person_id, b.person_id",
        "INSERT INTO latest_affiliations (person_id, affiliation, rank, publication_id,"
        " position) SELECT person_id, affiliation, rank, publication_id, position FROM ("
        + _RANKED_AFFILIATIONS.format(people="SELECT id FROM people")
        + ") WHERE n = 1",
    ]
    for name, (event, condition, body) in _M009_TRIGGERS.items():
        when = f" WHEN {condition}" if condition else ""
        statements.append(f"CREATE TRIGGER {name} {event}{when} BEGIN {body} END")
    _run(db, *statements)


@migrations()
def m010_coauthor_pairs_from_graph(db: Database) -> None:
    """The coauthor_pairs view read from the co-author graph's pairs instead of joining
    every paper (the whole view of 100,000 papers: seconds before, a page now), with
    the latest joint paper in place of the first year."""
    person = "coalesce(nullif({0}.preferred_name, ''), {0}.name)"
    _run(
        db,
        "DROP VIEW coauthor_pairs",
        f"""
        CREATE VIEW coauthor_pairs AS
        SELECT e.person_id, {person.format("me")} AS person,
            e.coauthor_id, {person.format("co")} AS coauthor,
            e.papers AS joint_papers, latest.year AS last_year,
            latest.citekey AS latest_paper
        FROM coauthor_edges e
        JOIN people me ON me.id = e.person_id
        JOIN people co ON co.id = e.coauthor_id
        JOIN publications latest ON latest.id = e.latest_key % 1000000000
        """,
    )


# A record's revision moves to the next number of one library-wide counter on every
# change to what its BibTeX entry reads (its row, its authorships), so an id freed by
# rm and used again never meets a number cached before. Inserted rows take a fresh
# number from the one function that inserts them; authorships inserted for papers that
# already exist bump in bulk (store/publications.py), as the co-author graph counts them.
_BUMP = (
    "UPDATE publication_revisions SET last = last + 1;"
    " UPDATE publications SET revision = (SELECT last FROM publication_revisions)"
    " WHERE id IN ({ids});"
)
_M011_TRIGGERS = {
    "publications_revision_update": (
        "AFTER UPDATE ON publications",
        "NEW.revision = OLD.revision",
        _BUMP.format(ids="NEW.id"),
    ),
    "authorships_revision_update": (
        "AFTER UPDATE ON authorships",
        None,
        _BUMP.format(ids="OLD.publication_id, NEW.publication_id"),
    ),
    "authorships_revision_delete": (
        "AFTER DELETE ON authorships",
        None,
        _BUMP.format(ids="OLD.publication_id"),
    ),
}


@migrations()
def m011_bibtex_entry_cache(db: Database) -> None:
    """Each record's BibTeX entry as the default export writes it, kept with the
    record's revision, the pubdb version and options it was written under, and (for an
    entry written with @string macros) the digest of the definitions it was checked
    against: export reads it while all of these are still current."""
    statements = [
        "ALTER TABLE publications ADD COLUMN revision INTEGER NOT NULL DEFAULT 0",
        "CREATE TABLE publication_revisions (last INTEGER NOT NULL)",
        "INSERT INTO publication_revisions VALUES (0)",
        """
        CREATE TABLE bibtex_entries (
            publication_id INTEGER PRIMARY KEY
                REFERENCES publications(id) ON DELETE CASCADE,
            revision INTEGER NOT NULL,
            written_under TEXT NOT NULL,
            strings TEXT NOT NULL,
            crossref INTEGER NOT NULL,
            entry TEXT NOT NULL
        )
        """,
    ]
    for name, (event, condition, body) in _M011_TRIGGERS.items():
        when = f" WHEN {condition}" if condition else ""
        statements.append(f"CREATE TRIGGER {name} {event}{when} BEGIN {body} END")
    _run(db, *statements)


LATEST_VERSION = len(migrations._migrations)
assert LATEST_VERSION == SCHEMA_VERSION, "update pubdb/schema.py with the new step"
assert tuple(m.name for m in migrations._migrations) == MIGRATION_NAMES, "update schema.py"


# -- a new library in one script ------------------------------------------------------

LATEST_SCHEMA_MODULE = Path(__file__).with_name("latest_schema.py")


def schema_statements(conn: sqlite3.Connection) -> list[str]:
    """The CREATE statements that remake a database's schema: tables (a virtual table
    makes its own shadow tables), then indexes, views and triggers, each kind in the
    order SQLite lists them."""
    virtual = [
        name
        for (name,) in conn.execute(
            "SELECT name FROM sqlite_master WHERE sql LIKE 'CREATE VIRTUAL TABLE%'"
        )
    ]
    rows = conn.execute(
        "SELECT type, name, sql FROM sqlite_master WHERE sql IS NOT NULL"
        " AND name NOT LIKE 'sqlite!_%' ESCAPE '!' ORDER BY CASE type WHEN 'table' THEN 0"
        " WHEN 'index' THEN 1 WHEN 'view' THEN 2 ELSE 3 END, rowid"
    )
    kept = [
        (kind, name, sql)
        for kind, name, sql in rows.fetchall()
        if not (kind == "table" and any(name.startswith(f"{v}_") for v in virtual))
    ]
    tables = [sql for kind, _, sql in kept if kind == "table"]
    filled = [name for kind, name, sql in kept if kind == "table" and name not in virtual]
    others = [sql for kind, _, sql in kept if kind != "table"]
    return tables + _rows_as_inserts(conn, filled) + others


def _rows_as_inserts(conn: sqlite3.Connection, tables: list[str]) -> list[str]:
    """The rows a step put in a table (a counter's first value), as INSERT statements;
    migrations are recorded apart."""
    inserts = []
    for table in tables:
        if table == "_sqlite_migrations":
            continue
        for row in conn.execute(f'SELECT * FROM "{table}"').fetchall():
            values = ", ".join(conn.execute("SELECT quote(?)", (v,)).fetchone()[0] for v in row)
            inserts.append(f'INSERT INTO "{table}" VALUES ({values})')
    return inserts


def write_latest_schema() -> None:
    """Write store/latest_schema.py from a database the migrations build (run after
    adding a step: ``python -m pubdb.store.migrations``)."""
    conn = sqlite3.connect(":memory:", isolation_level=None)
    migrations.apply(Database(conn))
    statements = "".join(f"    {sql!r},\n" for sql in schema_statements(conn))
    LATEST_SCHEMA_MODULE.write_text(
        "# ruff: noqa: E501\n"
        '"""The schema of a new library, as migrations.py builds it step by step, in one\n'
        "script that connection.py runs instead (no sqlite_utils import, no steps: a new\n"
        "library in a few milliseconds). Generated by ``python -m pubdb.store.migrations``;\n"
        'tests/test_db.py checks that it is current."""\n\n'
        f"MIGRATIONS = {MIGRATION_NAMES!r}\n"
        f"STATEMENTS = (\n{statements})\n",
        encoding="utf-8",
    )


if __name__ == "__main__":
    write_latest_schema()
