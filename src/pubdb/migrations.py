"""Schema history: each step is applied once, in order, and never edited after release.

A database made by any release opens in every later one. ``PRAGMA user_version`` holds
the number of steps applied, so a current database opens without importing sqlite_utils.
"""

from __future__ import annotations

from sqlite_utils import Database
from sqlite_utils.migrations import Migrations

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


LATEST_VERSION = len(migrations._migrations)
