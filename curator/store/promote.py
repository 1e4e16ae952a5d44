"""Make a card: an editor turns an item that is not a card (a line of the day's roll-up, a quiet
or expired item found by search) into a card, at most once.

One conditional UPDATE decides who made it: the first click finds the item undecided and not a
card and changes it (lane ``card``, status ``queued``, ``carded_at``/``carded_by``); every later
click, or a click on an item decided meanwhile, changes nothing and is told why. The card is queued
in the outbox in the same transaction, so it is posted once, by whichever poster claims it.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Literal

from sqlalchemy import Connection, and_, not_, or_, select, update

from curator.store.outbox import enqueue
from curator.store.schema import items, outbox

Result = Literal["carded", "already", "missing"]


@dataclass(frozen=True)
class Promotion:
    result: Result
    item_id: int
    #: the item after the attempt (None when there is no such item)
    status: str | None = None
    lane: str | None = None
    carded_by: str | None = None
    decided_by: str | None = None


#: A card now: queued in the card lane, or queued by code that chose no lane.
_IS_CARD = and_(items.c.status == "queued", or_(items.c.lane.is_(None), items.c.lane == "card"))
#: May be made a card: undecided and not a card already.
PROMOTABLE = and_(items.c.status.in_(("new", "queued")), not_(_IS_CARD))


def make_card(
    conn: Connection, item_id: int, user_id: str, now: datetime, channel: str | None
) -> Promotion:
    """Make ``item_id`` a card on behalf of ``user_id`` (in the caller's transaction) and queue it
    for ``channel`` (None: no Slack; ``curator review`` shows it with the cards)."""
    changed = conn.execute(
        update(items)
        .where(items.c.id == item_id, PROMOTABLE)
        .values(
            lane="card",
            status="queued",
            carded_at=now,
            carded_by=user_id,
            expired_at=None,  # a card again: what its roll-up line says comes from now on
            version=items.c.version + 1,
        )
    ).rowcount
    row = conn.execute(
        select(items.c.status, items.c.lane, items.c.carded_by, items.c.decided_by).where(
            items.c.id == item_id
        )
    ).first()
    if row is None:
        return Promotion("missing", item_id)
    if changed == 1 and channel:
        queue_card(conn, item_id, channel, now)
    return Promotion(
        "carded" if changed == 1 else "already",
        item_id,
        row.status,
        row.lane,
        row.carded_by,
        row.decided_by,
    )


def queue_card(conn: Connection, item_id: int, channel: str, now: datetime) -> None:
    """Queue the item's card for ``channel``. An item carded before (its card expired) has an
    outbox row already: it is made pending again, to be posted anew at the bottom of the channel
    (the old message keeps saying that it expired)."""
    if enqueue(conn, item_id, channel, now):
        return
    conn.execute(
        update(outbox)
        # A row still pending is left to whoever may be posting it: it is posted once anyway.
        .where(
            outbox.c.item_id == item_id, outbox.c.channel == channel, outbox.c.status != "pending"
        )
        .values(
            status="pending",
            attempts=0,
            next_attempt_at=now,
            created_at=now,
            message_ts=None,
            posted_at=None,
            last_error=None,
            claimed_by=None,
            claimed_until=None,
        )
    )
