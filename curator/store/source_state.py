"""Per-source fetch state: validators, next check, failures, and claims for several workers.

Claims make two ``curator run`` processes on one PostgreSQL database never fetch the same source
at the same time: due rows are locked with ``SELECT … FOR UPDATE SKIP LOCKED`` and leased to one
worker (``claimed_by``/``claimed_until``). On SQLite, ``BEGIN IMMEDIATE`` serialises writers.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import cache

from sqlalchemy import Connection, Update, and_, bindparam, case, literal, or_, select, update

from curator.records import Listing, SourceConfig
from curator.schedule import BLOCKED_AFTER, WAIT_STATUSES
from curator.store.schema import items, source_state
from curator.store.sql import insert_ignore


@dataclass(frozen=True)
class SourceState:
    source_id: str
    url: str
    next_check_at: datetime | None
    etag: str | None
    last_modified: str | None
    consecutive_failures: int
    last_error: str | None
    last_status: int | None
    last_checked_at: datetime | None
    last_ok_at: datetime | None
    last_new_item_at: datetime | None
    feed_title: str | None
    items_seen: int
    body_hash: str | None = None
    consecutive_blocks: int = 0
    parse_warning: str | None = None
    degraded: bool = False
    flood_items: int | None = None
    flood_at: datetime | None = None
    moved_to: str | None = None
    entries_listed: int | None = None
    entries_stored_elsewhere: int | None = None
    stored_first_by: str | None = None


def sync_sources(conn: Connection, sources: Iterable[SourceConfig]) -> None:
    """Make sure every configured source has a state row; a changed URL drops old validators,
    the refusals counted against the old URL (the new one has not refused anything yet), the
    fingerprint of its last document (so the next one stored is the URL's first: its archive)
    and what that document listed, and any claim on it: a fetch of the old URL still in flight
    then writes none of them back (as when a source is disabled: :func:`forget_documents`)."""
    for src in sources:
        if (
            insert_ignore(
                conn,
                source_state,
                {"source_id": src.id, "url": src.url, "consecutive_failures": 0, "items_seen": 0},
            )
            is not None
        ):
            continue
        conn.execute(
            update(source_state)
            .where(source_state.c.source_id == src.id, source_state.c.url != src.url)
            .values(
                url=src.url,
                etag=None,
                last_modified=None,
                next_check_at=None,
                body_hash=None,
                consecutive_blocks=0,
                entries_listed=None,
                entries_stored_elsewhere=None,
                stored_first_by=None,
                claimed_by=None,
                claimed_until=None,
            )
        )


@dataclass(frozen=True)
class Renamed:
    """A source whose id changed in sources.yaml, its URL unchanged: its state and items now go
    by ``new``."""

    old: str
    new: str
    items: int


def carry_renamed(conn: Connection, sources: Sequence[SourceConfig]) -> list[Renamed]:
    """Give a source whose id was changed in sources.yaml (``sources``: the whole file, enabled
    or not) the state and items of its old id. Without it the new id started afresh: its next
    document was its "archive", its publications already stored counted for nobody, and its
    health (newest item, items in 30 days, editors' decisions) and rules (``apply-rules``,
    ``suggest-rules``) lost its history. A rename is a state row whose id is no longer in the
    file, at the very URL of a source that has no state row yet; one such row only (two old ids
    at one URL is left alone). Claims are kept: a worker still fetching the old id writes
    nothing back (its row is gone), and the new id is not fetched twice meanwhile."""
    listed = {s.id for s in sources}
    rows = conn.execute(select(source_state.c.source_id, source_state.c.url)).all()
    known = {str(r.source_id) for r in rows}
    orphans: dict[str, list[str]] = {}
    for r in rows:
        if r.source_id not in listed:
            orphans.setdefault(str(r.url), []).append(str(r.source_id))
    renamed: list[Renamed] = []
    for src in sources:
        old = orphans.get(src.url, [])
        if src.id in known or len(old) != 1:
            continue
        taken = conn.execute(
            update(source_state).where(source_state.c.source_id == old[0]).values(source_id=src.id)
        ).rowcount
        if not taken:  # another worker carried it meanwhile (PostgreSQL: read committed)
            continue
        moved = conn.execute(
            update(items).where(items.c.source_id == old[0]).values(source_id=src.id)
        ).rowcount
        renamed.append(Renamed(old[0], src.id, int(moved or 0)))
    return renamed


def forget_documents(conn: Connection, source_ids: Iterable[str]) -> None:
    """Forget the last document (fingerprint and validators) of sources that are disabled: when
    one is enabled again, its next document is fetched whole and stored as its first, so what
    it published meanwhile is its archive, not news. Its schedule and refusals go too: an admin
    who enables a source again wants it checked at the next pass, not when the backoff or the
    daily check of a blocked site it had when disabled would have come round (its failures are
    kept until it answers, so it shows as failing till then). A claim on it is dropped as well:
    a worker still fetching it when it was disabled then writes back what it fetched, but not
    the validators, fingerprint and schedule forgotten here (:func:`record_success` and
    :func:`record_failure` write those only under the worker's own claim). Only rows that still
    hold something to forget are written."""
    ids = list(source_ids)
    if not ids:
        return
    held = or_(
        source_state.c.body_hash.is_not(None),
        source_state.c.next_check_at.is_not(None),
        source_state.c.consecutive_blocks > 0,
        source_state.c.claimed_by.is_not(None),
    )
    conn.execute(
        update(source_state)
        .where(source_state.c.source_id.in_(ids), held)
        .values(
            etag=None,
            last_modified=None,
            body_hash=None,
            next_check_at=None,
            consecutive_blocks=0,
            claimed_by=None,
            claimed_until=None,
        )
    )


def load_states(conn: Connection) -> dict[str, SourceState]:
    rows = conn.execute(select(*[c for c in source_state.c if not c.name.startswith("claimed")]))
    return {row.source_id: SourceState(**row._mapping) for row in rows}


#: The server's last answer asked us to wait: too many requests, or unavailable (with or without
#: a ``Retry-After``, which the schedule honours), and the source has not answered since. Never
#: NULL (it is negated): a failure without an HTTP answer (a timeout, a page that is no feed)
#: stores no status, and ``NOT (… IN …)`` of a NULL would leave such a source out of --all too.
_ASKED_TO_WAIT = and_(
    source_state.c.consecutive_failures > 0,
    source_state.c.last_status.is_not(None),
    source_state.c.last_status.in_(WAIT_STATUSES),
)


def claim_due(
    conn: Connection,
    source_ids: Iterable[str],
    now: datetime,
    worker: str,
    *,
    lease: timedelta = timedelta(minutes=10),
    force: bool = False,
    force_blocked: bool = True,
) -> list[str]:
    """Claim the due sources among ``source_ids`` for ``worker``; returns the claimed ids.

    ``force`` claims them whether due or not (``curator poll --all``), but never one that another
    worker holds right now; with ``force_blocked=False`` a blocked source is still only claimed
    when due (once a day), and so is one whose server last asked us to wait (a 429 or 503, its
    ``Retry-After`` in the schedule), so even a scripted ``poll --all`` never asks a refusing or
    overloaded site faster.
    Run it in a transaction of its own (``with engine.begin() as conn:``): the claim is what
    other workers see once it commits, before any fetching."""
    ids = list(source_ids)
    if not ids:
        return []
    free = or_(
        source_state.c.claimed_until.is_(None),
        source_state.c.claimed_until < now,
        source_state.c.claimed_by.in_(dead_local_workers(conn, now)),
    )
    due = or_(source_state.c.next_check_at.is_(None), source_state.c.next_check_at <= now)
    cond = and_(source_state.c.source_id.in_(ids), free)
    if not force:
        cond = and_(cond, due)
    elif not force_blocked:
        cond = and_(
            cond, or_(due, and_(source_state.c.consecutive_blocks < BLOCKED_AFTER, ~_ASKED_TO_WAIT))
        )
    query = select(source_state.c.source_id).where(cond)
    if conn.dialect.name == "postgresql":
        query = query.with_for_update(skip_locked=True)
    claimed = [str(r) for r in conn.execute(query).scalars()]
    if claimed:
        conn.execute(
            update(source_state)
            .where(source_state.c.source_id.in_(claimed))
            .values(claimed_by=worker, claimed_until=now + lease)
        )
    return claimed


def orphaned_claims(conn: Connection, source_ids: Iterable[str], now: datetime) -> dict[str, str]:
    """The sources among ``source_ids`` that a worker of this host which no longer runs (killed
    mid-poll) still holds: ``{source_id: worker}``. :func:`claim_due` takes them over at once."""
    ids, dead = list(source_ids), dead_local_workers(conn, now)
    if not ids or not dead:
        return {}
    c = source_state.c
    rows = conn.execute(
        select(c.source_id, c.claimed_by).where(c.source_id.in_(ids), c.claimed_by.in_(dead))
    )
    return {str(source_id): str(holder) for source_id, holder in rows}


def release_claims(conn: Connection, source_ids: Iterable[str], worker: str) -> None:
    """Give up ``worker``'s claims on ``source_ids`` without recording anything (it was told to
    stop before fetching them): they stay due, for the next pass of any worker."""
    ids = list(source_ids)
    if ids:
        conn.execute(
            update(source_state)
            .where(source_state.c.source_id.in_(ids), source_state.c.claimed_by == worker)
            .values(claimed_by=None, claimed_until=None)
        )


def dead_local_workers(conn: Connection, now: datetime) -> list[str]:
    """Workers on this host holding a live claim whose process is gone (killed, crashed, or a
    container restarted under the same PID): their claims need not wait for the lease to run
    out after a restart."""
    from curator.worker import is_gone

    holders = conn.execute(
        select(source_state.c.claimed_by)
        .where(source_state.c.claimed_until >= now, source_state.c.claimed_by.is_not(None))
        .distinct()
    ).scalars()
    return [str(holder) for holder in holders if is_gone(str(holder))]


def record_success(
    conn: Connection,
    source_id: str,
    *,
    now: datetime,
    next_check_at: datetime,
    status: int,
    etag: str | None,
    last_modified: str | None,
    new_items: int,
    feed_title: str | None = None,
    not_modified: bool = False,
    release_from: str | None = None,
    body_hash: str | None = None,
    read: tuple[str | None, bool] | None = None,
    flood: int = 0,
    moved_to: str | None = None,
    listing: Listing | None = None,
) -> None:
    """Record a successful check. With ``release_from``, also give up that worker's claim in
    the same statement (one UPDATE per source instead of two: a warm poll is mostly this).
    ``body_hash``: the fingerprint of the document just parsed and stored (kept otherwise).
    ``read``: how that document was read, ``(parse_warning, degraded)``; ``None`` (a 304, an
    unchanged document) keeps what the last parse said. ``flood``: the new items of a flood
    stored quiet just now (recorded with the time; 0 keeps the last one on record).
    ``moved_to``: where the URL's permanent redirects led (None: nowhere; recorded each time).
    ``listing``: what that document listed (None, as ``read``: keeps the last one on record).
    With ``release_from``, the validators, fingerprint and schedule are written only while that
    worker still holds the claim: a source disabled meanwhile had them forgotten
    (:func:`forget_documents`), and one another worker claimed after the lease ran out is its."""
    validators = not not_modified
    titled = validators and feed_title is not None
    params: dict[str, object] = {
        "p_source_id": source_id,
        "p_next_check_at": next_check_at,
        "p_status": status,
        "p_now": now,
        "p_new_items": new_items,
        "p_moved_to": moved_to[:2000] if moved_to else None,
    }
    if validators:
        params.update(p_etag=etag, p_last_modified=last_modified)
    if titled:
        params["p_feed_title"] = feed_title
    if release_from is not None:
        params["p_worker"] = release_from
    if body_hash is not None:
        params["p_body_hash"] = body_hash
    if read is not None:
        params["p_parse_warning"] = read[0][:2000] if read[0] else None
        params["p_degraded"] = read[1]
    if flood:
        params["p_flood"] = flood
    if listing is not None:
        by = ",".join(listing.sources) or None
        params.update(p_listed=listing.entries, p_elsewhere=listing.elsewhere, p_first_by=by)
    stmt = _success_statement(
        validators,
        titled,
        bool(new_items),
        release_from is not None,
        body_hash is not None,
        read is not None,
        bool(flood),
        listing is not None,
    )
    conn.execute(stmt, params)


@cache
def _success_statement(
    validators: bool,
    titled: bool,
    new_item: bool,
    release: bool,
    hashed: bool,
    read: bool,
    flooded: bool = False,
    listed: bool = False,
) -> Update:
    """The UPDATE :func:`record_success` runs, built once per shape with bound parameters: a
    poll records hundreds of sources, and building and hashing a new statement for each cost
    more than running it. (Parameter names are not column names: SQLAlchemy would read those
    as extra SET columns.)"""
    c = source_state.c
    now = bindparam("p_now", type_=c.last_checked_at.type)
    mine = c.claimed_by == bindparam("p_worker", type_=c.claimed_by.type)

    def held(column: str, value: object) -> object:
        """``value`` for ``column``, or (releasing a claim no longer ours) what it holds."""
        return case((mine, value), else_=c[column]) if release else value

    values: dict[str, object] = {
        "next_check_at": held(
            "next_check_at", bindparam("p_next_check_at", type_=c.next_check_at.type)
        ),
        "consecutive_failures": 0,
        "consecutive_blocks": 0,
        "last_error": None,
        "last_status": bindparam("p_status", type_=c.last_status.type),
        "last_checked_at": now,
        "last_ok_at": now,
        "items_seen": c.items_seen + bindparam("p_new_items", type_=c.items_seen.type),
        "moved_to": bindparam("p_moved_to", type_=c.moved_to.type),
    }
    if validators:
        # Validators are stored verbatim; a 200 without them clears stale ones.
        values["etag"] = held("etag", bindparam("p_etag", type_=c.etag.type))
        values["last_modified"] = held(
            "last_modified", bindparam("p_last_modified", type_=c.last_modified.type)
        )
    if titled:
        values["feed_title"] = bindparam("p_feed_title", type_=c.feed_title.type)
    if new_item:
        values["last_new_item_at"] = now
    if hashed:
        values["body_hash"] = held("body_hash", bindparam("p_body_hash", type_=c.body_hash.type))
    if read:
        values["parse_warning"] = bindparam("p_parse_warning", type_=c.parse_warning.type)
        values["degraded"] = bindparam("p_degraded", type_=c.degraded.type)
    if flooded:
        values["flood_items"] = bindparam("p_flood", type_=c.flood_items.type)
        values["flood_at"] = now
    if listed:
        values["entries_listed"] = bindparam("p_listed", type_=c.entries_listed.type)
        values["entries_stored_elsewhere"] = bindparam(
            "p_elsewhere", type_=c.entries_stored_elsewhere.type
        )
        values["stored_first_by"] = bindparam("p_first_by", type_=c.stored_first_by.type)
    if release:
        values["claimed_by"] = case((mine, None), else_=c.claimed_by)
        values["claimed_until"] = case((mine, None), else_=c.claimed_until)
    where = c.source_id == bindparam("p_source_id", type_=c.source_id.type)
    return update(source_state).where(where).values(**values)


def record_failure(
    conn: Connection,
    source_id: str,
    *,
    now: datetime,
    next_check_at: datetime,
    error: str,
    status: int | None = None,
    blocked: bool = False,
    release_from: str | None = None,
) -> None:
    """Record a failed check. ``blocked``: the site refused us (401/403 or a bot challenge),
    which adds to the refusals in a row; any other failure ends that streak. With
    ``release_from``, as :func:`record_success`: that worker's claim is given up in the same
    statement, and the schedule and refusals are written only while it still holds it."""
    c = source_state.c
    schedule: object = next_check_at
    blocks: object = c.consecutive_blocks + 1 if blocked else 0
    released: dict[str, object] = {}
    if release_from is not None:
        mine = c.claimed_by == release_from
        # typed as the column: a bare value in a CASE would skip UTCDateTime's conversion
        schedule = case((mine, literal(next_check_at, c.next_check_at.type)), else_=c.next_check_at)
        blocks = case((mine, blocks), else_=c.consecutive_blocks)
        released = {
            "claimed_by": case((mine, None), else_=c.claimed_by),
            "claimed_until": case((mine, None), else_=c.claimed_until),
        }
    conn.execute(
        update(source_state)
        .where(c.source_id == source_id)
        .values(
            next_check_at=schedule,
            consecutive_failures=c.consecutive_failures + 1,
            consecutive_blocks=blocks,
            last_error=error[:2000],
            last_status=status,
            last_checked_at=now,
            **released,
        )
    )
