"""Small dialect helpers shared by the store modules (SQLite and PostgreSQL)."""

from __future__ import annotations

from functools import cache
from typing import Any

from sqlalchemy import Connection, Table
from sqlalchemy.dialects import postgresql, sqlite


@cache
def _insert_ignore_stmt(dialect: str, table: Table) -> Any:
    # One statement object per table, values passed as parameters: SQLAlchemy compiles it once.
    pk = next(iter(table.primary_key.columns))
    module = postgresql if dialect == "postgresql" else sqlite
    return module.insert(table).on_conflict_do_nothing().returning(pk)


def insert_ignore(conn: Connection, table: Table, values: dict[str, Any]) -> Any | None:
    """INSERT that does nothing when a unique constraint already holds the row.

    Returns the new row's primary key, or None when nothing was inserted. Safe under concurrency
    on both backends, unlike a read-then-insert. (``rowcount`` is not used: on PostgreSQL
    SQLAlchemy's implicit RETURNING makes it unreliable.)"""
    row = conn.execute(_insert_ignore_stmt(conn.dialect.name, table), values).first()
    return None if row is None else row[0]


def insert_many_ignore(
    conn: Connection, table: Table, rows: list[dict[str, Any]], *, key: str
) -> dict[Any, Any]:
    """INSERT … ON CONFLICT DO NOTHING of many rows; returns ``{row[key]: primary key}`` for the
    rows actually inserted. Rows that hit any unique constraint are left out.

    Executed as one executemany of a statement compiled once: SQLAlchemy's "insertmanyvalues"
    sends it as multi-row VALUES batches with RETURNING on both backends. RETURNING order is not
    the parameters' order once rows are skipped, hence the mapping by a unique column."""
    if not rows:
        return {}
    stmt = _insert_ignore_returning_stmt(conn.dialect.name, table, key)
    return {r[0]: r[1] for r in conn.execute(stmt, rows)}


@cache
def _insert_ignore_returning_stmt(dialect: str, table: Table, key: str) -> Any:
    pk = next(iter(table.primary_key.columns))
    module = postgresql if dialect == "postgresql" else sqlite
    return module.insert(table).on_conflict_do_nothing().returning(table.c[key], pk)
