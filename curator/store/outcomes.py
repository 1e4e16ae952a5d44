"""The items editors decided since a date, counted by how each reached them
(:mod:`curator.outcomes`). Read from the decisions made since then (a range of
``ix_decisions_created_at``) and those items by their key: a week's decisions, however large the
history (``python -m benchmarks.history --only weekly-report,gauges``)."""

from __future__ import annotations

from collections import Counter
from datetime import datetime, timedelta

from sqlalchemy import Connection, select

from curator.normalise import says_more_than
from curator.outcomes import DECISIONS, WINDOW_DAYS, Origin, Outcomes, origin_of
from curator.store.schema import decisions, items


def decided_since(conn: Connection, since: datetime) -> Outcomes:
    """The items accepted or rejected at or after ``since`` and still so, by origin and status
    (an item decided twice counts once, as it stands now; one undone since counts not at all)."""
    # No DISTINCT: IN ignores repeats, and with one SQLite walks every decision in item order
    # (ix_decisions_item) instead of the window's range of ix_decisions_created_at (1M items:
    # 130 ms warm, 2 s cold, against 2 ms; benchmarks/RESULTS.md).
    recent = select(decisions.c.item_id).where(
        decisions.c.created_at >= since, decisions.c.action.in_(("accept", "reject"))
    )
    rows = conn.execute(
        select(
            items.c.lane, items.c.carded_at, items.c.status, items.c.title, items.c.summary
        ).where(items.c.id.in_(recent.scalar_subquery()), items.c.status.in_(DECISIONS))
    )
    counts: Counter[tuple[Origin, str]] = Counter()
    bare: Counter[str] = Counter()
    for r in rows:
        origin = origin_of(r.lane, r.carded_at is not None)
        counts[origin, str(r.status)] += 1
        if origin == "card" and not says_more_than(r.summary, r.title):
            bare[str(r.status)] += 1
    return Outcomes(dict(counts), dict(bare))


def decided_last_week(conn: Connection, now: datetime) -> Outcomes:
    """:func:`decided_since` the start of the report's window, ``WINDOW_DAYS`` before ``now``
    (the weekly report, ``/pulse status`` and the ``curator_decided_last_week`` gauge)."""
    return decided_since(conn, now - timedelta(days=WINDOW_DAYS))
