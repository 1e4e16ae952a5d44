"""Small dialect helpers shared by the store modules (SQLite and PostgreSQL)."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Connection, Table
from sqlalchemy.dialects import postgresql, sqlite


def insert_ignore(conn: Connection, table: Table, values: dict[str, Any]) -> bool:
    """INSERT that does nothing when a unique constraint already holds the row.

    Returns True when a row was inserted. Safe under concurrency on both backends, unlike a
    read-then-insert."""
    stmt: Any
    if conn.dialect.name == "postgresql":
        stmt = postgresql.insert(table).values(**values).on_conflict_do_nothing()
    else:
        stmt = sqlite.insert(table).values(**values).on_conflict_do_nothing()
    return bool(conn.execute(stmt).rowcount == 1)
