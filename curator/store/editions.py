"""Editions in the database: which edition an accepted item goes to, opening months as needed."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Connection, func, select, update

from curator.calendar import edition_for_time, next_edition, parse_edition
from curator.errors import CuratorError
from curator.store.item_reads import COLUMNS, StoredItem, stored_item
from curator.store.schema import editions, items
from curator.store.sql import insert_ignore


def ensure_edition(conn: Connection, edition_id: str, now: datetime) -> str:
    """Create edition ``edition_id`` (open) if it does not exist; return its status."""
    insert_ignore(conn, editions, {"id": edition_id, "status": "open", "opened_at": now})
    return str(conn.execute(select(editions.c.status).where(editions.c.id == edition_id)).scalar())


def target_edition(conn: Connection, now: datetime, tz: str = "Europe/London") -> str:
    """The edition an item accepted at ``now`` joins: this month's, or the next open one
    when this month's edition is already closed."""
    edition_id = edition_for_time(now, tz)
    for _ in range(24):
        if ensure_edition(conn, edition_id, now) == "open":
            return edition_id
        edition_id = next_edition(edition_id)
    raise RuntimeError(
        "no open edition in the next two years: reopen one with `curator edition open`"
    )


class EditionError(CuratorError):
    """An edition command that cannot be applied (bad month id, unknown or closed edition)."""


@dataclass(frozen=True)
class EditionInfo:
    id: str
    status: str  # open | closed
    items: int  # accepted items in it
    opened_at: datetime
    closed_at: datetime | None


def check_edition_id(edition_id: str) -> str:
    """The id if it is a month like ``2024-07``; an EditionError saying what to type otherwise."""
    try:
        parse_edition(edition_id)
    except ValueError as exc:
        raise EditionError(f"{exc}: use the year and month, e.g. 2024-07") from exc
    return edition_id


def list_editions(conn: Connection, now: datetime, tz: str = "Europe/London") -> list[EditionInfo]:
    """Every edition, newest first, with its accepted-item count. This month's edition is
    opened first if it does not exist yet (editions open automatically)."""
    ensure_edition(conn, edition_for_time(now, tz), now)
    # One index range per edition (``ix_items_edition_status``), not one pass over every
    # accepted item of the whole history: the list stays as fast at ten years as at one.
    accepted = (
        select(func.count())
        .select_from(items)
        .where(items.c.edition == editions.c.id, items.c.status == "accepted")
        .correlate(editions)
        .scalar_subquery()
    )
    rows = conn.execute(
        select(editions, accepted.label("n")).order_by(editions.c.id.desc())
    ).mappings()
    return [
        EditionInfo(r["id"], r["status"], int(r["n"]), r["opened_at"], r["closed_at"]) for r in rows
    ]


def get_edition(conn: Connection, edition_id: str) -> EditionInfo | None:
    row = conn.execute(select(editions).where(editions.c.id == edition_id)).mappings().first()
    if row is None:
        return None
    n = accepted_count(conn, edition_id)
    return EditionInfo(row["id"], row["status"], n, row["opened_at"], row["closed_at"])


def accepted_count(conn: Connection, edition_id: str) -> int:
    """How many items are accepted into ``edition_id`` (whether or not it has a row yet)."""
    return int(
        conn.execute(
            select(func.count())
            .select_from(items)
            .where(items.c.status == "accepted", items.c.edition == edition_id)
        ).scalar_one()
    )


def open_edition(conn: Connection, edition_id: str, now: datetime) -> tuple[EditionInfo, bool]:
    """Open ``edition_id`` (creating it, or reopening it if closed). Returns the edition and
    whether anything changed."""
    check_edition_id(edition_id)
    created = insert_ignore(conn, editions, {"id": edition_id, "status": "open", "opened_at": now})
    changed = created or bool(
        conn.execute(
            update(editions)
            .where(editions.c.id == edition_id, editions.c.status != "open")
            .values(status="open", closed_at=None)
        ).rowcount
    )
    info = get_edition(conn, edition_id)
    assert info is not None
    return info, changed


def close_edition(conn: Connection, edition_id: str, now: datetime) -> tuple[EditionInfo, bool]:
    """Close ``edition_id``: items accepted from now on go to the next open edition.
    Returns the edition and whether it was open before."""
    check_edition_id(edition_id)
    if get_edition(conn, edition_id) is None:
        raise EditionError(
            f"no edition {edition_id}; `curator edition list` shows the editions there are"
        )
    changed = bool(
        conn.execute(
            update(editions)
            .where(editions.c.id == edition_id, editions.c.status == "open")
            .values(status="closed", closed_at=now)
        ).rowcount
    )
    info = get_edition(conn, edition_id)
    assert info is not None
    return info, changed


def accepted_items(conn: Connection, edition_id: str) -> list[StoredItem]:
    """The items accepted into ``edition_id``, in the order they were stored."""
    rows = conn.execute(
        select(*COLUMNS)
        .where(items.c.status == "accepted", items.c.edition == edition_id)
        .order_by(items.c.id)
    )
    return [stored_item(r) for r in rows]


def edition_has_items(conn: Connection, edition_id: str) -> bool:
    """Whether any item names ``edition_id`` (one accepted with an explicit edition may name
    an edition that has no row yet)."""
    found = conn.execute(select(items.c.id).where(items.c.edition == edition_id).limit(1))
    return found.first() is not None
