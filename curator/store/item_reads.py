"""Reading items back for the front ends (Slack cards, ``curator review``, ``curator edition``):
one item, and the queue of candidates waiting for an editor, a page at a time.

The queue never shrinks on its own (a candidate nobody decides stays queued), so it is never
read whole: :func:`queued_page` reads one page by keyset (``id`` after the last one shown) on the
``(status, id)`` index, and :func:`queued_count` says how many wait.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, fields
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, bindparam, func, or_, select

from curator.records import Category, ItemStatus, Sector
from curator.store.schema import items

#: The status of a candidate waiting for an editor.
QUEUED: ItemStatus = "queued"


@dataclass(frozen=True)
class StoredItem:
    """One row of ``items`` as the front ends read it."""

    id: int
    source_id: str
    publisher: str
    title: str
    url: str
    canonical_url: str
    govuk_path: str | None
    summary: str
    document_type: str | None
    published_at: datetime | None
    first_seen_at: datetime
    status: ItemStatus
    sector: Sector | None  # an editor's label: decide() stores only known ones
    category: Category | None
    edited_title: str | None
    edited_summary: str | None
    key_findings: Any  # JSON: a list of strings (older rows: a single string)
    edited_lead_in: str | None
    edition: str | None
    position: int | None
    decided_at: datetime | None
    decided_by: str | None
    lane: str | None = None  # card | digest | quiet (None: no lane chosen)
    quiet_rule: str | None = None  # the source's rule that kept it quiet (None: none did)
    edited_publisher: str | None = None  # the editors' publisher (None: the feed's)


# Only the columns the record names: a column added to the table later does not break it.
COLUMNS = [items.c[f.name] for f in fields(StoredItem)]


def stored_item(row: Any) -> StoredItem:
    """The record of a row selected with :data:`COLUMNS`."""
    return StoredItem(**row._mapping)


def get_item(conn: Connection, item_id: int) -> StoredItem | None:
    row = conn.execute(select(*COLUMNS).where(items.c.id == item_id)).first()
    return None if row is None else stored_item(row)


#: Ids per statement, well under SQLite's limit on bound parameters.
CHUNK = 500

_BY_IDS = select(*COLUMNS).where(items.c.id.in_(bindparam("ids", expanding=True)))


def items_by_id(conn: Connection, item_ids: Iterable[int]) -> list[StoredItem]:
    """The items among ``item_ids`` that exist, in id order."""
    ids = sorted(set(item_ids))
    out: list[StoredItem] = []
    for start in range(0, len(ids), CHUNK):
        rows = conn.execute(_BY_IDS.order_by(items.c.id), {"ids": ids[start : start + CHUNK]})
        out.extend(stored_item(r) for r in rows)
    return out


def holds_items(conn: Connection) -> bool:
    """Whether any item is stored at all (a database never polled holds none)."""
    return conn.execute(select(items.c.id).limit(1)).first() is not None


def queued_count(conn: Connection) -> int:
    """How many candidates wait for an editor."""
    return int(
        conn.execute(
            select(func.count()).select_from(items).where(items.c.status == QUEUED)
        ).scalar_one()
    )


def newest_queued_id(conn: Connection) -> int | None:
    """The id of the newest candidate waiting now: a review that starts now stops there."""
    value = conn.execute(select(func.max(items.c.id)).where(items.c.status == QUEUED)).scalar()
    return None if value is None else int(value)


def queued_page(
    conn: Connection,
    *,
    after_id: int | None = None,
    upto_id: int | None = None,
    limit: int,
    digest: bool | None = None,
) -> list[StoredItem]:
    """Up to ``limit`` queued candidates, oldest first, with ids after ``after_id`` (the last
    one of the previous page) and not after ``upto_id``; with ``digest`` True only those of the
    digest lane, False all but those (the cards), None all of them."""
    stmt = select(*COLUMNS).where(items.c.status == QUEUED)
    if digest is True:
        stmt = stmt.where(items.c.lane == "digest")
    elif digest is False:
        stmt = stmt.where(or_(items.c.lane.is_(None), items.c.lane != "digest"))
    if after_id is not None:
        stmt = stmt.where(items.c.id > after_id)
    if upto_id is not None:
        stmt = stmt.where(items.c.id <= upto_id)
    return [stored_item(r) for r in conn.execute(stmt.order_by(items.c.id).limit(limit))]
