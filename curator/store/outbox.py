"""The outbox table: candidate cards waiting to be posted to a Slack channel, once per channel.

Posted rows are kept (they say which message shows which item), but out of the hot path: the
rows still to post are in a partial index (``ix_outbox_pending``: ``status = 'pending'``), and
every query of pending rows names that condition with a literal, so the planner can prove it
implies the index's (a bound parameter would leave PostgreSQL's generic plans on a full scan).
The claim and the pending count therefore read only the pending rows, however many were posted.
The claim and finish queries are :class:`curator.store.posting.Posting`'s, shared with the
roll-up's messages.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Connection, select

from curator.store.posting import Posting
from curator.store.schema import outbox
from curator.store.sql import insert_ignore

#: The claim-and-finish queries of the outbox (shared with the roll-up: store/posting.py).
POSTING = Posting(outbox)


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


def oldest_due(
    conn: Connection, channel: str, now: datetime, *, item_id: int | None = None
) -> OutboxRow | None:
    """The oldest pending row for ``channel`` (of ``item_id`` only, when given) that is due and
    claimed by nobody."""
    stmt = select(
        outbox.c.id, outbox.c.item_id, outbox.c.channel, outbox.c.attempts, outbox.c.created_at
    ).where(outbox.c.channel == channel, POSTING.due(now))
    if item_id is not None:
        stmt = stmt.where(outbox.c.item_id == item_id)
    row = conn.execute(stmt.order_by(outbox.c.id).limit(1)).first()
    return None if row is None else OutboxRow(**row._mapping)


def claim(conn: Connection, row: OutboxRow, worker: str, now: datetime, until: datetime) -> bool:
    """Lease ``row`` to ``worker`` until ``until`` and count the attempt; False when another
    worker took it (or it was posted) since it was read."""
    return POSTING.claim(conn, row.id, row.attempts, worker, now, until)


mark_posted = POSTING.mark_posted
mark_failed = POSTING.mark_failed
retry_later = POSTING.retry_later
#: Cards waiting to be posted (to ``channel``, or to any channel).
pending_count = POSTING.pending_count


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


def cards_never_queued(conn: Connection, channel: str) -> int:
    """Cards waiting for an editor with no row in ``channel``'s outbox: queued while Slack was
    not configured (``curator review``'s), so never to be posted there."""
    from sqlalchemy import exists, func, or_

    from curator.store.schema import items

    stmt = (
        select(func.count())
        .select_from(items)
        .where(
            items.c.status == "queued",
            or_(items.c.lane == "card", items.c.lane.is_(None)),
            ~exists().where(outbox.c.item_id == items.c.id, outbox.c.channel == channel),
        )
    )
    return int(conn.execute(stmt).scalar_one())
