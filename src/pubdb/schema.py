"""The schema version this pubdb writes; migrations.py holds the steps that reach it.
Kept apart so that opening a current database never imports sqlite_utils."""

SCHEMA_VERSION = 3
