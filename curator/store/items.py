"""Storing publications once: exact keys by unique constraint, near-identical titles by query.

A publication is the same item when it has the same canonical URL, the same GOV.UK path, or a
near-identical title from the same publisher within 14 days (dedupe.py). The first two are unique
constraints (safe against concurrent pollers); the third is a query over a small window. A rejected
item stays in the table as a tombstone, so it never comes back as new.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta
from typing import Any

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
    #: Duplicates of a stored item that another source's skip/keep rules kept quiet and no
    #: editor has seen: (its id, the entry as this source lists it, dated when the item was first
    #: seen if it has no date). Whether this source's own
    #: rules let it through is the pipeline's to say (``curator.pipeline.relisted``).
    ruled_elsewhere: list[tuple[int, Entry]] = field(default_factory=list)
    #: Of the duplicates, those of an item stored under another source, by that source's id:
    #: a source all of whose entries land here stores nothing, yet works (it may be redundant).
    elsewhere: Counter[str] = field(default_factory=Counter)

    def relisted(self, match: _Stored | None, entry: Entry) -> None:
        """Note ``entry`` as a listing of ``match`` (a stored item it duplicates): the source
        that stored it, when another; and the entry itself when another source's rules may
        have kept that item quiet."""
        if match is not None and match.source_id and match.source_id != entry.source_id:
            self.elsewhere[match.source_id] += 1
        if match is not None and match.ruled_quiet_elsewhere(entry):
            # undated, it dates from when it was first seen (the backfill window applies)
            dated = (
                entry if entry.published_at else replace(entry, published_at=match.first_seen_at)
            )
            self.ruled_elsewhere.append((match.id, dated))

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

    def __init__(self) -> None:
        self._groups: dict[str, dict[tuple[str, ...], _Group]] = {}
        self._loaded: dict[str, list[tuple[datetime, datetime]]] = {}
        self._ids: dict[str, set[int]] = {}

    def prepare(self, conn: Connection, entries: Sequence[Entry], now: datetime) -> None:
        """Read, for each publisher of ``entries``, its rows dated within the near-duplicate
        window of an entry's own date (published, else ``now``): one indexed range per run of
        close dates, so a batch reads the days it needs, not a publisher's whole history."""
        spans: dict[str, list[tuple[datetime, datetime]]] = {}
        for entry in entries:
            when = entry.published_at or now
            spans.setdefault(entry.publisher, []).append(
                (when - NEAR_DUPLICATE_WINDOW, when + NEAR_DUPLICATE_WINDOW)
            )
        for publisher, wanted in spans.items():
            for start, stop in merged_spans(wanted, gap=NEAR_DUPLICATE_WINDOW):
                self._read(conn, publisher, start, stop)

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

    def add(self, publisher: str, item_id: int, when: datetime, key: str) -> _Slot | None:
        """Hold a title; returns where it is held (None: already held), for :meth:`mark_stored`."""
        if item_id != _UNSTORED:
            ids = self._ids.setdefault(publisher, set())
            if item_id in ids:
                return None
            ids.add(item_id)
        groups = self._groups.setdefault(publisher, {})
        keys, meta = groups.setdefault(numbers_of(key), ([], []))
        keys.append(key)
        meta.append((item_id, when))
        return meta, len(meta) - 1

    def __len__(self) -> int:
        """Titles held (read from the store or added)."""
        return sum(len(keys) for groups in self._groups.values() for keys, _ in groups.values())

    def mark_stored(self, publisher: str, item_id: int, slot: _Slot | None = None) -> None:
        """An entry added as unstored is now row ``item_id``: a later read must not add it
        twice, and a near-duplicate found of it later in the pass names the row (``slot``: where
        :meth:`add` held it)."""
        self._ids.setdefault(publisher, set()).add(item_id)
        if slot is not None:
            meta, index = slot
            meta[index] = (item_id, meta[index][1])

    def _load(self, conn: Connection, publisher: str, when: datetime) -> None:
        """Read the publisher's rows a near-duplicate of ``when`` may be unless already read
        (:meth:`prepare` has read them for every entry of a batch)."""
        self._read(conn, publisher, when - NEAR_DUPLICATE_WINDOW, when + NEAR_DUPLICATE_WINDOW)

    def _read(self, conn: Connection, publisher: str, start: datetime, stop: datetime) -> None:
        """Add the publisher's rows dated from ``start`` to ``stop`` that no range already read
        holds; each missing part is a range of ix_items_publisher_dated."""
        self._groups.setdefault(publisher, {})
        ranges = self._loaded.setdefault(publisher, [])
        for lo, hi in uncovered(start, stop, ranges):
            for r in conn.execute(_DATED_ROWS, {"publisher": publisher, "start": lo, "stop": hi}):
                self.add(publisher, int(r.id), r.dated, r.title_key)
            ranges.append((lo, hi))


def merged_spans(
    spans: Sequence[tuple[datetime, datetime]], *, gap: timedelta
) -> list[tuple[datetime, datetime]]:
    """``spans`` sorted and merged where they overlap or lie less than ``gap`` apart (one read of
    a short gap costs less than another query)."""
    out: list[tuple[datetime, datetime]] = []
    for start, stop in sorted(spans):
        if out and start <= out[-1][1] + gap:
            out[-1] = (out[-1][0], max(out[-1][1], stop))
        else:
            out.append((start, stop))
    return out


def uncovered(
    start: datetime, stop: datetime, ranges: Sequence[tuple[datetime, datetime]]
) -> list[tuple[datetime, datetime]]:
    """The parts of ``start``..``stop`` that none of ``ranges`` covers (bounds included: a row
    dated on a bound may be read twice, and is added once)."""
    out: list[tuple[datetime, datetime]] = []
    at = start
    for lo, hi in sorted(ranges):
        if hi < at:
            continue
        if lo > stop:
            break
        if lo > at:
            out.append((at, lo))
        at = max(at, hi)
        if at >= stop:
            return out
    if at < stop:
        out.append((at, stop))
    return out


# The item's date exactly as ix_items_publisher_dated declares it (an expression index serves
# only the expression it was built on).
_DATED = func.coalesce(items.c.published_at, items.c.first_seen_at, type_=UTCDateTime)
_DATED_ROWS = (
    select(items.c.id, _DATED.label("dated"), items.c.title_key)
    .where(items.c.publisher == bindparam("publisher"))
    .where(
        _DATED.between(bindparam("start", type_=UTCDateTime), bindparam("stop", type_=UTCDateTime))
    )
)

_Group = tuple[list[str], list[tuple[int, datetime]]]
#: Where a title is held in its group's list of (item id, date).
_Slot = tuple[list[tuple[int, datetime]], int]


def stored_urls(conn: Connection, entries: list[Entry]) -> set[str]:
    """The canonical URLs of those ``entries`` already stored, by URL or by GOV.UK path (a
    read: the poll asks it before it reads new items' pages, outside the store's transaction)."""
    if not entries:
        return set()
    urls, paths = _known(conn, entries)
    return {e.url for e in entries if e.url in urls or (e.govuk_path and e.govuk_path in paths)}


@dataclass(frozen=True, slots=True)
class _Stored:
    """What dedupe reads of a stored item an entry matches."""

    id: int
    source_id: str | None
    lane: str | None
    status: str | None
    quiet_rule: str | None
    first_seen_at: datetime | None
    version: int

    def ruled_quiet_elsewhere(self, entry: Entry) -> bool:
        """Perhaps kept quiet by another source's rules when it was stored, and left alone since
        (every editor's or admin's action on an item, ``apply-rules`` taking a candidate back or a
        card made of it, raises its version): quiet by a rule, or stored earlier in this
        transaction and not given its lane yet. The caller reads which once the lanes are set."""
        ruled = self.lane == "quiet" and self.quiet_rule is not None
        return (
            (ruled or self.lane is None)
            and self.status == "new"
            and self.version == 1
            and self.source_id != entry.source_id
        )


#: An entry of this batch not yet inserted (only its presence matters).
_IN_BATCH = _Stored(-1, None, None, None, None, None, 0)


def _stored(r: Any) -> _Stored:
    """A row of :data:`_KNOWN_COLUMNS` as what dedupe reads of it."""
    return _Stored(
        int(r.id), r.source_id, r.lane, r.status, r.quiet_rule, r.first_seen_at, r.version
    )


def _by_id(conn: Connection, ids: list[int]) -> dict[int, _Stored]:
    """The stored items ``ids`` (near-duplicates found by title), by id."""
    rows = conn.execute(_KNOWN_IDS, {"ids": list(set(ids))}).all()
    return {int(r.id): _stored(r) for r in rows}


def _known(conn: Connection, entries: list[Entry]) -> tuple[dict[str, _Stored], dict[str, _Stored]]:
    """The stored items among ``entries``, by canonical URL and by GOV.UK path."""
    urls = list({e.url: None for e in entries})
    paths = list({e.govuk_path: None for e in entries if e.govuk_path})
    if paths:
        rows = conn.execute(_KNOWN_URLS_OR_PATHS, {"urls": urls, "paths": paths}).all()
    else:
        rows = conn.execute(_KNOWN_URLS, {"urls": urls}).all()
    by_url: dict[str, _Stored] = {}
    by_path: dict[str, _Stored] = {}
    for r in rows:
        stored = _stored(r)
        by_url[r.canonical_url] = stored
        if r.govuk_path:
            by_path[r.govuk_path] = stored
    return by_url, by_path


def _matching(
    by_url: dict[str, _Stored], by_path: dict[str, _Stored], entry: Entry
) -> _Stored | None:
    """The stored item (or entry of this batch) ``entry`` is, by canonical URL or GOV.UK path."""
    found = by_url.get(entry.url)
    if found is None and entry.govuk_path:
        found = by_path.get(entry.govuk_path)
    return found


# Built once with expanding parameters: one SELECT per source of a poll need not build and hash a
# new statement each time.
_KNOWN_COLUMNS = (
    items.c.id,
    items.c.canonical_url,
    items.c.govuk_path,
    items.c.source_id,
    items.c.lane,
    items.c.status,
    items.c.quiet_rule,
    items.c.first_seen_at,
    items.c.version,
)
_KNOWN_URLS = select(*_KNOWN_COLUMNS).where(
    items.c.canonical_url.in_(bindparam("urls", expanding=True))
)
_KNOWN_IDS = select(*_KNOWN_COLUMNS).where(items.c.id.in_(bindparam("ids", expanding=True)))
_KNOWN_URLS_OR_PATHS = select(*_KNOWN_COLUMNS).where(
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
    recent.prepare(conn, entries, now)
    # (entry, its row, where its title is held among the publisher's titles)
    pending: list[tuple[Entry, dict[str, object], _Slot | None]] = []
    near: list[tuple[int, Entry]] = []  # (stored item id, entry): the same publication by title
    for entry in entries:
        when = entry.published_at or now
        key = title_key(entry.title)
        match = _matching(known_urls, known_paths, entry)
        near_id = None if match is not None else recent.near(conn, entry, key, when)
        if match is not None or near_id is not None:
            report.duplicates += 1
            if near_id is None:
                report.relisted(match, entry)
            elif near_id != _UNSTORED:  # noted once its row is read, below
                near.append((near_id, entry))
            continue
        slot = recent.add(entry.publisher, _UNSTORED, when, key)
        pending.append((entry, _row(entry, key, now, status, lane), slot))
        known_urls[entry.url] = _IN_BATCH
        if entry.govuk_path:
            known_paths[entry.govuk_path] = _IN_BATCH
    lost: list[Entry] = []
    for start in range(0, len(pending), _CHUNK):
        chunk = pending[start : start + _CHUNK]
        stored = insert_many_ignore(conn, items, [row for _, row, _ in chunk], key="canonical_url")
        for entry, _, slot in chunk:
            item_id = stored.get(entry.url)
            if item_id is None:  # another poller stored it a moment ago
                report.duplicates += 1
                lost.append(entry)
            else:
                report.new.append((int(item_id), entry))
                recent.mark_stored(entry.publisher, int(item_id), slot)
    if near:  # another link, a near-identical title of the same publisher: the same publication
        by_id = _by_id(conn, [item_id for item_id, _ in near])
        for item_id, entry in near:
            report.relisted(by_id.get(item_id), entry)
    if lost:  # its row is committed now (the INSERT waited for it): its rules may have ruled it
        by_url, by_path = _known(conn, lost)
        for entry in lost:
            report.relisted(_matching(by_url, by_path, entry), entry)
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
