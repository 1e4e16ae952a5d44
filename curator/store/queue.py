"""Putting new items in front of the editors: the review queue, and the Slack outbox with it.

Which items go there is decided elsewhere (the poll's lane rule); this only records it, in the
caller's transaction, together with the items and their predictions.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import Connection, bindparam, update

from curator.store.item_reads import QUEUED
from curator.store.outbox import enqueue
from curator.store.schema import items

#: Built once with an expanding parameter: a poll queues items for every batch of sources.
_QUEUE = update(items).where(items.c.id.in_(bindparam("ids", expanding=True))).values(status=QUEUED)


def queue_items(
    conn: Connection, item_ids: Sequence[int], *, channel: str | None, now: datetime
) -> None:
    """Queue ``item_ids`` for the editors (``curator review`` shows them) and, with a Slack
    ``channel``, put each one's card in the outbox for it."""
    if not item_ids:
        return
    conn.execute(_QUEUE, {"ids": list(item_ids)})
    if channel:
        for item_id in item_ids:
            enqueue(conn, item_id, channel, now)
