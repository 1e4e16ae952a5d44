"""What the rule suggestions (:mod:`curator.rules_suggest`) read: the items of the last weeks that
reached the editors, with what they made of them."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import Connection, or_, select

from curator.records import SourceConfig
from curator.rules_suggest import MIN_REJECTED, Decided, Suggestion, let_through, suggest
from curator.store.item_reads import QUEUED
from curator.store.schema import items

_OUTCOMES = {"accepted": "accepted", "rejected": "rejected", QUEUED: "waiting"}


def recent_decisions(
    conn: Connection, since: datetime, source_ids: Sequence[str] | None = None
) -> list[Decided]:
    """Items first seen since ``since`` (a range of ix_items_seen_source) that the editors
    accepted, rejected or made a card of, or that still wait for them; of ``source_ids`` only
    when given. The sources are picked out here, not in SQL: given an ``IN`` list of sources,
    SQLite reads every item of those sources by ix_items_source_dated instead of the window
    (1.3 s against 0.18 s at a million items, ``benchmarks/RESULTS.md``)."""
    query = select(
        items.c.source_id,
        items.c.title,
        items.c.summary,
        items.c.url,
        items.c.document_type,
        items.c.status,
        items.c.carded_by,
    ).where(
        items.c.first_seen_at >= since,
        or_(items.c.status.in_(tuple(_OUTCOMES)), items.c.carded_by.is_not(None)),
    )
    wanted = None if source_ids is None else set(source_ids)
    return [
        Decided(
            source_id=r.source_id,
            title=r.title,
            url=r.url,
            document_type=r.document_type,
            outcome=_OUTCOMES.get(r.status, "other"),
            carded_by_editor=r.carded_by is not None,
            summary=r.summary or "",
        )
        for r in conn.execute(query)
        if wanted is None or r.source_id in wanted
    ]


def suggestions(
    conn: Connection,
    sources: Sequence[SourceConfig],
    since: datetime,
    *,
    min_rejected: int = MIN_REJECTED,
) -> list[Suggestion]:
    """The skip rules the editors' decisions on ``sources``' items first seen since ``since``
    suggest (``curator sources suggest-rules``, the weekly report's "Rules to consider")."""
    recent = recent_decisions(conn, since, [s.id for s in sources])
    return suggest(let_through(recent, sources), min_rejected=min_rejected)
