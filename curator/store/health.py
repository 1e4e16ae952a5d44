"""Queries behind source health: per-source state plus item counts and decisions."""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import replace
from datetime import UTC, datetime, timedelta

from sqlalchemy import Connection, RowMapping, func, select, text

from curator.health import SourceFacts, SourceHealth, assess
from curator.normalise import says_more_than
from curator.records import Listing, SourceConfig
from curator.store.schema import DECIDED, UTCDateTime, items, source_state


def state_facts(conn: Connection) -> dict[str, SourceFacts]:
    """Each source's state with its newest item, from one query (one entry of
    ix_items_source_dated per source): all :func:`curator.health.assess` judges a source's status
    by, without the counts of :func:`source_facts`, which only add notes to its detail."""
    newest = (
        select(func.max(_DATED))
        .where(items.c.source_id == source_state.c.source_id)
        .scalar_subquery()
    )
    states = conn.execute(select(source_state, newest.label("newest_item_at"))).mappings().all()
    return {
        st["source_id"]: SourceFacts(
            last_checked_at=st["last_checked_at"],
            last_ok_at=st["last_ok_at"],
            consecutive_failures=st["consecutive_failures"] or 0,
            consecutive_blocks=st["consecutive_blocks"] or 0,
            next_check_at=st["next_check_at"],
            last_error=st["last_error"],
            feed_title=st["feed_title"],
            newest_item_at=_utc(st["newest_item_at"]),
            parse_warning=st["parse_warning"],
            degraded=bool(st["degraded"]),
            flood_items=st["flood_items"],
            flood_at=st["flood_at"],
            moved_to=st["moved_to"],
            listing=_listing(st),
        )
        for st in states
    }


def source_facts(conn: Connection, now: datetime) -> dict[str, SourceFacts]:
    """Each source's state with its newest item (:func:`state_facts`), items first seen in the
    last 30 days (how many of them came without a summary, and how many its rules kept quiet)
    and decided items, from three indexed queries (none reads every item): the newest date is
    one entry of ix_items_source_dated per source, the recent items a range of
    ix_items_seen_source, the decided ones the partial ix_items_decided_source (its condition
    written as the index declares it, so the planner can prove the index holds every row)."""
    states = state_facts(conn)
    # Counted here, not by GROUP BY: SQLite, without statistics, would rather walk a whole
    # index in source order than read a month's range and sort it.
    recent: Counter[str] = Counter()
    bare: Counter[str] = Counter()
    ruled: Counter[str] = Counter()
    overruled: Counter[str] = Counter()
    for sid, title, summary, rule, carded_at, status in conn.execute(
        select(
            items.c.source_id,
            items.c.title,
            items.c.summary,
            items.c.quiet_rule,
            items.c.carded_at,
            items.c.status,
        ).where(items.c.first_seen_at >= now - timedelta(days=30))
    ):
        recent[sid] += 1
        if not says_more_than(summary, title):  # stored as plain text
            bare[sid] += 1
        if rule is not None:
            ruled[sid] += 1
            if carded_at is not None or status == "accepted":  # an editor wanted it after all
                overruled[sid] += 1
    decided: dict[tuple[str, str], int] = {
        (row.source_id, row.status): int(row.n)
        for row in conn.execute(
            select(items.c.source_id, items.c.status, func.count().label("n"))
            .where(text(DECIDED))
            .group_by(items.c.source_id, items.c.status)
        )
    }
    return {
        sid: replace(
            facts,
            items_last_30_days=recent.get(sid, 0),
            items_without_summary_30_days=bare.get(sid, 0),
            items_kept_quiet_by_rules_30_days=ruled.get(sid, 0),
            ruled_items_wanted_30_days=overruled.get(sid, 0),
            accepted=decided.get((sid, "accepted"), 0),
            rejected=decided.get((sid, "rejected"), 0),
        )
        for sid, facts in states.items()
    }


def _listing(state: RowMapping) -> Listing | None:
    """What a source's last parsed document listed, as its state row records it (None: no
    document parsed since it is recorded)."""
    if state["entries_listed"] is None:
        return None
    by = state["stored_first_by"]
    return Listing(
        int(state["entries_listed"]),
        int(state["entries_stored_elsewhere"] or 0),
        tuple(by.split(",")) if by else (),
    )


#: An item's date exactly as ix_items_source_dated declares it.
_DATED = func.coalesce(items.c.published_at, items.c.first_seen_at, type_=UTCDateTime)


def _utc(value: datetime | str | None) -> datetime | None:
    """A MAX() of the item date: SQLite returns it as text, without a zone."""
    if isinstance(value, str):
        value = datetime.fromisoformat(value)
    if value is not None and value.tzinfo is None:
        value = value.replace(tzinfo=UTC)
    return value


def source_health(
    conn: Connection, sources: Sequence[SourceConfig], now: datetime
) -> list[SourceHealth]:
    facts = source_facts(conn, now)
    return [assess(s, facts.get(s.id, SourceFacts()), now) for s in sources]


def status_health(
    conn: Connection, sources: Sequence[SourceConfig] | None, now: datetime
) -> list[SourceHealth]:
    """Each source's health as :func:`source_health` judges its status, from one query
    (:func:`state_facts`): what ``/pulse status`` lists, so it agrees with ``curator sources
    status`` and the weekly report. Its detail lacks the notes the item counts add (summaries,
    rules, rejections). ``sources`` None (the sources file cannot be read): every source with a
    state row, each judged with a source's defaults (``quiet_after`` 60 days), by id."""
    facts = state_facts(conn)
    if sources is None:
        sources = [
            SourceConfig(id=sid, publisher=sid, kind="feed", url="") for sid in sorted(facts)
        ]
    return [assess(s, facts.get(s.id, SourceFacts()), now) for s in sources]
