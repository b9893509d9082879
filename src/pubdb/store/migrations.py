"""Schema history: each step is applied once, in order, and never edited after release.

A database made by any release opens in every later one. ``PRAGMA user_version`` holds
the number of steps applied, so a current database opens without importing sqlite_utils.
"""

from __future__ import annotations

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


LATEST_VERSION = len(migrations._migrations)
assert LATEST_VERSION == SCHEMA_VERSION, "update pubdb/schema.py with the new step"
assert tuple(m.name for m in migrations._migrations) == MIGRATION_NAMES, "update schema.py"
