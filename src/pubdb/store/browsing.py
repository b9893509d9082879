"""The library as Datasette shows it (``pubdb serve``): what each table, view and column
holds, the search index linked to the tables it searches, and canned queries.

The search index (``publications_fts``) holds pubdb's own tokenized text (TeX decoded,
accents folded: see search_text), not copies of columns, so it cannot be an FTS
"content" table that Datasette would find on its own; the metadata names it
(``fts_table``, ``fts_pk``) instead. Datasette quotes each word of a search and FTS5
folds accents and case the same way the index did, so ``?_search=boulle`` finds Boullé.
"""

from __future__ import annotations

from typing import Any

FTS = {"fts_table": "publications_fts", "fts_pk": "id"}
INTERNAL = (
    "_sqlite_migrations",
    "search_dirty",
    "meta",
    "author_pins",
    "bibtex_entries",
    "publication_revisions",
)

PUBLICATION_COLUMNS = {
    "id": "Row number of the record (publications_fts and the other tables link to it)",
    "citekey": "BibTeX citation key: \\cite{citekey}",
    "entry_type": "BibTeX entry type: article, inproceedings, misc, ...",
    "kind": "Section of a CV list: preprint, journal, conference, workshop, thesis, book,"
    " chapter, other",
    "status": "preprint, submitted, accepted or published",
    "title": "Title, TeX decoded to text (the TeX as written is in latex)",
    "abstract": "Abstract",
    "year": "Year of publication",
    "month": "Month of publication, 1-12",
    "date": "Date of publication (YYYY-MM-DD) where known",
    "venue": "Where it appeared, as a CV shows it",
    "journal": "BibTeX journal",
    "booktitle": "BibTeX booktitle (proceedings)",
    "publisher": "Publisher",
    "volume": "Volume",
    "number": "Number (issue)",
    "pages": "Pages",
    "note": "Note shown after the entry",
    "doi": "DOI, e.g. 10.1234/abc (unique)",
    "arxiv_id": "arXiv identifier without version, e.g. 2502.01384 (unique)",
    "arxiv_version": "arXiv version last fetched",
    "arxiv_primary_category": "arXiv primary category, e.g. cs.LG",
    "arxiv_categories": "All arXiv categories (JSON list)",
    "arxiv_published": "When arXiv first published it",
    "arxiv_updated": "When arXiv last updated it",
    "arxiv_comment": "arXiv comment (pages, figures, venue)",
    "journal_ref": "Journal reference given on arXiv",
    "url": "Link to the paper",
    "pdf_url": "Link to the PDF",
    "source": "Where the record came from: arxiv, bibtex, doi, manual",
    "fields": "Other BibTeX fields, name to value (JSON object), e.g. ids: keys a merge absorbed",
    "latex": "The TeX each imported field was written in, field to TeX (JSON object)",
    "expressions": "Fields written with @string macros, field to expression (JSON object)",
    "locked": "Fields you edited, which arXiv refreshes and merges leave alone (JSON list)",
    "created_at": "When the record was added (UTC)",
    "updated_at": "When the record last changed (UTC)",
    "revision": "Moves on with every change to the record or its authors (BibTeX entry cache)",
}

TABLES: dict[str, dict[str, Any]] = {
    "publications": {
        "description": "One row per paper or preprint. Search finds words of titles,"
        " authors, venues and abstracts, whatever the accents and the TeX.",
        "columns": PUBLICATION_COLUMNS,
        "label_column": "title",
        "sort_desc": "year",
        "facets": ["kind", "status"],
        **FTS,
    },
    "people": {
        "description": "One row per person; the names they sign with are in person_names.",
        "columns": {
            "id": "Row number of the person",
            "name": "The name pubdb shows for them",
            "given": "Given names",
            "family": "Family name",
            "name_key": "The name folded for matching (internal)",
            "created_at": "When the person was first met (UTC)",
            "ambiguous": "1 when the name could be two people (see pubdb authors)",
            "preferred_name": "Full name you set (pubdb author set --name)",
            "decided_family": "Where the family name starts, as you decided",
            "contact": "Contact you set (department, e-mail)",
        },
        "label_column": "name",
        "sort": "name",
    },
    "authorships": {
        "description": "Who wrote what: one row per author of each paper. The view"
        " people_papers shows the same with names and positions counted from 1.",
        "columns": {
            "publication_id": "The paper",
            "position": "Place in the author list counted from 0 (people_papers counts from 1)",
            "person_id": "The person",
            "name": "Name as written on the paper",
            "given": "Given names as written",
            "family": "Family name as written",
            "affiliation": "Affiliation given on the paper",
            "equal_contribution": "1 for an author marked as equal contribution",
            "name_key": "The name folded for matching (internal)",
            "affiliation_source": "Where the affiliation came from: arxiv, bibtex, doi",
        },
    },
    "person_names": {
        "description": "Every way each person's name is written on their papers.",
        "columns": {
            "person_id": "The person",
            "name": "Name as written",
            "name_key": "The name folded for matching (internal)",
            "family_len": "Words in the family name (internal)",
            "last_key": "Last word folded (internal)",
            "manual": "1 when you declared it (pubdb author alias)",
        },
    },
    "person_affiliations": {
        "description": "Affiliations you set for people (pubdb author set --affiliation).",
        "columns": {
            "person_id": "The person",
            "affiliation": "Institution",
            "since": "Year it starts",
            "source": "manual: set by you",
            "created_at": "When it was set (UTC)",
        },
    },
    "arxiv_entries": {
        "description": "The arXiv Atom entry each arXiv record was last built from.",
        "columns": {
            "publication_id": "The paper",
            "arxiv_id": "arXiv identifier",
            "version": "Version fetched",
            "fetched_at": "When it was fetched (UTC)",
            "xml": "The entry as arXiv sent it",
        },
    },
    "bibtex_strings": {
        "description": "@string macros of imported .bib files, written back on export.",
        "columns": {
            "name": "Macro name",
            "expression": "Definition as written",
            "value": "Its text",
            "source": "The .bib file",
            "line": "Line in that file",
        },
    },
    "bibtex_preambles": {
        "description": "@preamble blocks of imported .bib files, written back on export.",
        "columns": {
            "expression": "The block as written",
            "source": "The .bib file",
            "line": "Line in that file",
        },
    },
    "publication_authors": {
        "description": "One row per paper with its author list (search works here too).",
        "columns": {
            "id": "The paper (publications.id)",
            "authors": "Authors in order, as written, separated by ;",
            "author_count": "Number of authors",
            "venue": "Venue, journal or booktitle",
        },
        "sort_desc": "year",
        "facets": ["kind"],
        **FTS,
    },
    "people_papers": {
        "description": "One row per person and paper: who wrote what, in which place.",
        "columns": {
            "person": "The person's name",
            "author_position": "Place in the author list, 1 for the first author",
            "name_as_written": "Their name as the paper writes it",
            "equal_contribution": "1 when marked as equal contribution",
            "affiliation": "Affiliation given on the paper",
        },
        "sort_desc": "year",
    },
    "coauthor_pairs": {
        "description": "Each pair of people who wrote together (both ways round), with"
        " how many papers and their latest one.",
        "columns": {
            "person": "One person",
            "coauthor": "Someone who wrote with them",
            "joint_papers": "Papers they wrote together",
            "last_year": "Year of the latest",
            "latest_paper": "Citation key of the latest",
        },
        "sort_desc": "joint_papers",
    },
    **{name: {"hidden": True} for name in INTERNAL},
}


# The people a name typed in :name can mean: a name they sign with (or are shown by)
# holds its words, case aside, dots and commas read as spaces ('Jelassi' and 'S. Jelassi'
# find 'Jelassi, S.').
_PEOPLE_NAMED = """
    SELECT person_id FROM (
        SELECT person_id, name FROM person_names
        UNION ALL SELECT id, name FROM people
        UNION ALL SELECT id, preferred_name FROM people WHERE preferred_name IS NOT NULL)
    WHERE ' ' || lower(replace(replace(name, ',', ' '), '.', ' ')) || ' '
        LIKE '% ' || trim(lower(replace(replace(:name, ',', ' '), '.', ' '))) || ' %'"""

# Joint papers, years, per co-author of the people in the table "chosen".
_COAUTHOR_COUNTS = """
    SELECT b.person_id AS coauthor_id, count(DISTINCT a.publication_id) AS papers,
        min(p.year) AS first_year, max(p.year) AS last_year
    FROM authorships a
    JOIN authorships b ON b.publication_id = a.publication_id AND b.person_id != a.person_id
    JOIN publications p ON p.id = a.publication_id
    WHERE a.person_id IN (SELECT person_id FROM chosen)
    GROUP BY b.person_id"""

_SHOWN_NAME = "coalesce(nullif(people.preferred_name, ''), people.name)"


def _named(parameter: str) -> str:
    return _PEOPLE_NAMED.replace(":name", ":" + parameter)


def _counts_for(chosen: str) -> str:
    return _COAUTHOR_COUNTS.replace("FROM chosen", "FROM " + chosen)


QUERIES = {
    "coauthors_of": {
        "title": "Co-authors of",
        "description": "Everyone who wrote with a person (a name as written, e.g."
        " Jelassi or S. Jelassi), most joint papers first.",
        "sql": "WITH chosen AS ("
        + _named("name")
        + "),\n counts AS ("
        + _COAUTHOR_COUNTS
        + ")\nSELECT "
        + _SHOWN_NAME
        + " AS coauthor, counts.papers AS joint_papers,"
        " counts.first_year, counts.last_year, counts.coauthor_id\n"
        "FROM counts JOIN people ON people.id = counts.coauthor_id\n"
        "ORDER BY joint_papers DESC, counts.last_year DESC, coauthor",
    },
    "shared_coauthors": {
        "title": "Shared co-authors of",
        "description": "People who wrote both with one person and with another.",
        "sql": "WITH first_people AS (" + _named("first") + "),\n"
        " second_people AS (" + _named("second") + "),\n"
        " with_first AS (" + _counts_for("first_people") + "),\n"
        " with_second AS (" + _counts_for("second_people") + ")\n"
        "SELECT " + _SHOWN_NAME + " AS coauthor, with_first.papers AS papers_with_first,"
        " with_second.papers AS papers_with_second, with_first.coauthor_id\n"
        "FROM with_first JOIN with_second ON with_second.coauthor_id = with_first.coauthor_id"
        " JOIN people ON people.id = with_first.coauthor_id\n"
        "WHERE with_first.coauthor_id NOT IN (SELECT person_id FROM first_people)"
        " AND with_first.coauthor_id NOT IN (SELECT person_id FROM second_people)\n"
        "ORDER BY papers_with_first + papers_with_second DESC, coauthor",
    },
    "papers_since": {
        "title": "Papers since",
        "description": "Papers from a year on, newest first; give an author to see only"
        " theirs (leave it empty for everyone's).",
        "sql": "WITH chosen AS (" + _named("author") + ")\n"
        "SELECT * FROM publication_authors WHERE year >= CAST(:year AS INTEGER)"
        " AND (trim(:author) = '' OR id IN (SELECT publication_id FROM authorships"
        " WHERE person_id IN (SELECT person_id FROM chosen)))\n"
        "ORDER BY year DESC, citekey",
    },
}


def datasette_metadata(database: str, title: str) -> dict[str, Any]:
    """Datasette's metadata (title, descriptions, search, canned queries, internal
    tables hidden) for a library served under the name ``database``."""
    return {
        "title": title,
        "description": "Publications, people and co-authors of a pubdb library, read-only."
        " Search publications from their page; publication_authors, people_papers and"
        " coauthor_pairs are views; the queries below answer who wrote with whom.",
        "databases": {
            database: {
                "description": "The pubdb library.",
                "tables": TABLES,
                "queries": QUERIES,
            }
        },
    }
