"""The SQLite database: connection and transactions, schema and migrations, and every
SQL statement of pubdb (publications, people, co-authors, search, maintenance)."""

from ..lazy import submodules_on_first_use

__getattr__ = submodules_on_first_use(__name__)
