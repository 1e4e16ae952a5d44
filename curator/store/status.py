"""What ``/pulse status`` shows of the editors' work: decisions this month, a card Slack keeps
refusing. (Its sources are judged by :func:`curator.store.health.status_health`, as ``curator
sources status`` judges them.) Each function takes a ``Connection``; the caller owns the
transaction."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Connection, func, select

from curator.store.schema import decisions, outbox


@dataclass(frozen=True)
class StuckCard:
    """The newest card still waiting to be posted after a failed attempt."""

    item_id: int
    attempts: int
    last_error: str


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
