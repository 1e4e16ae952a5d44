"""Queries rewritten to stay fast as history grows give the answers the old ones gave, on the same
data (SQLite and PostgreSQL), and read the indexes made for them."""

from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import Connection, Engine, case, func, insert, select, update

from curator.dedupe import NEAR_DUPLICATE_WINDOW, keys_near_duplicate, title_key
from curator.health import SourceFacts
from curator.records import Entry, SourceConfig
from curator.store.health import source_facts, source_health, status_health
from curator.store.items import PublisherTitles, merged_spans, store_entries, uncovered
from curator.store.schema import UTCDateTime, items, source_state
from tests.test_store_queries import full_scan_of, plans

pytestmark = pytest.mark.storage

NOW = datetime(2026, 6, 1, 12, tzinfo=UTC)
PUBLISHERS = ("Ofsted", "Care Quality Commission", "NHS England")
SOURCES = {f"src-{n}": PUBLISHERS[n % 3] for n in range(7)}
WORDS = ("annual", "report", "children", "care", "homes", "inspection", "statistics", "workforce")


def _history(engine: Engine, n: int, seed: int) -> None:
    """``n`` items over two years for seven sources of three publishers: some without a
    publication date, some decided, titles often alike (numbers and words from a few)."""
    rnd = random.Random(seed)
    rows: list[dict[str, Any]] = []
    for i in range(n):
        source = rnd.choice(sorted(SOURCES)[:6])  # src-6 has a state and no items
        seen = NOW - timedelta(days=rnd.uniform(0, 730))
        published = None if rnd.random() < 0.2 else seen - timedelta(days=rnd.uniform(0, 30))
        title = f"{' '.join(rnd.sample(WORDS, 3))} {rnd.choice((2024, 2025, ''))}".strip()
        rows.append(
            {
                "source_id": source,
                "publisher": SOURCES[source],
                "title": title,
                "title_key": title_key(title),
                "url": f"https://example.org/{seed}/{i}",
                "canonical_url": f"https://example.org/{seed}/{i}",
                "summary": rnd.choice(("", title.upper(), f"{title}: what it found", "Findings")),
                "published_at": published,
                "first_seen_at": seen,
                "status": rnd.choice(("new", "queued", "queued", "accepted", "rejected", "held")),
                "version": 1,
            }
        )
    states = [
        {"source_id": s, "url": f"https://example.org/{s}.atom", "consecutive_failures": 0}
        for s in SOURCES
        if s != "src-0"  # items and no state: not reported, as before
    ]
    with engine.begin() as conn:
        conn.execute(insert(items), rows)
        conn.execute(insert(source_state), states)


# -- source facts --------------------------------------------------------------------------


def _old_counts(conn: Connection, now: datetime) -> dict[str, tuple[Any, ...]]:
    """The query source facts were read with before: every item grouped by source."""
    dated = func.coalesce(items.c.published_at, items.c.first_seen_at, type_=UTCDateTime)
    month_ago = now - timedelta(days=30)
    out = {}
    for row in conn.execute(
        select(
            items.c.source_id,
            func.max(dated).label("newest"),
            func.sum(case((items.c.first_seen_at >= month_ago, 1), else_=0)).label("recent"),
            func.sum(
                case(
                    (
                        (items.c.first_seen_at >= month_ago)
                        & (
                            (items.c.summary == "")
                            | (func.lower(items.c.summary) == items.c.title)  # titles: lower case
                        ),
                        1,
                    ),
                    else_=0,
                )
            ).label("bare"),
            func.sum(case((items.c.status == "accepted", 1), else_=0)).label("accepted"),
            func.sum(case((items.c.status == "rejected", 1), else_=0)).label("rejected"),
        ).group_by(items.c.source_id)
    ):
        newest = row.newest
        if isinstance(newest, str):
            newest = datetime.fromisoformat(newest)
        if newest is not None and newest.tzinfo is None:
            newest = newest.replace(tzinfo=UTC)
        out[row.source_id] = (
            newest,
            int(row.recent),
            int(row.bare),
            int(row.accepted),
            int(row.rejected),
        )
    return out


def test_source_facts_agree_with_grouping_every_item(engine: Engine) -> None:
    _history(engine, 1500, seed=1)
    with engine.connect() as conn:
        old = _old_counts(conn, NOW)
        new = source_facts(conn, NOW)
    assert set(new) == set(SOURCES) - {"src-0"}
    for sid, facts in new.items():
        expected = old.get(sid, (None, 0, 0, 0, 0))
        got = (
            facts.newest_item_at,
            facts.items_last_30_days,
            facts.items_without_summary_30_days,
            facts.accepted,
            facts.rejected,
        )
        assert got == expected, sid
    assert (
        0
        < sum(f.items_without_summary_30_days for f in new.values())
        < sum(f.items_last_30_days for f in new.values())
    )
    assert new["src-6"] == SourceFacts(consecutive_failures=0, degraded=False)
    assert sum(f.accepted for f in new.values()) > 0
    assert sum(f.rejected for f in new.values()) > 0


def test_source_facts_read_indexes_not_every_item(engine: Engine) -> None:
    _history(engine, 300, seed=2)
    found = plans(engine, lambda conn: source_facts(conn, NOW))
    assert len(found) == 3
    for plan in found:
        assert not full_scan_of(plan, "items"), plan
    newest, recent, decided = found
    assert "ix_items_source_dated" in newest
    assert "ix_items_seen_source" in recent
    assert "ix_items_decided_source" in decided


def test_pulse_status_judges_sources_from_one_indexed_query(engine: Engine) -> None:
    """``/pulse status``'s judgement of the sources is ``curator sources status``'s (the same
    status of each) from one query, one entry of ix_items_source_dated per source."""
    _history(engine, 300, seed=3)
    with engine.begin() as conn:
        conn.execute(update(source_state).values(last_checked_at=NOW, last_ok_at=NOW))
    sources = [
        SourceConfig(
            id=sid,
            publisher=p,
            kind="feed",
            url=f"https://example.org/{sid}",
            quiet_after=timedelta(days=1 if n % 2 else 60),
        )
        for n, (sid, p) in enumerate(SOURCES.items())
    ]
    found = plans(engine, lambda conn: status_health(conn, sources, NOW))
    assert len(found) == 1 and not full_scan_of(found[0], "items"), found
    assert "ix_items_source_dated" in found[0]
    with engine.connect() as conn:
        full = source_health(conn, sources, NOW)
        short = status_health(conn, sources, NOW)
    assert [(h.source_id, h.status, h.reason) for h in short] == [
        (h.source_id, h.status, h.reason) for h in full
    ]
    assert {h.status for h in short} == {"ok", "quiet", "never polled"}  # src-0: no state


# -- the near-duplicate window -------------------------------------------------------------


def _entries(seed: int, n: int) -> list[Entry]:
    """A poll's entries: titles like the stored ones, dates spread over the two years (a feed
    may carry an old item) and some without a date."""
    rnd = random.Random(seed)
    out = []
    for i in range(n):
        source = rnd.choice(sorted(SOURCES))
        title = f"{' '.join(rnd.sample(WORDS, 3))} {rnd.choice((2024, 2025, ''))}".strip()
        published = None if rnd.random() < 0.2 else NOW - timedelta(days=rnd.uniform(0, 730))
        url = f"https://example.org/new/{seed}/{i}"
        out.append(
            Entry(
                source_id=source,
                publisher=SOURCES[source],
                title=title,
                url=url,
                original_url=url,
                published_at=published,
            )
        )
    return out


def _stored(conn: Connection) -> list[tuple[str, datetime, str]]:
    rows = conn.execute(
        select(items.c.publisher, items.c.published_at, items.c.first_seen_at, items.c.title_key)
    ).all()
    return [(r.publisher, r.published_at or r.first_seen_at, r.title_key) for r in rows]


def _old_answer(stored: list[tuple[str, datetime, str]], entries: list[Entry]) -> list[bool]:
    """Which entries are near-duplicates, from every stored row of their publisher (the old
    read, ±112 days around the first entry, was a superset of what the rule looks at; only rows
    within the window of an entry's date decide), and from the batch's earlier new entries."""
    known = list(stored)
    out = []
    for e in entries:
        when = e.published_at or NOW
        key = title_key(e.title)
        dup = any(
            p == e.publisher
            and abs(d - when) <= NEAR_DUPLICATE_WINDOW
            and keys_near_duplicate(key, k)
            for p, d, k in known
        )
        out.append(dup)
        if not dup:
            known.append((e.publisher, when, key))
    return out


def test_the_batch_window_finds_the_duplicates_the_whole_history_finds(engine: Engine) -> None:
    _history(engine, 2000, seed=3)
    entries = _entries(4, 300)
    with engine.connect() as conn:
        expected = _old_answer(_stored(conn), entries)
    assert 0 < sum(expected) < len(entries)
    with engine.begin() as conn:
        report = store_entries(conn, entries, NOW, titles=PublisherTitles())
    new_urls = {e.url for _, e in report.new}
    assert [e.url not in new_urls for e in entries] == expected


def test_the_window_reads_the_batch_days_on_the_index(engine: Engine) -> None:
    _history(engine, 2000, seed=5)
    entries = [e for e in _entries(6, 40) if e.published_at is not None][:5]
    titles = PublisherTitles()
    with engine.connect() as conn:
        titles.prepare(conn, entries, NOW)
        read = len(titles)
        total = conn.execute(select(func.count()).select_from(items)).scalar_one()
    # Five entries' windows (4 weeks each) of a two-year history: a small part of it.
    assert 0 < read < total // 5
    found = plans(engine, lambda conn: PublisherTitles().prepare(conn, entries, NOW))
    assert found
    for plan in found:
        assert "ix_items_publisher_dated" in plan and not full_scan_of(plan, "items"), plan


def test_spans_merge_when_they_overlap_or_nearly_touch() -> None:
    day = timedelta(days=1)
    t = NOW
    spans = [(t + 40 * day, t + 50 * day), (t, t + 10 * day), (t + 5 * day, t + 20 * day)]
    assert merged_spans(spans, gap=14 * day) == [(t, t + 20 * day), (t + 40 * day, t + 50 * day)]
    assert merged_spans(spans, gap=30 * day) == [(t, t + 50 * day)]
    assert merged_spans([], gap=day) == []


def test_only_the_days_not_read_yet_are_read() -> None:
    day = timedelta(days=1)
    t = NOW
    assert uncovered(t, t + 10 * day, []) == [(t, t + 10 * day)]
    assert uncovered(t, t + 10 * day, [(t - day, t + 11 * day)]) == []
    assert uncovered(
        t, t + 10 * day, [(t + 2 * day, t + 4 * day), (t + 6 * day, t + 12 * day)]
    ) == [
        (t, t + 2 * day),
        (t + 4 * day, t + 6 * day),
    ]
    assert uncovered(t, t + 10 * day, [(t - 5 * day, t + 3 * day)]) == [(t + 3 * day, t + 10 * day)]
    assert uncovered(t, t + 10 * day, [(t + 20 * day, t + 30 * day)]) == [(t, t + 10 * day)]


def test_a_second_feed_of_a_publisher_reads_only_its_new_days(engine: Engine) -> None:
    _history(engine, 2000, seed=7)
    feed = [e for e in _entries(8, 60) if e.published_at is not None and e.publisher == "Ofsted"]
    first, second = feed[:1], feed[:2]
    titles = PublisherTitles()
    with engine.connect() as conn:
        titles.prepare(conn, first, NOW)
        once = len(titles)
        titles.prepare(conn, first, NOW)
        assert len(titles) == once  # nothing read again
        titles.prepare(conn, second, NOW)
        again = PublisherTitles()
        again.prepare(conn, second, NOW)
    assert len(titles) == len(again)  # what was missing, each row once
