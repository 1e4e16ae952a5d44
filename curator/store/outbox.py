"""The outbox table: candidate cards waiting to be posted to a Slack channel, once per channel.

Posted rows are kept (they say which message shows which item), but out of the hot path: the
rows still to post are in a partial index (``ix_outbox_pending``: ``status = 'pending'``), and
every query of pending rows names that condition with a literal, so the planner can prove it
implies the index's (a bound parameter would leave PostgreSQL's generic plans on a full scan).
The claim and the pending count therefore read only the pending rows, however many were posted.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import ColumnElement, Connection, func, literal, or_, select, update

from curator.store.schema import outbox
from curator.store.sql import insert_ignore

_PENDING = outbox.c.status == literal("pending", literal_execute=True)


@dataclass(frozen=True)
class OutboxRow:
    id: int
    item_id: int
    channel: str
    #: attempts made before this claim (a claim counts one more in the table)
    attempts: int
    created_at: datetime


def enqueue(conn: Connection, item_id: int, channel: str, now: datetime) -> bool:
    """Queue ``item_id`` for ``channel``; False when it is already queued (or posted) there."""
    return bool(
        insert_ignore(
            conn,
            outbox,
            {
                "item_id": item_id,
                "channel": channel,
                "status": "pending",
                "attempts": 0,
                "next_attempt_at": now,
                "created_at": now,
            },
        )
    )


def _free(now: datetime) -> ColumnElement[bool]:
    return or_(outbox.c.claimed_until.is_(None), outbox.c.claimed_until < now)


def oldest_due(conn: Connection, channel: str, now: datetime) -> OutboxRow | None:
    """The oldest pending row for ``channel`` that is due and claimed by nobody."""
    row = conn.execute(
        select(
            outbox.c.id, outbox.c.item_id, outbox.c.channel, outbox.c.attempts, outbox.c.created_at
        )
        .where(outbox.c.channel == channel, _PENDING, _free(now))
        .where(or_(outbox.c.next_attempt_at.is_(None), outbox.c.next_attempt_at <= now))
        .order_by(outbox.c.id)
        .limit(1)
    ).first()
    return None if row is None else OutboxRow(**row._mapping)


def due_row_of(conn: Connection, item_id: int, channel: str, now: datetime) -> OutboxRow | None:
    """``item_id``'s pending row for ``channel`` if it is due and claimed by nobody (a card an
    editor asked for is posted at once, ahead of the queue)."""
    row = conn.execute(
        select(
            outbox.c.id, outbox.c.item_id, outbox.c.channel, outbox.c.attempts, outbox.c.created_at
        )
        .where(outbox.c.item_id == item_id, outbox.c.channel == channel, _PENDING, _free(now))
        .where(or_(outbox.c.next_attempt_at.is_(None), outbox.c.next_attempt_at <= now))
    ).first()
    return None if row is None else OutboxRow(**row._mapping)


def claim(conn: Connection, row: OutboxRow, worker: str, now: datetime, until: datetime) -> bool:
    """Lease ``row`` to ``worker`` until ``until`` and count the attempt; False when another
    worker took it (or it was posted) since it was read."""
    taken = conn.execute(
        update(outbox)
        .where(outbox.c.id == row.id, _PENDING, _free(now))
        .values(claimed_by=worker, claimed_until=until, attempts=row.attempts + 1)
    ).rowcount
    return bool(taken == 1)


def _finish(conn: Connection, row_id: int, worker: str, **values: object) -> None:
    conn.execute(
        update(outbox)
        .where(outbox.c.id == row_id, outbox.c.claimed_by == worker)
        .values(claimed_by=None, claimed_until=None, **values)
    )


def mark_posted(conn: Connection, row_id: int, worker: str, ts: str, at: datetime) -> None:
    """The card is in the channel as message ``ts`` (posted now, or found there)."""
    _finish(conn, row_id, worker, status="posted", message_ts=ts, posted_at=at, last_error=None)


def mark_failed(conn: Connection, row_id: int, worker: str, error: str) -> None:
    """Never to be posted: Slack refused it for good, or the item went or was decided."""
    _finish(conn, row_id, worker, status="failed", last_error=error)


def retry_later(conn: Connection, row_id: int, worker: str, error: str, at: datetime) -> None:
    """Still pending: try again at ``at``."""
    _finish(conn, row_id, worker, last_error=error, next_attempt_at=at)


def pending_count(conn: Connection, channel: str | None = None) -> int:
    """Cards waiting to be posted (to ``channel``, or to any channel)."""
    stmt = select(func.count()).select_from(outbox).where(_PENDING)
    if channel is not None:
        stmt = stmt.where(outbox.c.channel == channel)
    return int(conn.execute(stmt).scalar_one())


def posted_messages(conn: Connection, item_id: int) -> list[tuple[str, str]]:
    """``(channel, ts)`` of every message that shows ``item_id``'s card."""
    rows = conn.execute(
        select(outbox.c.channel, outbox.c.message_ts).where(
            outbox.c.item_id == item_id,
            outbox.c.status == "posted",
            outbox.c.message_ts.is_not(None),
        )
    )
    return [(str(channel), str(ts)) for channel, ts in rows]
