"""Items an editor adds by their link: finding the item a link already is, putting a stored
item in front of the editors, and the lane such an item takes.

The rules of "same publication" are those of polling (:mod:`curator.dedupe`): the canonical URL
and the GOV.UK path are looked up here; a near-identical title from the same publisher is found
with :class:`curator.store.items.PublisherTitles`, as a poll does.
"""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from sqlalchemy import Connection, or_, select, update

from curator.records import Lane
from curator.store.lanes import lane_of, set_lane
from curator.store.promote import PROMOTABLE, queue_card
from curator.store.schema import items

#: How an item reaches the editors. Every item an editor adds by its link gets a card.
EDITOR_LANE: Literal["card"] = "card"


def item_for_link(conn: Connection, canonical_url: str, govuk_path: str | None) -> int | None:
    """The id of the stored item with this canonical URL or this GOV.UK path, if any."""
    keys = [items.c.canonical_url == canonical_url]
    if govuk_path:
        keys.append(items.c.govuk_path == govuk_path)
    found = conn.execute(select(items.c.id).where(or_(*keys)).order_by(items.c.id).limit(1))
    value = found.scalar()
    return None if value is None else int(value)


def queue_stored_item(conn: Connection, item_id: int, channel: str | None, now: datetime) -> bool:
    """Put a stored item that has no card in front of the editors: one never shown (status
    ``new``: older than the backfill window, or not a candidate), a line of the day's roll-up, or
    a candidate that expired (its old card says so and has no buttons). Its card is queued for
    ``channel`` (None: none), posted anew for an expired one. False when it is a card already,
    or decided."""
    done = conn.execute(
        update(items)
        .where(items.c.id == item_id, PROMOTABLE)
        .values(status="queued", expired_at=None)
    )
    if done.rowcount != 1:
        return False
    if channel:
        queue_card(conn, item_id, channel, now)
    return True


def set_editor_lane(conn: Connection, item_id: int, now: datetime) -> None:
    """Record that ``item_id`` takes the card lane, as every item an editor adds does, and that
    it became a card now (``carded_at``): a candidate's age counts from there, so a publication
    first seen long ago and added by its link today is not expired as an old candidate that
    night. (``carded_by`` stays for Slack's "Make a card", whose user it names.)"""
    set_lane(conn, [item_id], EDITOR_LANE)
    conn.execute(update(items).where(items.c.id == item_id).values(carded_at=now))


def item_lane(conn: Connection, item_id: int) -> Lane:
    """The lane of a stored item; one stored with none (by code that chose no lane) is read by
    the rule the lanes migration gave older rows: stored and never shown (status ``new``) is
    quiet, anything else was a card."""
    lane = lane_of(conn, item_id)
    if lane is not None:
        return lane
    status = conn.execute(select(items.c.status).where(items.c.id == item_id)).scalar()
    return "quiet" if status == "new" else EDITOR_LANE
