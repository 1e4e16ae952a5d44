"""The audit trail read back, for ``curator decisions export``: every decision with its item.

Read as the database keeps it, without turning each value into a Python object first: the
export writes years of decisions, and at a hundred thousand rows the per-row conversions
(parsing two JSON columns, building an aware datetime, a mapping per row) cost more than the
database's own work.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, Text, cast, func, select
from sqlalchemy.sql.elements import ColumnElement

from curator.store.schema import decisions, items

#: Rows fetched at a time by :func:`decision_history`.
HISTORY_BATCH = 1000


def _utc_text(dialect: str) -> ColumnElement[Any]:
    """``decisions.created_at`` as the UTC text ``YYYY-MM-DD HH:MM:SS.ffffff``: what SQLite
    stores (SQLAlchemy's format for a naive UTC datetime), and what PostgreSQL makes of its
    ``timestamptz``."""
    if dialect == "postgresql":
        utc = func.timezone("UTC", decisions.c.created_at)
        return func.to_char(utc, "YYYY-MM-DD HH24:MI:SS.US")
    return cast(decisions.c.created_at, Text)


def decision_history(conn: Connection, *, since: datetime | None = None) -> Iterator[Sequence[Any]]:
    """The rows of :func:`decision_batches`, one by one."""
    for batch in decision_batches(conn, since=since):
        yield from batch


def decision_batches(
    conn: Connection, *, since: datetime | None = None
) -> Iterator[Sequence[Sequence[Any]]]:
    """Every decision (made at or after ``since``, an aware datetime, when given), oldest first,
    with its item's title, publisher and URL: tuples in the order of the export's columns,
    :data:`curator.audit.FIELDS` (the decision's ``id`` first, as ``decision_id``).

    Values are the database's own: ``edits`` and ``previous_state`` the JSON text stored (None
    for SQL NULL), ``created_at`` the UTC text ``YYYY-MM-DD HH:MM:SS.ffffff`` (see
    :func:`_utc_text`); the rest text and integers.

    Streamed: on PostgreSQL through a server-side cursor, on SQLite as the database steps
    through the rows, :data:`HISTORY_BATCH` rows at a time, so exporting years of decisions
    holds one batch in memory, not the whole audit trail. The caller keeps ``conn`` open (and,
    on PostgreSQL, its transaction) until the iterator is done."""
    stmt = (
        select(
            decisions.c.id,
            decisions.c.item_id,
            items.c.title,
            items.c.publisher,
            items.c.url,
            decisions.c.action,
            decisions.c.sector,
            decisions.c.category,
            decisions.c.edition,
            cast(decisions.c.edits, Text),
            decisions.c.user_id,
            decisions.c.user_name,
            decisions.c.via,
            _utc_text(conn.dialect.name),
            cast(decisions.c.previous_state, Text),
        )
        .join(items, items.c.id == decisions.c.item_id)
        .order_by(decisions.c.id)
    )
    if since is not None:
        # The ids through the index on created_at: SQLite's planner, which has no statistics,
        # otherwise reads the whole trail in id order (no sort) and filters it.
        recent = select(decisions.c.id).where(decisions.c.created_at >= since)
        stmt = stmt.where(decisions.c.id.in_(recent))
    result = conn.execute(stmt, execution_options={"yield_per": HISTORY_BATCH})
    yield from result.partitions()
