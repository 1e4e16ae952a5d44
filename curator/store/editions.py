"""Editions in the database: which edition an accepted item goes to, opening months as needed."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Connection, select

from curator.edition.calendar import edition_for_time, next_edition
from curator.store.schema import editions
from curator.store.sql import insert_ignore


def ensure_edition(conn: Connection, edition_id: str, now: datetime) -> str:
    """Create edition ``edition_id`` (open) if it does not exist; return its status."""
    insert_ignore(conn, editions, {"id": edition_id, "status": "open", "opened_at": now})
    return str(conn.execute(select(editions.c.status).where(editions.c.id == edition_id)).scalar())


def target_edition(conn: Connection, now: datetime, tz: str = "Europe/London") -> str:
    """The edition an item accepted at ``now`` joins: this month's, or the next open one
    when this month's edition is already closed (issue 5)."""
    edition_id = edition_for_time(now, tz)
    for _ in range(24):
        if ensure_edition(conn, edition_id, now) == "open":
            return edition_id
        edition_id = next_edition(edition_id)
    raise RuntimeError(
        "no open edition in the next two years: reopen one with `curator edition open`"
    )
