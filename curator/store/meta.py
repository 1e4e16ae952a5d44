"""The ``meta`` table: once-per-period claims for singleton jobs, and small facts."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Connection, select, update

from curator.store.schema import meta
from curator.store.sql import insert_ignore


def claim_once(conn: Connection, key: str, now: datetime, value: Any = None) -> bool:
    """True for exactly one caller per ``key``, across processes sharing the database.

    Singleton jobs (the weekly report, the nightly retrain, opening the month's edition) use a key
    naming their period, e.g. ``health-report:2024-W23``: several workers may run the job's
    trigger, only the first to insert the key does the work. The claim holds once the caller's
    transaction commits: run the job after it, in a transaction of its own."""
    return insert_ignore(conn, meta, {"key": key, "value": value, "updated_at": now}) is not None


def is_claimed(conn: Connection, key: str) -> bool:
    """Whether some caller has claimed ``key`` (:func:`claim_once`): a read, no lock taken."""
    return conn.execute(select(meta.c.key).where(meta.c.key == key)).first() is not None


def get_value(conn: Connection, key: str) -> Any:
    return conn.execute(select(meta.c.value).where(meta.c.key == key)).scalar()


def set_value(conn: Connection, key: str, value: Any, now: datetime) -> None:
    if insert_ignore(conn, meta, {"key": key, "value": value, "updated_at": now}) is None:
        conn.execute(update(meta).where(meta.c.key == key).values(value=value, updated_at=now))
