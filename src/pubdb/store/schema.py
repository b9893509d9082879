"""The schema version this pubdb writes; migrations.py holds the steps that reach it.
Kept apart so that opening a current database never imports sqlite_utils."""

MIGRATION_NAMES = (
    "m001_initial",
    "m002_search",
    "m003_people",
    "m004_network_indexes",
    "m005_people_affiliations",
    "m006_search_tokens",
    "m007_bibtex_strings",
    "m008_browsing_views",
    "m009_coauthor_graph",
    "m010_coauthor_pairs_from_graph",
    "m011_bibtex_entry_cache",
)
SCHEMA_VERSION = len(MIGRATION_NAMES)
