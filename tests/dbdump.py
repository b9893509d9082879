"""The state of a database as SQL, to compare before and after a command."""

from __future__ import annotations

import sqlite3


def bibliographic_dump(db_path) -> list[str]:
    """Every row as SQL, without the client's bookkeeping (the `meta` table: the last
    request time moves even when a fetch fails)."""
    with sqlite3.connect(db_path) as conn:
        return [line for line in conn.iterdump() if 'INTO "meta"' not in line]
