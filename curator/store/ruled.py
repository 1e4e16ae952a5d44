"""Candidates a source's rules, added since they were queued, would have kept quiet: read a page
at a time, and moved out of the queue to the quiet lane with the rule that caught them
(``curator sources apply-rules``; the rules themselves are ``curator.rules``)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from sqlalchemy import Connection, bindparam, select, update

from curator.store.expiry import IS_QUEUED, cancel_pending_cards
from curator.store.schema import items

#: Candidates read (and moved) per transaction.
PAGE = 500


@dataclass(frozen=True)
class Waiting:
    """A candidate waiting for an editor, with what the rules read of it."""

    id: int
    source_id: str
    publisher: str
    title: str
    summary: str
    url: str
    document_type: str | None


def waiting(
    conn: Connection, source_ids: Sequence[str], *, after_id: int = 0, limit: int = PAGE
) -> list[Waiting]:
    """Up to ``limit`` candidates of ``source_ids`` still waiting for an editor, in id order
    after ``after_id`` (read from the queue's index by status)."""
    if not source_ids:
        return []
    rows = conn.execute(
        select(
            items.c.id,
            items.c.source_id,
            items.c.publisher,
            items.c.title,
            items.c.summary,
            items.c.url,
            items.c.document_type,
        )
        .where(
            IS_QUEUED,
            items.c.id > after_id,
            items.c.source_id.in_(bindparam("sources", expanding=True)),
        )
        .order_by(items.c.id)
        .limit(limit),
        {"sources": list(source_ids)},
    )
    return [
        Waiting(
            id=int(r.id),
            source_id=r.source_id,
            publisher=r.publisher,
            title=r.title,
            summary=r.summary or "",
            url=r.url,
            document_type=r.document_type,
        )
        for r in rows
    ]


def keep_quiet(conn: Connection, rules: Mapping[int, str]) -> list[int]:
    """Move each candidate of ``rules`` (item id → the rule that caught it) out of the queue to
    the quiet lane, recording the rule; a candidate decided meanwhile is left as it is. Their
    cards still waiting in the outbox are not posted. Returns the ids moved."""
    moved: list[int] = []
    for item_id, rule in rules.items():
        done = conn.execute(
            update(items)
            .where(items.c.id == item_id, IS_QUEUED)
            .values(status="new", lane="quiet", quiet_rule=rule, version=items.c.version + 1)
        ).rowcount
        if done:
            moved.append(item_id)
    cancel_pending_cards(conn, moved, "skipped: kept quiet by its source's rules")
    return moved
