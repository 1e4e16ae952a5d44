"""Candidates expire: one nobody decided within ``CURATOR_CANDIDATE_DAYS`` leaves the queue for
the quiet lane, so the queue holds what editors can still act on.

A candidate's age counts from when it was first seen, or from when an editor made it a card
(``carded_at``) if that is later. Expired items keep everything (they are stored, searchable,
and "Make a card" brings one back); they only stop being ``queued``: status ``new``, lane
``quiet``. The cards still waiting in the outbox for them are not posted.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Connection, bindparam, literal, or_, select, update

from curator.store.item_reads import QUEUED
from curator.store.schema import items, outbox

#: Items expired per transaction: a long-neglected queue is emptied in bounded steps.
BATCH = 500

#: A candidate still waiting, as a literal, so that the planner proves it implies the partial
#: index ix_items_queued_seen.
IS_QUEUED = items.c.status == literal(QUEUED, literal_execute=True)


@dataclass(frozen=True)
class PostedCard:
    item_id: int
    channel: str
    ts: str


def expire_candidates(
    conn: Connection, cutoff: datetime, *, now: datetime, limit: int = BATCH
) -> list[int]:
    """Move up to ``limit`` queued candidates older than ``cutoff`` to the quiet lane, out of the
    queue, noting that they expired at ``now`` (in the caller's transaction); returns their ids,
    oldest first.

    Read from the partial index of the queue by first-seen date: ``carded_at`` is never earlier
    than ``first_seen_at``, so a candidate older than the cutoff by both is first of all one
    first seen before it."""
    ids = [
        int(i)
        for i in conn.execute(
            select(items.c.id)
            .where(
                IS_QUEUED,
                items.c.first_seen_at < cutoff,
                or_(items.c.carded_at.is_(None), items.c.carded_at < cutoff),
            )
            .order_by(items.c.first_seen_at)
            .limit(limit)
        ).scalars()
    ]
    if not ids:
        return []
    # The status is checked again: a decision made since the read above stands.
    expired = {
        int(i)
        for i in conn.execute(
            update(items)
            .where(items.c.id.in_(bindparam("ids", expanding=True)), IS_QUEUED)
            .values(status="new", lane="quiet", expired_at=now, version=items.c.version + 1)
            .returning(items.c.id),
            {"ids": ids},
        ).scalars()
    }
    done = [i for i in ids if i in expired]
    cancel_pending_cards(conn, done, "skipped: expired without a decision")
    return done


def cancel_pending_cards(conn: Connection, item_ids: list[int], why: str) -> None:
    """The cards of ``item_ids`` still waiting in the outbox are not posted (``why`` is kept)."""
    if not item_ids:
        return
    conn.execute(
        update(outbox)
        .where(
            outbox.c.item_id.in_(bindparam("ids", expanding=True)),
            outbox.c.status == literal("pending", literal_execute=True),
        )
        .values(status="failed", last_error=why),
        {"ids": item_ids},
    )


def posted_cards(conn: Connection, item_ids: list[int]) -> list[PostedCard]:
    """Every message in Slack that shows the card of one of ``item_ids``."""
    if not item_ids:
        return []
    rows = conn.execute(
        select(outbox.c.item_id, outbox.c.channel, outbox.c.message_ts).where(
            outbox.c.item_id.in_(bindparam("ids", expanding=True)),
            outbox.c.status == "posted",
            outbox.c.message_ts.is_not(None),
        ),
        {"ids": item_ids},
    )
    return [PostedCard(int(r.item_id), str(r.channel), str(r.message_ts)) for r in rows]
