"""Queries behind source health: per-source state plus item counts and decisions."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime, timedelta

from sqlalchemy import Connection, case, func, select

from curator.health import SourceFacts, SourceHealth, assess
from curator.records import SourceConfig
from curator.store.schema import UTCDateTime, items, source_state


def source_facts(conn: Connection, now: datetime) -> dict[str, SourceFacts]:
    dated = func.coalesce(items.c.published_at, items.c.first_seen_at, type_=UTCDateTime)
    month_ago = now - timedelta(days=30)
    counts = {
        row.source_id: row
        for row in conn.execute(
            select(
                items.c.source_id,
                func.max(dated).label("newest"),
                func.sum(case((items.c.first_seen_at >= month_ago, 1), else_=0)).label("recent"),
                func.sum(case((items.c.status == "accepted", 1), else_=0)).label("accepted"),
                func.sum(case((items.c.status == "rejected", 1), else_=0)).label("rejected"),
            ).group_by(items.c.source_id)
        )
    }
    states = conn.execute(select(source_state)).mappings().all()
    out: dict[str, SourceFacts] = {}
    for st in states:
        c = counts.get(st["source_id"])
        newest = c.newest if c else None
        if isinstance(newest, str):  # SQLite returns MAX() of a type-decorated column as text
            newest = datetime.fromisoformat(newest)
        if newest is not None and newest.tzinfo is None:
            newest = newest.replace(tzinfo=UTC)
        out[st["source_id"]] = SourceFacts(
            last_checked_at=st["last_checked_at"],
            last_ok_at=st["last_ok_at"],
            consecutive_failures=st["consecutive_failures"] or 0,
            consecutive_blocks=st["consecutive_blocks"] or 0,
            next_check_at=st["next_check_at"],
            last_error=st["last_error"],
            feed_title=st["feed_title"],
            newest_item_at=newest,
            items_last_30_days=int(c.recent or 0) if c else 0,
            accepted=int(c.accepted or 0) if c else 0,
            rejected=int(c.rejected or 0) if c else 0,
            parse_warning=st["parse_warning"],
            degraded=bool(st["degraded"]),
            flood_items=st["flood_items"],
            flood_at=st["flood_at"],
        )
    return out


def source_health(
    conn: Connection, sources: Sequence[SourceConfig], now: datetime
) -> list[SourceHealth]:
    facts = source_facts(conn, now)
    return [assess(s, facts.get(s.id, SourceFacts()), now) for s in sources]
