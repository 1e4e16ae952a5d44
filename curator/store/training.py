"""The editors' decisions the classifier learns from: one read, newest first, capped.

An item counts once, with its labels as they stand now (an accepted item that was relabelled
carries the editor's new sector or category). Items are ordered by their latest decision (the
audit trail's newest row for the item; an item decided without one, by ``decided_at``, then
``first_seen_at``), so a relabel brings an old item back into the window.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Engine, case, func, select
from sqlalchemy.engine import make_url
from sqlalchemy.exc import SQLAlchemyError

from curator.errors import StoreError
from curator.store.schema import decisions, items

DECIDED = ("accepted", "rejected")


@dataclass(frozen=True, slots=True)
class DecidedItem:
    item_id: int
    title: str
    publisher: str
    summary: str
    url: str | None
    document_type: str | None
    status: str  # accepted | rejected
    sector: str | None
    category: str | None
    published_at: datetime | None
    first_seen_at: datetime | None
    #: whether an editor relabelled the item (its sector or category is the editor's correction)
    relabelled: bool


def decided_items(engine: Engine, *, limit: int | None) -> tuple[list[DecidedItem], int]:
    """The newest ``limit`` decided items (all with ``None``), in item id order, and how many
    decided items there are in all. A database error is a StoreError saying what to do."""
    latest = (
        select(
            decisions.c.item_id,
            func.max(decisions.c.created_at).label("last_at"),
            func.max(case((decisions.c.action == "relabel", 1), else_=0)).label("relabelled"),
        )
        .group_by(decisions.c.item_id)
        .subquery()
    )
    newest_first = func.coalesce(latest.c.last_at, items.c.decided_at, items.c.first_seen_at)
    query = (
        select(
            items.c.id,
            items.c.title,
            items.c.publisher,
            items.c.summary,
            items.c.url,
            items.c.document_type,
            items.c.status,
            items.c.sector,
            items.c.category,
            items.c.published_at,
            items.c.first_seen_at,
            latest.c.relabelled,
        )
        .select_from(items.outerjoin(latest, latest.c.item_id == items.c.id))
        .where(items.c.status.in_(DECIDED))
        .order_by(newest_first.desc(), items.c.id.desc())
    )
    if limit is not None:
        query = query.limit(limit)
    total_query = select(func.count()).select_from(items).where(items.c.status.in_(DECIDED))
    try:
        with engine.connect() as conn:
            result = conn.execute(query).all()
            total = int(conn.execute(total_query).scalar_one())
    except SQLAlchemyError as exc:
        raise StoreError(
            f"could not read editors' decisions from {engine.url!r}: {exc.__class__.__name__}: "
            f"{str(exc).splitlines()[0]}. Run `curator train --no-db` to train on the files only"
        ) from exc
    out = [
        DecidedItem(
            item_id=r.id,
            title=r.title,
            publisher=r.publisher or "",
            summary=r.summary or "",
            url=r.url,
            document_type=r.document_type,
            status=r.status,
            sector=r.sector,
            category=r.category,
            published_at=r.published_at,
            first_seen_at=r.first_seen_at,
            relabelled=bool(r.relabelled),
        )
        for r in result
    ]
    out.sort(key=lambda d: d.item_id)
    return out, total


def decided_items_at(database_url: str, *, limit: int | None) -> tuple[list[DecidedItem], int]:
    """:func:`decided_items` of the database at ``database_url``; a SQLite file that does not
    exist yet holds no decisions (nothing is created)."""
    from curator.store.db import create_store_engine, missing_sqlite_file, sqlite_file

    if make_url(database_url).get_backend_name() == "sqlite" and (
        sqlite_file(database_url) is None or missing_sqlite_file(database_url) is not None
    ):
        return [], 0  # in memory, or a file not created yet: nothing decided there
    engine = create_store_engine(database_url)
    try:
        return decided_items(engine, limit=limit)
    finally:
        engine.dispose()
