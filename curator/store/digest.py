"""The digest lane's daily roll-up ("Also published today"): which items to list, the messages
that list them, and what each line shows.

A digest item is one the poll stored in the ``digest`` lane and queued for the editors (status
``queued``, with no card in the outbox): it is offered in ``curator review`` after the cards, and
listed in Slack once, in the day's roll-up, instead of getting a card of its own. One decided,
expired (moved to ``quiet``) or made a card before the roll-up is not listed.

Posting is planned first and done after: :func:`plan_messages` takes the items not listed yet and,
in one transaction, writes one ``digest_messages`` row per message (at most :data:`PER_MESSAGE`
items each) and marks the items listed. An item is therefore listed once whatever happens next:
the rows are posted like the outbox's cards (claimed with a lease, attempts counted before the
post, found again in the channel history after a crash), never planned again.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import (
    Connection,
    bindparam,
    func,
    insert,
    literal,
    select,
    update,
)

from curator.store.decisions import UNDECIDED
from curator.store.item_reads import QUEUED
from curator.store.posting import Posting
from curator.store.predictions import latest_predictions
from curator.store.schema import digest_messages, items

#: Lines in one roll-up message: with its heading, 41 blocks, under Slack's 50.
PER_MESSAGE = 40
#: Items planned at once: a backlog larger than this is listed over several runs.
MAX_PLANNED = 2000

# Written with literals so that the planner can prove they imply the partial index's condition.
_BACKLOG = (
    items.c.lane == literal("digest", literal_execute=True),
    items.c.status == literal(QUEUED, literal_execute=True),
    items.c.digest_listed_at.is_(None),
)
#: The claim-and-finish queries of the roll-up messages (shared with the outbox).
POSTING = Posting(digest_messages)


@dataclass(frozen=True)
class DigestMessage:
    """One planned roll-up message."""

    id: int
    channel: str
    item_ids: tuple[int, ...]
    part: int
    parts: int
    #: attempts made before this claim
    attempts: int
    created_at: datetime
    message_ts: str | None = None
    posted_at: datetime | None = None


@dataclass(frozen=True)
class RollUp:
    """The whole roll-up a message is part of (its parts were planned together), for its
    heading."""

    #: items it lists, in all its parts (those still stored)
    items: int
    #: when the earliest of them was first seen (None: none is stored any more)
    first_seen: datetime | None


@dataclass(frozen=True)
class DigestLine:
    """What one line of a roll-up (or one search result in Slack) shows about an item."""

    item_id: int
    title: str
    url: str
    publisher: str
    lane: str | None
    status: str
    predicted_sector: str | None
    #: who made it a card (a Slack user id) when an editor did
    carded_by: str | None
    #: who decided it (accepted, rejected, held), as recorded on the item
    decided_by: str | None
    #: it left the queue undecided after CURATOR_CANDIDATE_DAYS (the editors let it go)
    expired: bool = False

    @property
    def undecided(self) -> bool:
        return self.status in UNDECIDED

    @property
    def is_card(self) -> bool:
        """A card now: queued for the editors in the card lane (or by code that chose no lane)."""
        return self.status == "queued" and self.lane in ("card", None)

    @property
    def promotable(self) -> bool:
        """May still be made a card: undecided and not a card already."""
        return self.undecided and not self.is_card


def backlog_count(conn: Connection) -> int:
    """Digest items waiting for the next roll-up."""
    stmt = select(func.count()).select_from(items).where(*_BACKLOG)
    return int(conn.execute(stmt).scalar_one())


def unlisted_ids(conn: Connection, limit: int = MAX_PLANNED) -> list[int]:
    """The digest items waiting for the next roll-up, oldest first."""
    stmt = select(items.c.id).where(*_BACKLOG).order_by(items.c.id).limit(limit)
    return [int(i) for i in conn.execute(stmt).scalars()]


def plan_messages(
    conn: Connection, channel: str, now: datetime, *, per_message: int = PER_MESSAGE
) -> list[int]:
    """Write the roll-up's messages for every digest item not listed yet, and mark those items
    listed, in the caller's transaction. Returns the new rows' ids (none: nothing to list).

    Raises :class:`ListedMeanwhile` when another process listed some of the same items first
    (PostgreSQL lets two planners read the same rows): roll back, and plan again."""
    ids = unlisted_ids(conn)
    if not ids:
        return []
    marked = conn.execute(
        update(items)
        .where(items.c.id.in_(bindparam("ids", expanding=True)), *_BACKLOG)
        .values(digest_listed_at=now),
        {"ids": ids},
    ).rowcount
    if marked != len(ids):
        raise ListedMeanwhile(f"{len(ids) - marked} of {len(ids)} items were listed meanwhile")
    chunks = [ids[i : i + per_message] for i in range(0, len(ids), per_message)]
    rows = []
    for part, chunk in enumerate(chunks, 1):
        row_id = conn.execute(
            insert(digest_messages)
            .values(
                channel=channel,
                item_ids=chunk,
                part=part,
                parts=len(chunks),
                status="pending",
                attempts=0,
                next_attempt_at=now,
                created_at=now,
            )
            .returning(digest_messages.c.id)
        ).scalar_one()
        rows.append(int(row_id))
    return rows


class ListedMeanwhile(Exception):
    """Another planner listed some of the items between our read and our write."""


def _message(row: Any) -> DigestMessage:
    return DigestMessage(
        id=int(row.id),
        channel=str(row.channel),
        item_ids=tuple(int(i) for i in row.item_ids),
        part=int(row.part),
        parts=int(row.parts),
        attempts=int(row.attempts),
        created_at=row.created_at,
        message_ts=row.message_ts,
        posted_at=row.posted_at,
    )


_COLUMNS = (
    digest_messages.c.id,
    digest_messages.c.channel,
    digest_messages.c.item_ids,
    digest_messages.c.part,
    digest_messages.c.parts,
    digest_messages.c.attempts,
    digest_messages.c.created_at,
    digest_messages.c.message_ts,
    digest_messages.c.posted_at,
)


def oldest_due(conn: Connection, channel: str, now: datetime) -> DigestMessage | None:
    """The oldest pending roll-up message for ``channel`` that is due and claimed by nobody."""
    row = conn.execute(
        select(*_COLUMNS)
        .where(digest_messages.c.channel == channel, POSTING.due(now))
        .order_by(digest_messages.c.id)
        .limit(1)
    ).first()
    return None if row is None else _message(row)


def claim(
    conn: Connection, message: DigestMessage, worker: str, now: datetime, until: datetime
) -> bool:
    """Lease ``message`` to ``worker`` and count the attempt; False when someone else took it."""
    return POSTING.claim(conn, message.id, message.attempts, worker, now, until)


mark_posted = POSTING.mark_posted
mark_failed = POSTING.mark_failed
retry_later = POSTING.retry_later
#: Roll-up messages planned and not posted yet (to ``channel``, or to any channel).
pending_messages = POSTING.pending_count


def message_at(conn: Connection, channel: str, ts: str) -> DigestMessage | None:
    """The roll-up message posted in ``channel`` as ``ts``, if it is one."""
    row = conn.execute(
        select(*_COLUMNS)
        .where(digest_messages.c.channel == channel, digest_messages.c.message_ts == ts)
        .limit(1)
    ).first()
    return None if row is None else _message(row)


def messages_listing(conn: Connection, item_ids: Sequence[int]) -> list[DigestMessage]:
    """The posted roll-up messages that list any of ``item_ids``, each once (a batch of expired
    items redraws a roll-up once, not once per line). They were planned when the items were
    listed (their ``created_at`` is the items' ``digest_listed_at``), so one query reads when
    that was, and one the few messages planned then, not every message's ids; the second is
    not run for items never listed (most cards)."""
    ids = list(dict.fromkeys(item_ids))
    if not ids:
        return []
    listed = {
        t
        for t in conn.execute(
            select(items.c.digest_listed_at).where(
                items.c.id.in_(bindparam("ids", expanding=True)),
                items.c.digest_listed_at.is_not(None),
            ),
            {"ids": ids},
        ).scalars()
    }
    if not listed:
        return []
    rows = conn.execute(
        select(*_COLUMNS).where(
            digest_messages.c.created_at.in_(sorted(listed)),
            digest_messages.c.message_ts.is_not(None),
        )
    )
    wanted = set(ids)
    return [m for m in map(_message, rows) if wanted.intersection(m.item_ids)]


def roll_up_of(conn: Connection, message: DigestMessage) -> RollUp:
    """How many items the roll-up of ``message`` lists in all its parts, and when the earliest
    was first seen: one query, two for a roll-up in parts (its messages were planned in one
    transaction, with the same channel, ``created_at`` and ``parts``)."""
    ids = list(message.item_ids)
    if message.parts > 1:
        rows = conn.execute(
            select(digest_messages.c.item_ids).where(
                digest_messages.c.channel == message.channel,
                digest_messages.c.created_at == message.created_at,
                digest_messages.c.parts == message.parts,
            )
        ).scalars()
        ids = list(dict.fromkeys(int(i) for row in rows for i in row))
    if not ids:
        return RollUp(0, None)
    count, first_seen = conn.execute(
        select(func.count(), func.min(items.c.first_seen_at)).where(
            items.c.id.in_(bindparam("ids", expanding=True))
        ),
        {"ids": ids},
    ).one()
    return RollUp(int(count), first_seen)


_LINES = select(
    items.c.id,
    func.coalesce(items.c.edited_title, items.c.title).label("title"),
    items.c.url,
    func.coalesce(items.c.edited_publisher, items.c.publisher).label("publisher"),
    items.c.lane,
    items.c.status,
    items.c.carded_by,
    items.c.decided_by,
    items.c.expired_at,
).where(items.c.id.in_(bindparam("ids", expanding=True)))


def lines_of(conn: Connection, item_ids: Sequence[int]) -> list[DigestLine]:
    """The lines of ``item_ids`` in their order (unknown ids left out): two queries."""
    ids = list(dict.fromkeys(item_ids))
    if not ids:
        return []
    rows = {int(r.id): r for r in conn.execute(_LINES, {"ids": ids})}
    predicted = latest_predictions(conn, ids)
    out = []
    for item_id in ids:
        r = rows.get(item_id)
        if r is None:
            continue
        pred = predicted.get(item_id)
        out.append(
            DigestLine(
                item_id=item_id,
                title=str(r.title),
                url=str(r.url),
                publisher=str(r.publisher),
                lane=r.lane,
                status=str(r.status),
                predicted_sector=pred.sector if pred else None,
                carded_by=r.carded_by,
                decided_by=r.decided_by,
                expired=r.expired_at is not None,
            )
        )
    return out
