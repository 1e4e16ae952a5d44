"""Storing publications once: exact keys by unique constraint, near-identical titles by query.

A publication is the same item when it has the same canonical URL, the same GOV.UK path, or a
near-identical title from the same publisher within 14 days (dedupe.py). The first two are unique
constraints (safe against concurrent pollers); the third is a query over a small window. A rejected
item stays in the table as a tombstone, so it never comes back as new.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from rapidfuzz import fuzz, process
from sqlalchemy import Connection, bindparam, func, or_, select

from curator.dedupe import (
    NEAR_DUPLICATE_SCORE,
    NEAR_DUPLICATE_WINDOW,
    keys_near_duplicate,
    numbers_of,
    title_key,
)
from curator.records import Entry, Lane
from curator.store.schema import UTCDateTime, items
from curator.store.sql import insert_many_ignore


@dataclass
class StoreReport:
    new: list[tuple[int, Entry]] = field(default_factory=list)  # (item id, entry) stored now
    duplicates: int = 0

    @property
    def new_ids(self) -> list[int]:
        return [item_id for item_id, _ in self.new]


class PublisherTitles:
    """Title keys of publishers' items around the dates being stored, grouped by the numbers in
    them (near-duplicates must agree on their numbers, so only a group is compared: a statistics
    series of near-identical titles stays cheap).

    One instance may serve every source of a poll: a publisher's rows are read once per date
    range, not once per feed (GOV.UK publishers have several feeds). Titles stored through it are
    added as they are inserted, so the caller must drop the instance when a transaction that
    used it rolls back."""

    #: Rows read around an entry's date: wide enough for every entry of one feed.
    LOAD_WINDOW = NEAR_DUPLICATE_WINDOW * 8

    def __init__(self) -> None:
        self._groups: dict[str, dict[tuple[str, ...], _Group]] = {}
        self._loaded: dict[str, list[tuple[datetime, datetime]]] = {}
        self._ids: dict[str, set[int]] = {}

    def near(self, conn: Connection, entry: Entry, key: str, when: datetime) -> int | None:
        self._load(conn, entry.publisher, when)
        group = self._groups[entry.publisher].get(numbers_of(key))
        if group is None:
            return None
        keys, meta = group
        # rapidfuzz scores every key of the group in C; only those above the cutoff are looked at.
        for _match, _score, index in process.extract(
            key, keys, scorer=fuzz.ratio, score_cutoff=NEAR_DUPLICATE_SCORE, limit=None
        ):
            item_id, dated = meta[index]
            if abs(dated - when) <= NEAR_DUPLICATE_WINDOW and keys_near_duplicate(key, keys[index]):
                return item_id
        return None

    def add(self, publisher: str, item_id: int, when: datetime, key: str) -> None:
        if item_id != _UNSTORED:
            ids = self._ids.setdefault(publisher, set())
            if item_id in ids:
                return
            ids.add(item_id)
        groups = self._groups.setdefault(publisher, {})
        keys, meta = groups.setdefault(numbers_of(key), ([], []))
        keys.append(key)
        meta.append((item_id, when))

    def mark_stored(self, publisher: str, item_id: int) -> None:
        """An entry added as unstored is now row ``item_id``: a later read must not add it
        twice."""
        self._ids.setdefault(publisher, set()).add(item_id)

    def _load(self, conn: Connection, publisher: str, when: datetime) -> None:
        """Read the publisher's rows around ``when`` unless a range already read covers every
        date a near-duplicate of ``when`` may have."""
        self._groups.setdefault(publisher, {})
        ranges = self._loaded.setdefault(publisher, [])
        lo, hi = when - NEAR_DUPLICATE_WINDOW, when + NEAR_DUPLICATE_WINDOW
        if any(start <= lo and hi <= stop for start, stop in ranges):
            return
        start, stop = when - self.LOAD_WINDOW, when + self.LOAD_WINDOW
        dated = func.coalesce(items.c.published_at, items.c.first_seen_at, type_=UTCDateTime)
        rows = conn.execute(
            select(items.c.id, dated.label("dated"), items.c.title_key)
            .where(items.c.publisher == publisher)
            .where(dated >= start, dated <= stop)
        ).all()
        for r in rows:
            self.add(publisher, int(r.id), r.dated, r.title_key)
        ranges.append((start, stop))


_Group = tuple[list[str], list[tuple[int, datetime]]]


def _known(conn: Connection, entries: list[Entry]) -> tuple[set[str], set[str]]:
    """The canonical URLs and GOV.UK paths among ``entries`` that are already stored."""
    urls = list({e.url: None for e in entries})
    paths = list({e.govuk_path: None for e in entries if e.govuk_path})
    if paths:
        rows = conn.execute(_KNOWN_URLS_OR_PATHS, {"urls": urls, "paths": paths}).all()
    else:
        rows = conn.execute(_KNOWN_URLS, {"urls": urls}).all()
    return {r.canonical_url for r in rows}, {r.govuk_path for r in rows if r.govuk_path}


# Built once with expanding parameters: one SELECT per source of a poll need not build and hash a
# new statement each time.
_KNOWN_URLS = select(items.c.canonical_url, items.c.govuk_path).where(
    items.c.canonical_url.in_(bindparam("urls", expanding=True))
)
_KNOWN_URLS_OR_PATHS = select(items.c.canonical_url, items.c.govuk_path).where(
    or_(
        items.c.canonical_url.in_(bindparam("urls", expanding=True)),
        items.c.govuk_path.in_(bindparam("paths", expanding=True)),
    )
)


def store_entries(
    conn: Connection,
    entries: list[Entry],
    now: datetime,
    *,
    status: str = "new",
    lane: Lane | None = None,
    titles: PublisherTitles | None = None,
) -> StoreReport:
    """Insert the entries that are new publications; count the others as duplicates. New rows
    get ``status`` and ``lane`` (None: no lane chosen yet).

    Dedupe is decided here for the whole batch (against the store and within the batch), then
    the new rows go in with one multi-row INSERT … ON CONFLICT DO NOTHING RETURNING per chunk: a
    row another poller stored a moment ago is skipped by the unique constraints and counted as a
    duplicate, so this stays safe under concurrency."""
    report = StoreReport()
    if not entries:
        return report
    recent = titles if titles is not None else PublisherTitles()
    known_urls, known_paths = _known(conn, entries)
    pending: list[tuple[Entry, dict[str, object]]] = []
    for entry in entries:
        when = entry.published_at or now
        key = title_key(entry.title)
        if (
            entry.url in known_urls
            or (entry.govuk_path and entry.govuk_path in known_paths)
            or recent.near(conn, entry, key, when) is not None
        ):
            report.duplicates += 1
            continue
        pending.append((entry, _row(entry, key, now, status, lane)))
        recent.add(entry.publisher, _UNSTORED, when, key)
        known_urls.add(entry.url)
        if entry.govuk_path:
            known_paths.add(entry.govuk_path)
    for start in range(0, len(pending), _CHUNK):
        chunk = pending[start : start + _CHUNK]
        stored = insert_many_ignore(conn, items, [row for _, row in chunk], key="canonical_url")
        for entry, _ in chunk:
            item_id = stored.get(entry.url)
            if item_id is None:  # another poller stored it a moment ago
                report.duplicates += 1
            else:
                report.new.append((int(item_id), entry))
                recent.mark_stored(entry.publisher, int(item_id))
    return report


#: Rows per INSERT: 500 rows × 13 columns stays far below SQLite's 32,766 bound parameters.
_CHUNK = 500
#: Placeholder id for a title of this batch, not yet inserted (only its presence matters).
_UNSTORED = -1


def _row(
    entry: Entry, key: str, now: datetime, status: str, lane: Lane | None
) -> dict[str, object]:
    return {
        "source_id": entry.source_id,
        "publisher": entry.publisher,
        "title": entry.title,
        "title_key": key,
        "url": entry.original_url,
        "canonical_url": entry.url,
        "govuk_path": entry.govuk_path,
        "summary": entry.summary,
        "document_type": entry.document_type,
        "published_at": entry.published_at,
        "first_seen_at": now,
        "status": status,
        "lane": lane,
    }
