"""Small dialect helpers shared by the store modules (SQLite and PostgreSQL)."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Connection, Table
from sqlalchemy.dialects import postgresql, sqlite


def insert_ignore(conn: Connection, table: Table, values: dict[str, Any]) -> Any | None:
    """INSERT that does nothing when a unique constraint already holds the row.

    Returns the new row's primary key, or None when nothing was inserted. Safe under concurrency
    on both backends, unlike a read-then-insert. (``rowcount`` is not used: on PostgreSQL
    SQLAlchemy's implicit RETURNING makes it unreliable.)"""
    stmt: Any
    if conn.dialect.name == "postgresql":
        stmt = postgresql.insert(table).values(**values).on_conflict_do_nothing()
    else:
        stmt = sqlite.insert(table).values(**values).on_conflict_do_nothing()
    pk = next(iter(table.primary_key.columns))
    row = conn.execute(stmt.returning(pk)).first()
    return None if row is None else row[0]
