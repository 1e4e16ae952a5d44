"""What ``/pulse status`` shows: decisions this month, a card Slack keeps refusing, failing,
quiet and flooded sources. Each function takes a ``Connection``; the caller owns the transaction."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Connection, func, select

from curator.store.schema import decisions, outbox, source_state


@dataclass(frozen=True)
class StuckCard:
    """The newest card still waiting to be posted after a failed attempt."""

    item_id: int
    attempts: int
    last_error: str


@dataclass(frozen=True)
class FailingSource:
    source_id: str
    consecutive_failures: int
    last_error: str | None


@dataclass(frozen=True)
class QuietSource:
    source_id: str
    last_new_item_at: datetime


def decisions_since(conn: Connection, since: datetime) -> int:
    """How many decisions editors recorded at or after ``since``."""
    return int(
        conn.execute(
            select(func.count()).select_from(decisions).where(decisions.c.created_at >= since)
        ).scalar_one()
    )


def stuck_card(conn: Connection) -> StuckCard | None:
    """The newest outbox row, pending or failed, whose last attempt failed."""
    row = conn.execute(
        select(outbox.c.item_id, outbox.c.attempts, outbox.c.last_error)
        .where(outbox.c.status.in_(("pending", "failed")), outbox.c.last_error.is_not(None))
        .order_by(outbox.c.id.desc())
        .limit(1)
    ).first()
    return None if row is None else StuckCard(int(row.item_id), int(row.attempts), row.last_error)


def failing_sources(conn: Connection) -> list[FailingSource]:
    """Sources whose last poll failed, most failures in a row first."""
    rows = conn.execute(
        select(
            source_state.c.source_id,
            source_state.c.consecutive_failures,
            source_state.c.last_error,
        )
        .where(source_state.c.consecutive_failures > 0)
        .order_by(source_state.c.consecutive_failures.desc(), source_state.c.source_id)
    )
    return [FailingSource(r.source_id, int(r.consecutive_failures), r.last_error) for r in rows]


def quiet_sources(conn: Connection, before: datetime) -> list[QuietSource]:
    """Sources whose newest item was first seen before ``before``, longest quiet first."""
    rows = conn.execute(
        select(source_state.c.source_id, source_state.c.last_new_item_at)
        .where(source_state.c.last_new_item_at < before)
        .order_by(source_state.c.last_new_item_at)
    )
    return [QuietSource(r.source_id, r.last_new_item_at) for r in rows]


def flooded_sources(conn: Connection, since: datetime) -> list[tuple[str, int, datetime]]:
    """Sources whose last flood of new items (stored quiet at once) was at or after ``since``,
    newest first: ``(source_id, items, when)``."""
    c = source_state.c
    rows = conn.execute(
        select(c.source_id, c.flood_items, c.flood_at)
        .where(c.flood_at >= since, c.flood_items.is_not(None))
        .order_by(c.flood_at.desc(), c.source_id)
    )
    return [(str(r.source_id), int(r.flood_items), r.flood_at) for r in rows]
