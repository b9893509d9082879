"""The SQLite database: connection and transactions, schema and migrations, and every
SQL statement of pubdb (publications, people, co-authors, search, maintenance)."""
